#!/usr/bin/env bash
# CI's check of deploy/slurm on a real (one-node) Slurm: start the cluster, submit a small
# exploration of a seeded bug as a 4-task job array plus its dependent merge, wait, and check
# that the merge agrees with the unsharded exploration and that its failure trace replays.
#   slurm_check.sh PIPESIM     (as root, with slurm-wlm and munge installed)
set -euo pipefail
pipesim=$(realpath "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'scontrol shutdown >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
bash "$root/deploy/slurm/single-node.sh"
scenario="$root/scenarios/bugs/not_idempotent.json"
(cd "$work" && "$pipesim" explore "$scenario" --runs 2000 --seed 1 --json > unsharded.json) || true
status=0
bash "$root/deploy/slurm/submit.sh" --wait "$pipesim" "$scenario" 2000 1 4 "$work/results" || status=$?
echo "merge job exit=$status"
[ "$status" -eq 1 ] || { echo "slurm_check: expected the merge to report the failure (exit 1)"; exit 1; }
python3 "$root/tests/explore/compare_shards.py" "$work/unsharded.json" "$work/results/merged.json"
trace=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["failure"]["trace"])' "$work/results/merged.json")
(cd "$work/results" && "$pipesim" replay "$trace")
echo "slurm_check: ok"
