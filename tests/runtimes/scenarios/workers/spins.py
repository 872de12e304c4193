"""Short polls (WaitTimeSeconds 0) in a loop: it never waits in a call, so it spins."""
import os

import boto3

sqs = boto3.client("sqs")
while True:
    sqs.receive_message(QueueUrl=os.environ["QUEUE_URL"], WaitTimeSeconds=0)
