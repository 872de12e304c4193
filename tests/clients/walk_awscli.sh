#!/bin/sh
# The stop-during-callback story and a 12-hour visibility timeout, walked by Debian's AWS CLI
# (/usr/bin/aws, which speaks the SQS query protocol) against `pipesim serve --clock manual`.
# usage: walk_awscli.sh ENDPOINT
set -eu
endpoint=$1
[ -x /usr/bin/aws ] || { echo "skipped: /usr/bin/aws is not installed (apt-get install awscli)"; exit 77; }
aws() { /usr/bin/aws --endpoint-url "$endpoint" --output text "$@"; }
control() {
  /usr/bin/python3 -c 'import json, sys, urllib.request
data = sys.argv[2].encode() if len(sys.argv) > 2 else None
with urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=data, method="POST" if data else "GET")) as r:
    print(json.loads(r.read()).get("now", ""))' "$endpoint/_pipesim/$@"
}
field() { /usr/bin/python3 -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$@"; }
expect() { [ "$1" = "$2" ] || { echo "expected $2, got $1"; exit 1; }; }

queue=$(aws sqs get-queue-url --queue-name callbacks --query QueueUrl)
expect "$queue" "$endpoint/123456789012/callbacks"
arn=$(aws sagemaker start-pipeline-execution --pipeline-name train --query PipelineExecutionArn)
echo "started $arn"
expect "$(control advance '{"by": "5m"}')" 5m

body=$(aws sqs receive-message --queue-url "$queue" --wait-time-seconds 0 --query 'Messages[0].Body')
handle=$(aws sqs receive-message --queue-url "$queue" --query 'Messages[0].ReceiptHandle')
expect "$handle" None  # still in flight after the first receive
token=$(field "$body" token)
echo "callback message, token $token"

aws sagemaker stop-pipeline-execution --pipeline-execution-arn "$arn" >/dev/null
expect "$(aws sagemaker describe-pipeline-execution --pipeline-execution-arn "$arn" --query PipelineExecutionStatus)" Stopping
control advance '{"by": "1m"}' >/dev/null
stopping=$(aws sqs receive-message --queue-url "$queue" --wait-time-seconds 20 --query 'Messages[0].Body')
expect "$(field "$stopping" status)" Stopping
expect "$(field "$stopping" token)" "$token"
echo "Stopping message for the same token"

aws sagemaker send-pipeline-execution-step-failure --callback-token "$token" --failure-reason "stopped by the client" >/dev/null
control advance '{"by": "1m"}' >/dev/null
status=$(aws sagemaker describe-pipeline-execution --pipeline-execution-arn "$arn" --query PipelineExecutionStatus)
expect "$status" Stopped
echo "execution $status"

# A 12-hour visibility timeout runs out in no wall time.
work=$(aws sqs create-queue --queue-name work --query QueueUrl)
id=$(aws sqs send-message --queue-url "$work" --message-body job-1 --query MessageId)
expect "$(aws sqs receive-message --queue-url "$work" --visibility-timeout 43200 --query 'Messages[0].MessageId')" "$id"
expect "$(aws sqs receive-message --queue-url "$work" --query 'Messages[0].MessageId')" None
control advance '{"by": "11h59m59s"}' >/dev/null
expect "$(aws sqs receive-message --queue-url "$work" --query 'Messages[0].MessageId')" None
control advance '{"by": "1s"}' >/dev/null
expect "$(aws sqs receive-message --queue-url "$work" --attribute-names All --query 'Messages[0].Attributes.ApproximateReceiveCount')" 2
echo "visibility timeout of 12h expired at virtual $(control advance '{"by": "0s"}')"

if /usr/bin/aws --endpoint-url "$endpoint" sqs get-queue-url --queue-name missing 2>err.txt; then
  echo "expected QueueDoesNotExist"; exit 1
fi
grep -q "AWS.SimpleQueueService.NonExistentQueue" err.txt || { cat err.txt; exit 1; }
echo "walk: ok"
