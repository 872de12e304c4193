"""A minimal correct worker: answers Success (or Failure for a Stopping message), then deletes.
It prints each message it handles, so the trace shows its output between its calls."""
import json
import os
import sys

import boto3

queue = os.environ["QUEUE_URL"]
name = sys.argv[1] if len(sys.argv) > 1 else "worker"
sqs = boto3.client("sqs")
sagemaker = boto3.client("sagemaker")
while True:
    reply = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=20, MaxNumberOfMessages=1)
    for m in reply.get("Messages", []):
        body = json.loads(m["Body"])
        print(f"{name} handles {m['MessageId']} ({body.get('status')})")
        if body.get("status") == "Stopping":
            sagemaker.send_pipeline_execution_step_failure(CallbackToken=body["token"],
                                                          FailureReason="stopped")
        else:
            sagemaker.send_pipeline_execution_step_success(CallbackToken=body["token"])
        sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
