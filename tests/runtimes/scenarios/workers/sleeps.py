"""Short polls, and sleeps 5 s between empty ones: time.sleep waits in virtual time, so the
worker gets the message (and the run goes on) although it never long-polls."""
import json
import os
import time

import boto3

queue = os.environ["QUEUE_URL"]
sqs = boto3.client("sqs")
sagemaker = boto3.client("sagemaker")
while True:
    reply = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0)
    messages = reply.get("Messages", [])
    if not messages:
        time.sleep(5)
    for m in messages:
        sagemaker.send_pipeline_execution_step_success(CallbackToken=json.loads(m["Body"])["token"])
        sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
