#!/usr/bin/python3
"""A client sets its world up from nothing (CreateQueue, CreatePipeline) and runs a consumer
loop with 20-second long polls under `pipesim serve --clock auto --verify-sigv4 test:test`:
virtual time jumps whenever every client waits, so an hour of work passes in moments. Then
the pipeline is updated, listed and deleted, and a request signed with the wrong secret is
refused with SignatureDoesNotMatch.

usage: walk_auto.py ENDPOINT
"""
import json
import sys
import time
import urllib.request

try:
    import boto3
    import botocore.exceptions
except ImportError:
    print("skipped: python3-boto3 is not installed for /usr/bin/python3 (apt-get install python3-boto3)")
    sys.exit(77)

endpoint = sys.argv[1]


def client(service, secret="test"):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key=secret)


def now():
    with urllib.request.urlopen(endpoint + "/_pipesim/report") as response:
        return json.loads(response.read())["sim_time"]


sqs = client("sqs")
sagemaker = client("sagemaker")
queue = sqs.create_queue(QueueName="jobs", Attributes={"VisibilityTimeout": "120"})["QueueUrl"]
definition = {
    "Version": "2020-12-01",
    "Steps": [
        {"Name": "Prepare", "Type": "Processing", "Arguments": {}},
        {"Name": "Train", "Type": "Callback", "DependsOn": ["Prepare"], "SqsQueueUrl": queue,
         "Arguments": {"epochs": 3}, "OutputParameters": [{"OutputName": "model", "OutputType": "String"}]},
    ],
}
arn = sagemaker.create_pipeline(PipelineName="auto", RoleArn="arn:aws:iam::123456789012:role/p",
                                PipelineDefinition=json.dumps(definition),
                                PipelineDescription="created by the client")["PipelineArn"]
described = sagemaker.describe_pipeline(PipelineName="auto")
assert described["PipelineArn"] == arn and described["PipelineStatus"] == "Active", described
assert described["PipelineDescription"] == "created by the client"
execution = sagemaker.start_pipeline_execution(PipelineName="auto")["PipelineExecutionArn"]

wall_start = time.monotonic()
token = None
while token is None:
    for message in sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=20).get("Messages", []):
        token = json.loads(message["Body"])["token"]
        sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
print("callback message at virtual", now())
# An hour of "training": long polls on an empty queue, each 20 virtual seconds.
polls = 0
while polls < 180:
    assert "Messages" not in sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=20)
    polls += 1
sagemaker.send_pipeline_execution_step_success(
    CallbackToken=token, OutputParameters=[{"Name": "model", "Value": "s3://bucket/model"}])
status = "Executing"
while status == "Executing":
    sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=20)  # waiting lets virtual time move on
    status = sagemaker.describe_pipeline_execution(PipelineExecutionArn=execution)["PipelineExecutionStatus"]
assert status == "Succeeded", status
print(f"Succeeded at virtual {now()} after {polls} long polls in {time.monotonic() - wall_start:.1f} s of wall time")

definition["Steps"][0]["Arguments"] = {"changed": True}
sagemaker.update_pipeline(PipelineName="auto", PipelineDefinition=json.dumps(definition),
                          PipelineDisplayName="Auto")
assert json.loads(sagemaker.describe_pipeline(PipelineName="auto")["PipelineDefinition"])["Steps"][0]["Arguments"] == {"changed": True}
summaries = sagemaker.list_pipelines()["PipelineSummaries"]
assert [s["PipelineName"] for s in summaries] == ["auto"], summaries
assert summaries[0]["PipelineDisplayName"] == "Auto"
assert sagemaker.delete_pipeline(PipelineName="auto", ClientRequestToken="delete-auto-0001-aaaaaaaaaaaaaaaaaaaa")["PipelineArn"] == arn
try:
    sagemaker.describe_pipeline(PipelineName="auto")
    raise AssertionError("expected ResourceNotFound")
except sagemaker.exceptions.ResourceNotFound:
    pass
assert sagemaker.list_pipelines()["PipelineSummaries"] == []

try:
    client("sqs", secret="wrong").list_queues()
    raise AssertionError("expected SignatureDoesNotMatch")
except botocore.exceptions.ClientError as e:
    assert e.response["Error"]["Code"] == "SignatureDoesNotMatch", e.response
    assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 403
print("walk: ok")
