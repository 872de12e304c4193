#!/usr/bin/env python3
"""Checks a pipesim runtime shim against runtimes/PROTOCOL.md, with the handlers in fixtures/.

The shim runs as pipesim runs it (the PROTOCOL.md environment, one process per execution
environment) against a fake AWS endpoint that answers SageMaker's
SendPipelineExecutionStepSuccess, so the handler's SDK call is real. Like pipesim, the driver
drains the shim's standard output before it records an HTTP request: a log line written before
a call must come before it.

usage: shim_conformance.py --shim PATH --interpreter python3|node [--fixtures DIR]
                           [--node-modules DIR]
Exit status 0 when every check passes; otherwise each failure is printed and the status is 1.
Standard library only.
"""
import argparse
import fcntl
import http.server
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
VIRTUAL_EPOCH_MS = 1767225600000
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:consumer"
ACCESS_KEY = "AKIAPIPESIMSIMULATED"
TOKEN = "token-0000000001"  # SageMaker wants 10 characters at least
ANSWER_TIMEOUT_S = 30
EXIT_TIMEOUT_S = 10


class check_failed(Exception):
    pass


def expect(condition, what):
    if not condition:
        raise check_failed(what)


def expect_equal(actual, expected, what):
    if actual != expected:
        raise check_failed("%s: expected %r, got %r" % (what, expected, actual))


class fake_aws(http.server.ThreadingHTTPServer):
    """The endpoint AWS_ENDPOINT_URL* name; requests go to the session that is running."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), aws_request_handler)
        self.session = None

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.server_address[1]


class aws_request_handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        target = self.headers.get("X-Amz-Target", "")
        session = self.server.session
        if session is not None:
            session.record_request({"path": self.path, "target": target,
                                    "authorization": self.headers.get("Authorization", ""),
                                    "body": body.decode("utf-8", "replace")})
        if target == "SageMaker.SendPipelineExecutionStepSuccess":
            status, answer = 200, b"{}"
        else:
            status, answer = 400, b'{"__type":"UnknownOperationException"}'
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("x-amzn-RequestId", "00000000-0000-4000-8000-000000000000")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


class shim_session:
    """One shim process: requests in, events out (protocol messages and HTTP requests, in the
    order pipesim would record them)."""

    def __init__(self, options, language, handler, code, aws):
        env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "PYTHONPATH", "NODE_PATH")
               if k in os.environ}
        env.update(lambda_environment(language, handler, code, aws.url))
        self.language = language
        self.code = code
        self.events = []
        self.bad_lines = []
        self._seen = 0
        self._lock = threading.Lock()
        self._buffer = b""
        self._eof = False
        self._stderr = []
        aws.session = self
        self.process = subprocess.Popen([options.interpreter, os.path.abspath(options.shim)],
                                        cwd=code, env=env, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self._out = self.process.stdout.fileno()
        fcntl.fcntl(self._out, fcntl.F_SETFL, fcntl.fcntl(self._out, fcntl.F_GETFL) | os.O_NONBLOCK)
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stderr(self):
        for chunk in iter(lambda: self.process.stderr.read1(65536), b""):
            self._stderr.append(chunk)

    @property
    def stderr(self):
        return b"".join(self._stderr).decode("utf-8", "replace")

    def _drain_locked(self):
        while not self._eof:
            try:
                data = os.read(self._out, 65536)
            except BlockingIOError:
                break
            if not data:
                self._eof = True
                break
            self._buffer += data
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            try:
                message = json.loads(line)
            except ValueError:
                message = None
            if isinstance(message, dict) and isinstance(message.get("type"), str):
                self.events.append(("message", message))
            else:
                self.bad_lines.append(line.decode("utf-8", "replace"))

    def record_request(self, request):
        with self._lock:
            self._drain_locked()
            self.events.append(("request", request))

    def send(self, message):
        self.process.stdin.write((json.dumps(message) + "\n").encode())
        self.process.stdin.flush()

    def exchange(self, message, answers):
        """Sends a request; returns its answer (None if the process ended first) and the
        events of the request before it."""
        self.send(message)
        deadline = time.monotonic() + ANSWER_TIMEOUT_S
        while True:
            with self._lock:
                self._drain_locked()
                for i in range(self._seen, len(self.events)):
                    kind, event = self.events[i]
                    if kind == "message" and event["type"] in answers:
                        before = self.events[self._seen:i]
                        self._seen = i + 1
                        return event, before
                if self._eof:
                    before = self.events[self._seen:]
                    self._seen = len(self.events)
                    return None, before
            expect(not self.bad_lines, "the shim wrote lines that are not protocol messages: %r"
                   % self.bad_lines)
            left = deadline - time.monotonic()
            expect(left > 0, "no answer to %s within %d s; stderr: %s"
                   % (message["type"], ANSWER_TIMEOUT_S, self.stderr[-2000:]))
            select.select([self._out], [], [], min(left, 0.05))

    def init(self, handler, protocol=1):
        return self.exchange({"type": "init", "protocol": protocol, "handler": handler,
                              "code": self.code, "runtime": runtime_name(self.language)},
                             ("ready", "init_error"))

    def invoke(self, request_id, event, now_ms=VIRTUAL_EPOCH_MS + 5000, timeout_ms=3000):
        return self.exchange({
            "type": "invoke", "request_id": request_id, "event": event,
            "context": {"function_name": "consumer", "function_version": "$LATEST",
                        "invoked_function_arn": FUNCTION_ARN, "memory_limit_in_mb": "128",
                        "log_group_name": "/aws/lambda/consumer",
                        "log_stream_name": "2026/01/01/[$LATEST]0001"},
            "now_ms": now_ms, "deadline_ms": now_ms + timeout_ms}, ("result", "error"))

    def wait_exit(self):
        try:
            return self.process.wait(EXIT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise check_failed("the shim did not exit within %d s" % EXIT_TIMEOUT_S)

    def shutdown(self):
        self.send({"type": "shutdown"})
        return self.wait_exit()

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass


def runtime_name(language):
    return "python3.12" if language == "python" else "nodejs20.x"


def lambda_environment(language, handler, code, endpoint):
    return {
        "PIPESIM_PROTOCOL": "1",
        "_HANDLER": handler,
        "LAMBDA_TASK_ROOT": code,
        "AWS_LAMBDA_FUNCTION_NAME": "consumer",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/consumer",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2026/01/01/[$LATEST]0001",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_EXECUTION_ENV": "AWS_Lambda_" + runtime_name(language),
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "TZ": "UTC",
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": "pipesim-simulated-secret-access-key",
        "AWS_SESSION_TOKEN": "pipesim-simulated-session-token",
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ENDPOINT_URL_SQS": endpoint,
        "AWS_ENDPOINT_URL_SAGEMAKER": endpoint,
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_EC2_METADATA_DISABLED": "true",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
    }


def logs(events):
    return [(e["stream"], e["text"]) for kind, e in events
            if kind == "message" and e["type"] == "log"]


def log_line(text, request_id, level):
    """A line in the format of the language runtime's logger, at virtual time 0:00:05."""
    return "2026-01-01T00:00:05.000Z\t%s\t%s\t%s" % (request_id, level, text)


class conformance:
    def __init__(self, options):
        self.options = options
        self.language = "node" if "node" in os.path.basename(options.interpreter) else "python"
        self.python = self.language == "python"
        self.aws = fake_aws()
        threading.Thread(target=self.aws.serve_forever, daemon=True).start()
        self.workdir = tempfile.mkdtemp(prefix="shim_conformance_")
        self.code = os.path.join(self.workdir, "code")
        fixtures = options.fixtures or os.path.join(HERE, "fixtures", self.language)
        shutil.copytree(fixtures, self.code)
        if not self.python and os.path.isdir(options.node_modules):
            # ES modules ignore NODE_PATH: the SDK must sit in node_modules beside the code.
            os.symlink(os.path.abspath(options.node_modules),
                       os.path.join(self.code, "node_modules"))
        self.failures = []

    def session(self, handler):
        return shim_session(self.options, self.language, handler, self.code, self.aws)

    def started(self, handler):
        session = self.session(handler)
        ready, before = session.init(handler)
        expect(ready is not None and ready["type"] == "ready",
               "init of %s: expected ready, got %r; stderr: %s"
               % (handler, ready, session.stderr[-2000:]))
        return session, before

    def run(self):
        checks = [self.sdk_call_and_log_order, self.errors_keep_the_environment,
                  self.context_object, self.exit_during_invoke, self.init_errors,
                  self.protocol_mismatch, self.unencodable_result, self.output_capture,
                  self.same_output_every_run]
        if not self.python:
            checks += [self.callback_handlers, self.empty_event_loop,
                       self.crash_outside_the_handler, self.es_modules]
        for check in checks:
            try:
                check()
                print("ok   %s" % check.__name__)
            except check_failed as e:
                self.failures.append(check.__name__)
                print("FAIL %s: %s" % (check.__name__, e))
        self.aws.shutdown()
        shutil.rmtree(self.workdir, ignore_errors=True)
        print("%s: %d of %d checks passed (%s)" % (
            self.options.interpreter, len(checks) - len(self.failures), len(checks),
            os.path.basename(self.options.shim)))
        return 1 if self.failures else 0

    def sdk_call_and_log_order(self):
        session, _ = self.started("step_success.handler")
        try:
            ready = next(e for k, e in session.events if k == "message" and e["type"] == "ready")
            expect(ready.get("protocol") == 1, "ready carries protocol 1: %r" % ready)
            language, sdk = ready.get("language", ""), ready.get("sdk", "")
            if self.python:
                expect(language.startswith("python 3."), "ready.language: %r" % language)
                expect(sdk.startswith("boto3 "), "ready.sdk names boto3: %r" % sdk)
            else:
                expect(language.startswith("node v"), "ready.language: %r" % language)
                expect("@aws-sdk/client-sagemaker" in sdk, "ready.sdk names the SDK: %r" % sdk)
            answer, events = session.invoke("req-0001", {"token": TOKEN})
            expect(answer is not None, "no answer; stderr: %s" % session.stderr[-2000:])
            expect_equal(answer, {"type": "result", "response": {"sent": TOKEN}}, "answer")
            kinds = [k for k, _ in events]
            expect(kinds.count("request") == 1,
                   "one request reached the endpoint: %r" % events)
            request = events[kinds.index("request")][1]
            expect_equal(request["target"], "SageMaker.SendPipelineExecutionStepSuccess",
                         "X-Amz-Target")
            expect_equal(json.loads(request["body"]).get("CallbackToken"), TOKEN,
                         "CallbackToken")
            expect("Credential=%s/" % ACCESS_KEY in request["authorization"],
                   "signed with the environment's credentials: %r" % request["authorization"])
            first_log = next((i for i, (k, e) in enumerate(events)
                              if k == "message" and TOKEN in e.get("text", "")), None)
            expect(first_log is not None and first_log < kinds.index("request"),
                   "the log line written before the call comes before it: %r" % events)
            expect_equal(session.shutdown(), 0, "exit status after shutdown")
        finally:
            session.close()

    def errors_keep_the_environment(self):
        session, _ = self.started("counter.handler")
        try:
            answer, _ = session.invoke("req-0001", {})
            expect_equal(answer, {"type": "result", "response": {"invocations": 1}}, "invoke 1")
            answer, _ = session.invoke("req-0002", {"fail": True})
            expect(answer is not None and answer["type"] == "error", "invoke 2: %r" % answer)
            if self.python:
                expect_equal((answer["errorType"], answer["errorMessage"]), ("KeyError", "'token'"),
                             "invoke 2's error")
            else:
                expect_equal((answer["errorType"], answer["errorMessage"]),
                             ("TypeError", "the event has no token"), "invoke 2's error")
            trace = answer.get("stackTrace")
            expect(isinstance(trace, list) and trace and all(isinstance(s, str) for s in trace),
                   "stackTrace is a list of strings: %r" % trace)
            expect(any("counter." in line for line in trace),
                   "stackTrace names the handler's file: %r" % trace)
            expect(not any("pipesim_runtime" in line for line in trace),
                   "stackTrace leaves the shim out: %r" % trace)
            answer, _ = session.invoke("req-0003", {})
            expect_equal(answer, {"type": "result", "response": {"invocations": 3}},
                         "invoke 3 (module state survives an error)")
            session.process.stdin.close()
            expect_equal(session.wait_exit(), 0, "exit status at end of input")
        finally:
            session.close()

    def context_object(self):
        session, _ = self.started("context_probe.handler")
        try:
            answer, _ = session.invoke("req-0001", {}, now_ms=VIRTUAL_EPOCH_MS + 5000,
                                       timeout_ms=3000)
            expect(answer is not None and answer["type"] == "result", "answer: %r" % answer)
            got = answer["response"]
            if self.python:
                expect_equal(got, {
                    "function_name": "consumer", "function_version": "$LATEST",
                    "invoked_function_arn": FUNCTION_ARN, "memory_limit_in_mb": "128",
                    "aws_request_id": "req-0001", "log_group_name": "/aws/lambda/consumer",
                    "log_stream_name": "2026/01/01/[$LATEST]0001", "remaining": [3000, 3000],
                    "client_context": None, "cognito_identity_id": None}, "context")
            else:
                expect_equal(got, {
                    "functionName": "consumer", "functionVersion": "$LATEST",
                    "invokedFunctionArn": FUNCTION_ARN, "memoryLimitInMB": "128",
                    "awsRequestId": "req-0001", "logGroupName": "/aws/lambda/consumer",
                    "logStreamName": "2026/01/01/[$LATEST]0001", "remaining": [3000, 3000],
                    "callbackWaitsForEmptyEventLoop": True,
                    "legacy": ["function", "function", "function"]}, "context")
            answer, _ = session.invoke("req-0002", {}, timeout_ms=-50)
            remaining = answer["response"]["remaining"]
            expect_equal(remaining, [0, 0] if self.python else [-50, -50],
                         "remaining time past the deadline")
        finally:
            session.close()

    def exit_during_invoke(self):
        session, _ = self.started("exits.handler")
        try:
            answer, _ = session.invoke("req-0001", {})
            expect(answer is None, "no answer from a process that exits: %r" % answer)
            expect_equal(session.wait_exit(), 3, "exit status")
        finally:
            session.close()

    def init_errors(self):
        if self.python:
            cases = [
                ("absent.handler", "Runtime.ImportModuleError",
                 "Unable to import module 'absent': No module named 'absent'"),
                ("syntax_error.handler", "Runtime.UserCodeSyntaxError",
                 "Syntax error in module 'syntax_error': "),
                ("context_probe.nope", "Runtime.HandlerNotFound",
                 "Handler 'nope' missing on module 'context_probe'"),
                ("context_probe", "Runtime.MalformedHandlerName",
                 "Bad handler 'context_probe': not enough values to unpack (expected 2, got 1)"),
                ("init_raises.handler", "RuntimeError", "no database configured"),
            ]
        else:
            cases = [
                ("absent.handler", "Runtime.ImportModuleError",
                 "Error: Cannot find module 'absent'"),
                ("syntax_error.handler", "Runtime.UserCodeSyntaxError", "SyntaxError: "),
                ("context_probe.nope", "Runtime.HandlerNotFound",
                 "context_probe.nope is undefined or not exported"),
                ("context_probe", "Runtime.MalformedHandlerName", "Bad handler"),
                ("init_raises.handler", "Error", "no database configured"),
            ]
        problems = []
        for handler, error_type, message in cases:
            session = self.session(handler)
            try:
                answer, _ = session.init(handler)
                if answer is None or answer["type"] != "init_error":
                    problems.append("%s: expected init_error, got %r" % (handler, answer))
                    continue
                prefix_only = message.endswith(": ")
                got = (answer.get("errorType"), answer.get("errorMessage", ""))
                if got[0] != error_type or not (got[1].startswith(message) if prefix_only
                                                else got[1] == message):
                    problems.append("%s: expected %s %r, got %s %r"
                                    % (handler, error_type, message, got[0], got[1]))
                if not isinstance(answer.get("stackTrace"), list):
                    problems.append("%s: stackTrace is not a list" % handler)
                if session.wait_exit() == 0:
                    problems.append("%s: exit status 0 after init_error" % handler)
            except check_failed as e:
                problems.append("%s: %s" % (handler, e))
            finally:
                session.close()
        expect(not problems, "; ".join(problems))

    def protocol_mismatch(self):
        session = self.session("counter.handler")
        try:
            answer, _ = session.init("counter.handler", protocol=2)
            expect(answer is not None and answer["type"] == "init_error"
                   and answer["errorType"] == "Runtime.ProtocolMismatch", "answer: %r" % answer)
            session.wait_exit()
        finally:
            session.close()

    def unencodable_result(self):
        handler = "unmarshalable.handler" if self.python else "unserializable.handler"
        session, _ = self.started(handler)
        try:
            answer, _ = session.invoke("req-0001", {})
            expect(answer is not None and answer["type"] == "error", "answer: %r" % answer)
            if self.python:
                expect(answer["errorType"] == "Runtime.MarshalError" and
                       answer["errorMessage"].startswith("Unable to marshal response: "),
                       "error: %r" % answer)
            else:
                expect_equal((answer["errorType"], answer["errorMessage"]),
                             ("Error", "Unable to stringify response body"), "error")
            expect_equal(session.shutdown(), 0, "exit status after shutdown")
        finally:
            session.close()

    def output_capture(self):
        session, _ = self.started("output.handler")
        try:
            answer, events = session.invoke("req-0001", {})
            expect_equal(answer, {"type": "result", "response": "ok"}, "answer")
            if self.python:
                expected = [
                    ("stdout", "to stdout\n"),
                    ("stderr", "to stderr\n"),
                    ("stdout", "[WARNING]\t2026-01-01T00:00:05.000Z\treq-0001\tcareful 1\n"),
                    ("stdout", "no newline"),
                ]
            else:
                expected = [
                    ("stdout", log_line("to stdout { a: 1 }\n", "req-0001", "INFO")),
                    ("stdout", log_line("careful\n", "req-0001", "ERROR")),
                    ("stdout", log_line("two\rlines\n", "req-0001", "INFO")),
                    ("stdout", "raw stdout\n"),
                    ("stderr", "raw stderr\n"),
                ]
            expect_equal(logs(events), expected, "log messages")
            if self.python:
                session.shutdown()
                expect("written to fd 1" in session.stderr,
                       "a raw write to fd 1 goes to standard error: %r" % session.stderr)
        finally:
            session.close()

    def same_output_every_run(self):
        """Nothing time- or random-dependent in what the shim sends."""
        transcripts = []
        for _ in range(2):
            session, before = self.started("counter.handler")
            try:
                transcript = [e for _, e in before]
                for i, event in enumerate([{}, {"fail": True}, {}]):
                    answer, events = session.invoke("req-%04d" % i, event)
                    transcript += [e for _, e in events] + [answer]
                transcripts.append(transcript)
            finally:
                session.close()
        expect_equal(transcripts[1], transcripts[0], "the second run's messages")

    def callback_handlers(self):
        session, before = self.started("callback.first_call_counts")
        try:
            expect(any("callback-based function handlers" in text for _, text in logs(before)),
                   "init warns about callback handlers, as the runtime does: %r" % before)
            answer, _ = session.invoke("req-0001", {})
            expect_equal(answer, {"type": "result", "response": {"call": 1}}, "first call")
            answer, _ = session.invoke("req-0002", {"fail": True})
            expect(answer is not None and answer["type"] == "error" and
                   answer["errorMessage"] == "rejected through the callback",
                   "callback(err): %r" % answer)
        finally:
            session.close()
        session, _ = self.started("callback.waits_for_empty_event_loop")
        try:
            answer, events = session.invoke("req-0001", {})
            expect_equal(answer, {"type": "result", "response": "after the timer"}, "answer")
            expect(any("timer fired" in text for _, text in logs(events)),
                   "the result waits for the timer: %r" % events)
        finally:
            session.close()

    def empty_event_loop(self):
        session, _ = self.started("event_loop.sync_return")
        try:
            answer, _ = session.invoke("req-0001", {})
            expect_equal(answer, {"type": "result", "response": None},
                         "a non-async handler's return value")
        finally:
            session.close()
        session, _ = self.started("event_loop.never_settles")
        try:
            answer, _ = session.invoke("req-0001", {})
            expect(answer is not None and answer.get("errorType") == "Runtime.NodeJsExit",
                   "a promise that never settles: %r" % answer)
            answer, _ = session.invoke("req-0002", {})
            expect(answer is not None, "the environment survives: %r" % answer)
        finally:
            session.close()

    def crash_outside_the_handler(self):
        for handler, status in (("crashes.uncaught", 129), ("crashes.unhandled", 128)):
            session, _ = self.started(handler)
            try:
                answer, _ = session.invoke("req-0001", {})
                expect(answer is None, "%s: no answer: %r" % (handler, answer))
                expect_equal(session.wait_exit(), status, "%s: exit status" % handler)
            finally:
                session.close()

    def es_modules(self):
        for handler, response in (
                ("esm_handler.nested.handler", {"module": "esm", "echo": 7}),
                ("esm_package/app.handler", {"module": "esm .js", "meta": "string"})):
            session, _ = self.started(handler)
            try:
                answer, _ = session.invoke("req-0001", {"echo": 7})
                expect_equal(answer, {"type": "result", "response": response}, handler)
            finally:
                session.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shim", required=True, help="the shim file")
    parser.add_argument("--interpreter", required=True, help="python3 or node, or a path")
    parser.add_argument("--fixtures", help="handler fixtures (default: fixtures/<language>)")
    parser.add_argument("--node-modules",
                        default=os.path.join(REPO, "tests", "clients", "node", "node_modules"),
                        help="where @aws-sdk/client-sagemaker is installed "
                             "(npm ci in tests/clients/node)")
    return conformance(parser.parse_args()).run()


if __name__ == "__main__":
    sys.exit(main())
