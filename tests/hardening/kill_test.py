#!/usr/bin/env python3
"""Kill and restart (SIGKILL, for real):

1. `pipesim serve --trace` killed mid-session leaves no trace file that looks whole: at most
   PATH.tmp, which `pipesim replay` rejects as bad input (exit 2), never a run that diverged.
2. A session run again with the same scenario and requests, after the kill, gives the same trace,
   byte for byte, as another run of it: nothing of the killed process leaks into the next.
3. `pipesim explore` killed in the middle of its runs leaves no trace behind, and the same
   exploration run again gives the same verdict, runs, events and coverage each time.

usage: kill_test.py PIPESIM SOURCE_DIR
"""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

PIPESIM, SOURCE = sys.argv[1], sys.argv[2]
SCENARIO = os.path.join(SOURCE, "scenarios/library/stop_during_callback.json")


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def start_serve(trace):
    for p in (trace, trace + ".tmp"):
        if os.path.exists(p):
            os.remove(p)
    proc = subprocess.Popen([PIPESIM, "serve", SCENARIO, "--clock", "manual", "--port", "0",
                             "--trace", trace], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    line = proc.stdout.readline()
    if not line.startswith("listening on "):
        proc.kill()
        fail("pipesim serve did not start: " + line + proc.stderr.read())
    return proc, line.split()[-1]


def post(endpoint, path, body, target=None):
    headers = {"Content-Type": "application/x-amz-json-1.0"}
    if target:
        headers["X-Amz-Target"] = target
    req = urllib.request.Request(endpoint + path, data=json.dumps(body).encode(), headers=headers,
                                 method="POST")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"{}")


def session(endpoint):
    """The same requests each time: a queue of the client's own (the scenario's consumer reads
    the callback queue), messages sent with time advancing, messages received."""
    queue = post(endpoint, "/", {"QueueName": "kill-test"}, "AmazonSQS.CreateQueue")["QueueUrl"]
    for i in range(20):
        post(endpoint, "/", {"QueueUrl": queue, "MessageBody": f"m{i}"}, "AmazonSQS.SendMessage")
        post(endpoint, "/_pipesim/advance", {"by": "30s"})
    got = post(endpoint, "/", {"QueueUrl": queue, "MaxNumberOfMessages": 10},
               "AmazonSQS.ReceiveMessage")
    if not got.get("Messages"):
        fail("the session received no message")


def serve_checks(work):
    trace = os.path.join(work, "killed.jsonl")
    proc, endpoint = start_serve(trace)
    session(endpoint)
    time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    if os.path.exists(trace):
        fail("a killed serve left " + trace + ", which looks like a whole trace")
    # A session's trace is written at shutdown, through PATH.tmp renamed to PATH: a kill leaves
    # nothing, or a PATH.tmp that replay must refuse as bad input.
    left = "nothing"
    if os.path.exists(trace + ".tmp"):
        r = subprocess.run([PIPESIM, "replay", trace + ".tmp"], capture_output=True, text=True)
        if r.returncode != 2:
            fail(f"replay of the partial trace exited {r.returncode}, expected 2 (bad input): "
                 + r.stdout + r.stderr)
        left = "a partial trace that replay refuses: " + r.stderr.strip().splitlines()[-1]
    print("ok: the killed serve left no whole trace (" + left + ")")

    digests = []
    for n in (1, 2):
        path = os.path.join(work, f"again{n}.jsonl")
        proc, endpoint = start_serve(path)
        session(endpoint)
        post(endpoint, "/_pipesim/shutdown", {})
        proc.wait(timeout=60)
        if not os.path.exists(path):
            fail("a shut-down serve wrote no trace")
        digests.append(open(path, "rb").read())
        r = subprocess.run([PIPESIM, "replay", path], capture_output=True, text=True)
        if r.returncode != 0:
            fail("the restarted session's trace does not replay: " + r.stdout + r.stderr)
    if digests[0] != digests[1]:
        fail("two sessions with the same requests after a kill wrote different traces")
    print("ok: after the kill, the same session twice gives the same trace byte for byte")


def explore(work, args):
    return subprocess.run([PIPESIM, "explore", *args], capture_output=True, text=True, cwd=work)


def explore_checks(work):
    scenario = os.path.join(SOURCE, "scenarios/library/stop_during_callback.json")
    args = [scenario, "--runs", "3000", "--seed", "7", "--jobs", "1", "--trace", "found.jsonl",
            "--json"]
    proc = subprocess.Popen([PIPESIM, "explore", *args], cwd=work, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    time.sleep(0.3)
    if proc.poll() is not None:
        fail("explore ended before it could be killed; the test needs a longer exploration")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    if os.path.exists(os.path.join(work, "found.jsonl")):
        fail("a killed explore left a failure trace that looks whole")
    results = []
    for _ in range(2):
        r = explore(work, args)
        if r.returncode != 0:
            fail(f"explore exited {r.returncode}: {r.stdout[-2000:]} {r.stderr}")
        j = json.loads(r.stdout)
        results.append((j["ok"], j["runs"], j["events"], j["coverage"]))
    if results[0] != results[1]:
        fail("the exploration run again after a kill gives another result")
    print(f"ok: explore killed mid-run left no trace; run again it passes {results[0][1]} runs "
          f"with {results[0][2]} events and the same coverage, twice")


def main():
    work = os.getcwd()
    serve_checks(work)
    explore_checks(work)


if __name__ == "__main__":
    main()
