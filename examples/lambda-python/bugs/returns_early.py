"""SEEDED BUG (returns early inside the batch loop): a SageMaker Pipelines callback consumer, deployed as a Lambda function behind the callback
queue's SQS event source mapping (ReportBatchItemFailures on).

For each callback message it starts a SageMaker training job named after the callback token (the
hand-off: an EventBridge rule answers the pipeline when the job ends). When the execution is
stopped, SageMaker sends the same token again with "status": "Stopping"; the handler stops the job
and answers Failure, and only then does the execution reach Stopped.

It is written to be safe under what SQS and Lambda do: a message can come twice (the job name
makes the create idempotent, ResourceInUse means it runs), a redelivered message can arrive after
the execution moved on (it asks SageMaker first), and a throttled answer is retried by reporting
only that record as failed.
"""
import hashlib
import json

import boto3
from botocore.exceptions import ClientError

sagemaker = boto3.client("sagemaker")

RETRYABLE = {"ThrottlingException", "ServiceUnavailable", "InternalFailure", "InternalServerError"}


def job_name(token):
    # Training job names allow [a-zA-Z0-9-], at most 63 characters.
    return "train-" + hashlib.sha256(token.encode()).hexdigest()[:40]


def error_code(e):
    return e.response.get("Error", {}).get("Code", "")


def handle_record(record):
    body = json.loads(record["body"])
    token = body["token"]
    name = job_name(token)
    status = body.get("status") or body.get("Status")
    if status == "Stopping":
        try:
            sagemaker.stop_training_job(TrainingJobName=name)
        except ClientError as e:
            if error_code(e) not in ("ValidationException", "ResourceNotFound"):
                raise
        try:
            sagemaker.send_pipeline_execution_step_failure(
                CallbackToken=token,
                FailureReason="Stopped: the training job was stopped",
                ClientRequestToken=("stop-" + name)[:64],
            )
        except ClientError as e:
            if error_code(e) in RETRYABLE:
                raise
        return "stopped"
    if int(record["attributes"]["ApproximateReceiveCount"]) > 1:
        execution = sagemaker.describe_pipeline_execution(
            PipelineExecutionArn=body["pipelineExecutionArn"])
        if execution["PipelineExecutionStatus"] != "Executing":
            return  # stopped or finished meanwhile: nothing to start
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
            Environment={"CALLBACK_TOKEN": token},
        )
    except ClientError as e:
        if error_code(e) != "ResourceInUse":
            raise
        print(f"job {name} already runs (a duplicate delivery)")


def lambda_handler(event, context):
    failures = []
    for record in event["Records"]:
        try:
            if handle_record(record) == "stopped":
                # The bug: "return" where "continue" was meant. Lambda sees success and deletes
                # the records after this one, which nobody looked at.
                return {"batchItemFailures": failures}
        except ClientError as e:
            print(f"record {record['messageId']} will be retried: {error_code(e)}")
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
