"""A SageMaker Pipelines callback consumer run as a long-polling worker (an ECS task, say), not as
a Lambda function: it reads the callback queue itself.

For each callback message it starts a SageMaker training job named after the callback token (the
job answers the pipeline when it ends). When the execution is stopped, SageMaker sends the token
again with "status": "Stopping"; the worker stops the job and answers Failure. A message is
deleted only once it has been dealt with, so a crash before that means it comes back.

QUEUE_URL names the queue; the AWS SDK finds its endpoint and region in the environment, as it
does on ECS.
"""
import hashlib
import json
import os

import boto3
from botocore.exceptions import ClientError

QUEUE_URL = os.environ["QUEUE_URL"]
sqs = boto3.client("sqs")
sagemaker = boto3.client("sagemaker")


def job_name(token):
    return "train-" + hashlib.sha256(token.encode()).hexdigest()[:40]


def error_code(e):
    return e.response.get("Error", {}).get("Code", "")


def handle(body):
    token = body["token"]
    name = job_name(token)
    if (body.get("status") or body.get("Status")) == "Stopping":
        try:
            sagemaker.stop_training_job(TrainingJobName=name)
        except ClientError as e:
            if error_code(e) not in ("ValidationException", "ResourceNotFound"):
                raise
        sagemaker.send_pipeline_execution_step_failure(
            CallbackToken=token, FailureReason="Stopped: the training job was stopped",
            ClientRequestToken=("stop-" + name)[:64])
        return
    try:
        sagemaker.create_training_job(
            TrainingJobName=name,
            AlgorithmSpecification={"TrainingImage": "example/train:latest",
                                    "TrainingInputMode": "File"},
            RoleArn="arn:aws:iam::123456789012:role/training",
            OutputDataConfig={"S3OutputPath": "s3://example-bucket/models/"},
            ResourceConfig={"InstanceType": "ml.m5.xlarge", "InstanceCount": 1,
                            "VolumeSizeInGB": 30},
            StoppingCondition={"MaxRuntimeInSeconds": 86400},
            Environment={"CALLBACK_TOKEN": token})
    except ClientError as e:
        if error_code(e) != "ResourceInUse":
            raise
        print(f"job {name} already runs (a duplicate delivery)")


def main():
    while True:
        try:
            reply = sqs.receive_message(QueueUrl=QUEUE_URL, MaxNumberOfMessages=10,
                                        WaitTimeSeconds=20)
        except ClientError as e:
            # Throttled, or SQS unavailable after the SDK's own retries: poll again.
            print(f"receive failed: {error_code(e)}")
            continue
        for message in reply.get("Messages", []):
            try:
                handle(json.loads(message["Body"]))
            except ClientError as e:
                # Left in the queue: it comes back after the visibility timeout.
                print(f"message {message['MessageId']} will be retried: {error_code(e)}")
                continue
            try:
                sqs.delete_message(QueueUrl=QUEUE_URL, ReceiptHandle=message["ReceiptHandle"])
            except ClientError as e:
                # It comes back and is handled again, which handle() makes harmless.
                print(f"message {message['MessageId']} not deleted: {error_code(e)}")


if __name__ == "__main__":
    main()
