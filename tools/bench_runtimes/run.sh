#!/bin/sh
# Runs per second of `pipesim explore` with users' handlers, against the built-in handler, in one
# run on this machine (one job, so the figures are per core):
#   built-in    scenarios/lambda/hand_off.json (the C++ hand-off handler)
#   python      examples/lambda-python/scenario.json (fork server: environments fork from a
#               python3 that imported boto3 once)
#   python-spawn the same with PIPESIM_FORK_SERVER=0 (a new interpreter per environment)
#   node        examples/lambda-node/scenario.json (a new node per environment)
#   python-null the same scenario with a handler that answers at once with one SDK call per record:
#               the cost of environments and invokes without the example's calls (its runs fail
#               the stop expectation, the execution having ended; only the speed counts)
# Usage: tools/bench_runtimes/run.sh PIPESIM [RUNS]   (cmake --build build --target bench-runtimes)
set -eu
pipesim=$(realpath "$1")
runs=${2:-200}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The null handler's scenario: the Python example with the handler swapped.
mkdir -p "$work/null"
cp "$root/tools/bench_runtimes/null_handler.py" "$work/null/"
sed -e 's#"code": "."#"code": "'"$work"'/null"#' -e 's#"handler.lambda_handler"#"null_handler.handler"#' \
    -e 's#"definition_file": "pipeline.json"#"definition_file": "'"$root"'/examples/lambda-python/pipeline.json"#' \
    "$root/examples/lambda-python/scenario.json" > "$work/null/scenario.json"

measure() {  # name dir file [env]
  name=$1 dir=$2 file=$3
  shift 3
  # A failing run is reported, not fatal: the figure is the speed.
  out=$(cd "$dir" && env "$@" "$pipesim" explore "$file" --runs "$runs" --jobs 1 --no-shrink --trace "$work/$name.jsonl" 2>&1) || true
  rate=$(printf '%s\n' "$out" | sed -n 's/^speed: \([0-9]*\) runs\/s.*/\1/p')
  result=$(printf '%s\n' "$out" | sed -n 's/^result: //p')
  printf '%-13s %6s runs/s  (%s)\n' "$name" "${rate:-?}" "${result:-no result}"
}
echo "pipesim explore, $runs runs, 1 job, $(nproc) cores on this machine"
measure built-in "$root/scenarios/lambda" hand_off.json
measure python "$root/examples/lambda-python" scenario.json PIPESIM_FORK_SERVER=1
measure python-spawn "$root/examples/lambda-python" scenario.json PIPESIM_FORK_SERVER=0
measure python-null "$work/null" scenario.json PIPESIM_FORK_SERVER=1
measure node "$root/examples/lambda-node" scenario.json
