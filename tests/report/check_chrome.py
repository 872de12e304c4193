#!/usr/bin/env python3
"""Checks `pipesim report --format chrome` output: it validates against the Trace Event Format
schema (trace_event.schema.json, beside this file), every thread that carries an event is named,
every flow start has its finish at a time no earlier, and every drawn record of the trace is there.

usage: check_chrome.py TRACE.jsonl CHROME.json
"""
import json
import os
import sys

import jsonschema


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def main():
    trace_path, chrome_path = sys.argv[1], sys.argv[2]
    schema = json.load(open(os.path.join(os.path.dirname(__file__), "trace_event.schema.json")))
    doc = json.load(open(chrome_path, encoding="utf-8"))
    jsonschema.validate(doc, schema)
    events = doc["traceEvents"]
    named = {e["tid"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    used = {e["tid"] for e in events if e["ph"] != "M" and e.get("s") != "g"}
    if used - named:
        fail(f"threads without a name: {sorted(used - named)}")
    starts = {e["id"]: e for e in events if e["ph"] == "s"}
    finishes = {e["id"]: e for e in events if e["ph"] == "f"}
    if set(starts) != set(finishes):
        fail("a flow without its other end")
    for i, s in starts.items():
        if finishes[i]["ts"] < s["ts"]:
            fail(f"flow {i} ends before it starts")
    trace = [json.loads(l) for l in open(trace_path, encoding="utf-8")]
    receives = sum(1 for e in trace[1:-1] if e.get("type") == "sqs.message_received")
    deliveries = sum(1 for e in starts.values()
                     if e.get("cat") in ("delivery", "redelivery", "duplicate", "stopping"))
    if deliveries != receives:
        fail(f"{receives} receives but {deliveries} delivery flows")
    if not any(e["ph"] == "X" for e in events):
        fail("no status spans")
    print(f"ok: {len(events)} events, {len(named)} threads, {len(starts)} flows")


if __name__ == "__main__":
    main()
