#!/bin/sh
# An exploration split into 4 shards and merged says what the unsharded exploration says; a
# merge with a shard missing is refused (exit 2) and names it.
#   shards_test.sh PIPESIM PYTHON SOURCE_DIR SCENARIO RUNS SEED
set -u
pipesim=$1 python=$2 source=$3 scenario=$4 runs=$5 seed=$6
rm -f shard-*.json
"$pipesim" explore "$scenario" --runs "$runs" --seed "$seed" --jobs 2 --json > unsharded.json
echo "unsharded exit=$?"
for i in 0 1 2 3; do
  "$pipesim" explore "$scenario" --runs "$runs" --seed "$seed" --shard "$i/4" --out "shard-$i.json" > /dev/null
  echo "shard $i exit=$?"
done
"$pipesim" merge shard-0.json shard-1.json shard-2.json shard-3.json --json > merged.json
echo "merge exit=$?"
"$python" "$source/tests/explore/compare_shards.py" unsharded.json merged.json || exit 1
"$pipesim" merge shard-0.json shard-1.json shard-3.json
echo "missing exit=$?"
