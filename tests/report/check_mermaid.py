#!/usr/bin/env python3
"""A grammar check of `pipesim report --format mermaid` output: the subset of Mermaid's
sequenceDiagram syntax (https://mermaid.js.org/syntax/sequenceDiagram.html) it writes. Every line
must be a header, title, participant declaration, message or note; participants are declared
before use; labels hold none of the characters Mermaid reads as syntax there (';', '#', '<', '>');
and there is a message per delivery of the trace.

usage: check_mermaid.py TRACE.jsonl DIAGRAM.mmd
"""
import json
import re
import sys

ID = r"L\d+"
LINES = [
    ("title", re.compile(r"^  title [^;#<>]+$")),
    ("participant", re.compile(rf"^  participant ({ID}) as [^;#<>]+$")),
    ("message", re.compile(rf"^  ({ID})(->>|-->>|-x|--x|->|-->|-\)|--\))({ID}): [^;#<>]*$")),
    ("note", re.compile(rf"^  Note (?:over|left of|right of) ({ID})(?:,({ID}))?: [^;#<>]*$")),
]


def fail(n, message):
    print(f"FAIL: line {n}: {message}")
    sys.exit(1)


def main():
    trace_path, path = sys.argv[1], sys.argv[2]
    text = open(path, encoding="utf-8").read().split("\n")
    if text[-1] == "":
        text.pop()
    if not text or text[0] != "sequenceDiagram":
        fail(1, "expected 'sequenceDiagram'")
    declared = set()
    messages = []
    for n, line in enumerate(text[1:], start=2):
        for kind, pattern in LINES:
            m = pattern.match(line)
            if not m:
                continue
            if kind == "participant":
                if m.group(1) in declared:
                    fail(n, f"{m.group(1)} declared twice")
                declared.add(m.group(1))
            elif kind in ("message", "note"):
                for g in m.groups():
                    if g and re.fullmatch(ID, g) and g not in declared:
                        fail(n, f"{g} used before it is declared")
                if kind == "message":
                    messages.append(line)
            break
        else:
            fail(n, f"not sequenceDiagram syntax: {line!r}")
    trace = [json.loads(l) for l in open(trace_path, encoding="utf-8")]
    receives = sum(1 for e in trace[1:-1] if e.get("type") == "sqs.message_received")
    deliveries = sum(1 for m in messages if "receive " in m)
    if deliveries != receives:
        fail(len(text), f"{receives} receives but {deliveries} delivery messages")
    print(f"ok: {len(text)} lines, {len(declared)} participants, {len(messages)} messages")


if __name__ == "__main__":
    main()
