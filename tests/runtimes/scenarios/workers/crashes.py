"""Dies with an uncaught exception once it has a message."""
import json
import os

import boto3

sqs = boto3.client("sqs")
while True:
    reply = sqs.receive_message(QueueUrl=os.environ["QUEUE_URL"], WaitTimeSeconds=20)
    for m in reply.get("Messages", []):
        raise RuntimeError("cannot handle " + json.loads(m["Body"])["token"][:6])
