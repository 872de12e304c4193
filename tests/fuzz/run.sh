#!/usr/bin/env bash
# Runs every libFuzzer target of a PIPESIM_FUZZ=ON build for a bounded time each, from its seed
# corpus (tests/fuzz/corpus/<name>, read only: new inputs go to a scratch folder) with the API
# dictionary, and prints each target's executions and executions per second. A finding is kept
# as an artifact in BUILD/fuzz-findings/ and fails the run: minimise it (the target with
# -minimize_crash=1), fix the bug, and commit the input under tests/fuzz/regressions/<name>/,
# which CTest replays in every build from then on.
#   run.sh BUILD_DIR SECONDS_PER_TARGET
set -uo pipefail
build=$1
seconds=$2
here=$(cd "$(dirname "$0")" && pwd)
findings="$build/fuzz-findings"
mkdir -p "$findings"
failed=()
printf '%-14s %12s %10s %8s\n' target executions exec/s corpus
for target in scenario definition duration trace sqs_api sagemaker_api wire; do
  scratch=$(mktemp -d)
  log="$findings/$target.log"
  "$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -dict="$here/api.dict" \
    -print_final_stats=1 -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$findings/$target-" \
    "$scratch" "$here/corpus/$target" "$here/regressions/$target" > "$log" 2>&1
  status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  size=$(find "$scratch" -type f | wc -l)
  printf '%-14s %12s %10s %8s\n' "$target" "${runs:-?}" "${rate:-?}" "$size"
  if [ "$status" -ne 0 ]; then
    failed+=("$target")
    grep -E "ERROR|SUMMARY|Test unit written|==[0-9]+==" "$log" | head -20
  fi
  rm -rf "$scratch"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing found something in: ${failed[*]} (logs and inputs in $findings)"
  exit 1
fi
echo "fuzzing: no finding"
