"""Puts the wall-clock time into its answer: the same seed does not give the same run."""
import json
import os
import time

import boto3

queue = os.environ["QUEUE_URL"]
sqs = boto3.client("sqs")
sagemaker = boto3.client("sagemaker")
while True:
    reply = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=20)
    for m in reply.get("Messages", []):
        body = json.loads(m["Body"])
        sagemaker.send_pipeline_execution_step_success(
            CallbackToken=body["token"],
            OutputParameters=[{"Name": "finished_at", "Value": str(time.time_ns())}])
        sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
