#!/usr/bin/env python3
"""Validates deploy/kubernetes: every Job manifest against job.schema.json (strict, written from the
Kubernetes API reference; no cluster is reachable here), and what the exploration needs of them:
the explore Job is Indexed, its --shard argument divides the runs into exactly `completions`
shards from JOB_COMPLETION_INDEX, it runs no more pods at once than it has shards, a shard that
finds a failing run does not fail its pod, every volume a container mounts is declared, and the
merge reads the results volume the shards write.

usage: check_kubernetes.py DEPLOY_KUBERNETES_DIR
"""
import json
import os
import re
import sys

import jsonschema
import yaml


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def main():
    folder = sys.argv[1]
    schema = json.load(open(os.path.join(os.path.dirname(__file__), "job.schema.json")))
    jsonschema.Draft202012Validator.check_schema(schema)
    jobs = {}
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".yaml"):
            continue
        for doc in yaml.safe_load_all(open(os.path.join(folder, name))):
            if doc.get("kind") != "Job":
                if doc.get("kind") != "PersistentVolumeClaim" or doc.get("apiVersion") != "v1":
                    fail(f"{name}: unexpected {doc.get('apiVersion')} {doc.get('kind')}")
                continue
            errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(doc),
                            key=lambda e: list(e.absolute_path))
            for e in errors:
                print(f"{name}: /{'/'.join(map(str, e.absolute_path))}: {e.message}")
            if errors:
                sys.exit(1)
            pod = doc["spec"]["template"]["spec"]
            declared = {v["name"] for v in pod.get("volumes", [])}
            for c in pod["containers"]:
                for m in c.get("volumeMounts", []):
                    if m["name"] not in declared:
                        fail(f"{name}: container {c['name']} mounts undeclared volume {m['name']}")
            jobs[doc["metadata"]["name"]] = (name, doc)
    if set(jobs) != {"pipesim-explore", "pipesim-merge"}:
        fail(f"expected the pipesim-explore and pipesim-merge Jobs, found {sorted(jobs)}")
    name, explore = jobs["pipesim-explore"]
    spec = explore["spec"]
    if spec.get("completionMode") != "Indexed":
        fail(f"{name}: the explore Job must be Indexed (JOB_COMPLETION_INDEX is the shard)")
    script = " ".join(" ".join(c.get("command", []) + c.get("args", []))
                      for c in spec["template"]["spec"]["containers"])
    shard = re.search(r'--shard "?\$\{JOB_COMPLETION_INDEX\}/(\d+)"?', script)
    if not shard:
        fail(f"{name}: no --shard ${{JOB_COMPLETION_INDEX}}/N in the shard's command")
    if int(shard.group(1)) != spec["completions"]:
        fail(f"{name}: --shard .../{shard.group(1)} but completions is {spec['completions']}")
    if spec.get("parallelism", 1) > spec["completions"]:
        fail(f"{name}: parallelism above completions")
    if "--out" not in script or "exit 0" not in script:
        fail(f"{name}: a shard must write --out and turn a found failure (exit 1) into success")
    mname, merge = jobs["pipesim-merge"]
    mscript = " ".join(" ".join(c.get("command", []) + c.get("args", []))
                       for c in merge["spec"]["template"]["spec"]["containers"])
    if "pipesim merge" not in mscript:
        fail(f"{mname}: the merge Job does not run pipesim merge")
    claims = lambda d: {v["persistentVolumeClaim"]["claimName"]
                        for v in d["spec"]["template"]["spec"].get("volumes", [])
                        if "persistentVolumeClaim" in v}
    if not claims(explore) & claims(merge):
        fail("the merge Job does not mount the volume the shards write to")
    print(f"ok: {len(jobs)} Jobs valid, {spec['completions']} shards")


if __name__ == "__main__":
    main()
