#!/usr/bin/env python3
"""Checks that `pipesim merge` of an exploration's shards says what the unsharded exploration
says: the verdict, the runs judged, and for a failure its run, run seed, check, fault profile and
shrunk schedule; for a pass, the behaviour coverage run for run (every situation reached by the
same number of runs, the same number of times).

usage: compare_shards.py UNSHARDED.json MERGED.json
"""
import json
import sys


def main():
    unsharded = json.load(open(sys.argv[1]))
    merged = json.load(open(sys.argv[2]))
    problems = []
    for key in ("ok", "runs", "seed", "strategy", "runs_planned", "scenario", "unreached_required"):
        if unsharded.get(key) != merged.get(key):
            problems.append(f"{key}: unsharded {unsharded.get(key)!r}, merged {merged.get(key)!r}")
    if ("failure" in unsharded) != ("failure" in merged):
        problems.append("one of them failed, the other did not")
    elif "failure" in unsharded:
        for key in ("run", "run_seed", "check", "fault_profile", "shrunk_fault_profile",
                    "schedule", "deviations", "original_choices"):
            if unsharded["failure"].get(key) != merged["failure"].get(key):
                problems.append(f"failure.{key} differs")
    else:
        u = {c["id"]: (c["runs"], c["hits"]) for c in unsharded["coverage"]["situations"]}
        m = {c["id"]: (c["runs"], c["hits"]) for c in merged["coverage"]["situations"]}
        if u != m:
            diff = sorted(k for k in set(u) | set(m) if u.get(k) != m.get(k))
            problems.append("coverage differs for " + ", ".join(diff))
        if unsharded.get("runs_executed") != merged.get("runs_executed"):
            problems.append("a pass makes every planned run once: runs_executed "
                            f"{unsharded.get('runs_executed')} against {merged.get('runs_executed')}")
    if problems:
        print("FAIL: " + "\n  ".join(problems))
        sys.exit(1)
    verdict = "FAIL at run %d" % merged["failure"]["run"] if "failure" in merged else "pass"
    print(f"ok: merged shards agree with the unsharded exploration ({verdict}, {merged['runs']} runs)")


if __name__ == "__main__":
    main()
