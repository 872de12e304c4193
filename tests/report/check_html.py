#!/usr/bin/env python3
"""Checks the structure of a `pipesim report` HTML page against the trace it was drawn from.

Parses the page (never compares bytes) and derives what must be there from the trace itself:
a lane per actor (each execution, each step that ran, each queue, each consumer or Lambda
invocation), an arrow per delivery (every sqs.message_received), the records behind hovering, and
a pin for every failed check the trace's end line names.

usage: check_html.py TRACE.jsonl REPORT.html
"""
import json
import sys
from html.parser import HTMLParser


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.lanes = []  # (kind, key)
        self.arrows = []  # class list
        self.marks = []
        self.pins = []
        self.scripts = {}
        self._script = None
        self.body = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        if tag == "body":
            self.body = a
        if tag == "g" and "lane-head" in cls:
            self.lanes.append((a["data-kind"], a["data-key"]))
        if tag == "path" and "arrow" in cls:
            self.arrows.append((cls, a))
        if tag == "g" and "mark" in cls:
            self.marks.append((cls, a))
        if tag == "g" and "pin" in cls:
            self.pins.append(a)
        if tag == "script":
            self._script = a.get("id")
            self.scripts.setdefault(self._script, "")
        for name in ("src", "href"):
            value = a.get(name, "")
            if value and not value.startswith("#"):
                fail(f"<{tag} {name}={value!r}>: a report fetches nothing")

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            self.scripts[self._script] += data


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def main():
    trace_path, html_path = sys.argv[1], sys.argv[2]
    lines = [json.loads(l) for l in open(trace_path, encoding="utf-8")]
    header, events, end = lines[0], lines[1:-1], lines[-1]
    page = Page()
    page.feed(open(html_path, encoding="utf-8").read())

    if page.body.get("data-status") != "loading":
        fail("the page's body must start as data-status=loading (its script marks it ready)")
    keys = {key for _, key in page.lanes}
    if len(keys) != len(page.lanes):
        fail("two lanes share a key")
    expected = set()
    for e in events:
        t = e["type"]
        if t in ("pipeline.execution_status",):
            expected.add("execution:" + e["execution"])
        if t == "pipeline.step_status":
            expected.add("step:" + e["execution"] + "/" + e["step"])
        if t.startswith("sqs.") and "queue" in e and not t.startswith("sqs.long_poll"):
            expected.add("queue:" + e["queue"].rsplit("/", 1)[-1])
        if t in ("consumer.message_received", "consumer.answered"):
            expected.add("consumer:" + e["consumer"])
        if t == "lambda.invoked":
            expected.add("invoke:" + e["request_id"])
    missing = expected - keys
    if missing:
        fail("no lane for " + ", ".join(sorted(missing)))

    receives = [e for e in events if e["type"] == "sqs.message_received"]
    deliveries = [c for c, _ in page.arrows
                  if {"delivery", "redelivery", "duplicate", "stopping"} & set(c)]
    if len(deliveries) != len(receives):
        fail(f"{len(receives)} receives in the trace but {len(deliveries)} delivery arrows")
    for kind, expect in (("redelivery", lambda e: e.get("receive_count", 1) > 1 and e.get("copy", 0) == 0),
                         ("duplicate", lambda e: e.get("copy", 0) > 0)):
        drawn = sum(1 for c in deliveries if kind in c)
        # A Stopping message's arrows are drawn as such whatever their receive count.
        if drawn > sum(1 for e in receives if expect(e)):
            fail(f"more {kind} arrows ({drawn}) than {kind}s in the trace")
    deletes = [e for e in events if e["type"] == "sqs.message_deleted"]
    if len([c for c, _ in page.arrows if "delete" in c]) > len(deletes):
        fail("more delete arrows than deletes")

    drawn_events = json.loads(page.scripts.get("pipesim-events", "null"))
    if not isinstance(drawn_events, list) or not drawn_events:
        fail("the page carries no records for hovering")
    for _, a in page.marks + page.arrows:
        i = int(a["data-e"])
        if i >= len(drawn_events):
            fail(f"an element points at record {i} of {len(drawn_events)}")
    seqs = {e["seq"] for e in events}
    if any(e["seq"] not in seqs for e in drawn_events):
        fail("a hovered record is not in the trace")
    stops = [c for c, _ in page.marks if "stop" in c]
    if any(e["type"] == "action.call" and e["call"] == "StopPipelineExecution" for e in events) and not stops:
        fail("the stop request is not highlighted")

    failed = {c["id"] for c in end.get("failed", [])}
    pinned = {p["data-check"] for p in page.pins}
    if failed != pinned:
        fail(f"failed checks {sorted(failed)} but pins {sorted(pinned)}")
    layout = json.loads(page.scripts["pipesim-layout"])
    if layout["lanes"] != len(page.lanes):
        fail("the layout's lane count differs from the lanes drawn")
    print(f"ok: {len(page.lanes)} lanes, {len(deliveries)} deliveries of {len(receives)} receives, "
          f"{len(page.marks)} marks, {len(page.pins)} pins")


if __name__ == "__main__":
    main()
