"""Checks scenarios/scenario.schema.json against the files: every bundled scenario must conform,
and the malformed files that JSON Schema can catch must not. Keeps the schema and the C++
validator (`pipesim validate`) describing the same format."""
import json
import pathlib
import sys

import jsonschema

root = pathlib.Path(sys.argv[1])
schema = json.loads((root / "scenarios" / "scenario.schema.json").read_text())
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)

failures = 0
bundled = sorted((root / "scenarios" / "library").glob("*.json")) + sorted(
    (root / "scenarios" / "bugs").glob("*.json")) + sorted(
    (root / "scenarios" / "lambda").glob("*.json"))
for path in bundled:
    errors = list(validator.iter_errors(json.loads(path.read_text())))
    for e in errors:
        print(f"{path.name}: /{'/'.join(map(str, e.absolute_path))}: {e.message}")
    failures += bool(errors)

must_fail = {"bad_visibility_timeout.json": "/queues/callbacks/visibility_timeout",
             "unknown_consumer_behavior.json": "/consumers/0/behavior",
             # The validator rejects the model's name for a Lambda step's limit; so must the schema.
             "lambda_timeout_member.json": "/pipelines/train/steps/Preprocess",
             "count_range_inverted.json": None}
for name, pointer in must_fail.items():
    doc = json.loads((root / "tests" / "scenarios" / "malformed" / name).read_text())
    pointers = {"/" + "/".join(map(str, e.absolute_path)) for e in validator.iter_errors(doc)}
    if pointer is None:
        # A rule JSON Schema cannot state (min <= max): the C++ validator alone rejects it.
        continue
    if pointer not in pointers:
        print(f"{name}: the schema accepted it (wanted an error at {pointer}, got {sorted(pointers)})")
        failures += 1

print(f"{len(bundled) + len(must_fail) - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
