#!/bin/sh
# Runs one real client against `pipesim serve --clock manual --port 0`, then replays the
# session's trace without the client.
#
# usage: run_against_serve.sh PIPESIM SCENARIO|- CLIENT [ARGS...]
# The client gets the endpoint URL as its last argument. "-" serves the empty world. Extra
# serve options come from PIPESIM_SERVE_ARGS (default: --clock manual).
set -u
pipesim=$1
scenario=$2
shift 2

# No user configuration may leak in: fixed dummy credentials and region, no pager.
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
export AWS_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_PAGER= AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_SQS AWS_ENDPOINT_URL_SAGEMAKER

rm -f serve.out serve.err serve.jsonl
[ "$scenario" = - ] && scenario=
# shellcheck disable=SC2086
"$pipesim" serve $scenario ${PIPESIM_SERVE_ARGS:---clock manual} --port 0 --trace serve.jsonl >serve.out 2>serve.err &
server=$!
i=0
while [ ! -s serve.out ] && [ $i -lt 100 ]; do
  sleep 0.1
  i=$((i + 1))
done
endpoint=$(sed -n '1s/^listening on //p' serve.out)
if [ -z "$endpoint" ]; then
  echo "pipesim serve did not start:"
  cat serve.err
  kill "$server" 2>/dev/null
  exit 1
fi
echo "endpoint: $endpoint"

status=0
"$@" "$endpoint" || status=$?
/usr/bin/python3 -c 'import sys, urllib.request
urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/_pipesim/shutdown", data=b"{}", method="POST")).read()' "$endpoint" >/dev/null || status=1
wait "$server" || status=1
cat serve.out
[ $status -eq 0 ] || exit $status
"$pipesim" replay serve.jsonl
