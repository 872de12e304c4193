#!/usr/bin/env bash
# Submits a pipesim exploration as a Slurm job array of SHARDS shards and a merge job that runs
# once every shard has succeeded.
#   submit.sh [--wait] PIPESIM SCENARIO RUNS SEED SHARDS RESULTS_DIR
# RESULTS_DIR must be shared by the nodes (the scenario file too, and any handler code it names).
# With --wait, waits for the merge and exits with its code (that of `pipesim explore`).
set -euo pipefail
wait_flag=()
if [ "${1:-}" = "--wait" ]; then wait_flag=(--wait); shift; fi
if [ $# -ne 6 ]; then
  sed -n '2,7p' "$0" >&2
  exit 2
fi
pipesim=$(realpath "$1"); scenario=$(realpath "$2"); runs=$3; seed=$4; shards=$5; results=$6
here=$(dirname "$(realpath "$0")")
mkdir -p "$results"
results=$(realpath "$results")
export PIPESIM="$pipesim" SCENARIO="$scenario" RUNS="$runs" SEED="$seed"
array=$(sbatch --parsable --array="0-$((shards - 1))" --chdir="$results" --export=ALL \
  "$here/explore.sbatch")
echo "shards: job array $array ($shards tasks)"
set +e
sbatch --parsable --dependency="afterok:${array%%;*}" --kill-on-invalid-dep=yes \
  --chdir="$results" --export=ALL "${wait_flag[@]}" "$here/merge.sbatch"
status=$?
set -e
if [ ${#wait_flag[@]} -gt 0 ]; then
  cat "$results/pipesim-merge.log" 2>/dev/null || true
  exit "$status"
fi
