#!/usr/bin/python3
"""The stop-during-callback story and a 12-hour visibility timeout, walked by an unmodified
boto3 (Debian's python3-boto3) against `pipesim serve --clock manual`.

usage: walk.py ENDPOINT   e.g. walk.py http://127.0.0.1:4566
"""
import json
import sys
import urllib.request

try:
    import boto3
except ImportError:
    print("skipped: python3-boto3 is not installed for /usr/bin/python3 (apt-get install python3-boto3)")
    sys.exit(77)

endpoint = sys.argv[1]


def control(path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(endpoint + path, data=data, method="POST" if data else "GET")
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


def client(service):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")


sqs = client("sqs")
sagemaker = client("sagemaker")

queue = sqs.get_queue_url(QueueName="callbacks")["QueueUrl"]
assert queue == endpoint + "/123456789012/callbacks", queue

arn = sagemaker.start_pipeline_execution(PipelineName="train")["PipelineExecutionArn"]
print("started", arn)
assert control("/_pipesim/advance", {"by": "5m"})["now"] == "5m"

messages = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0).get("Messages", [])
assert len(messages) == 1, messages
callback = json.loads(messages[0]["Body"])
token = callback["token"]
print("callback message, token", token)
sqs.delete_message(QueueUrl=queue, ReceiptHandle=messages[0]["ReceiptHandle"])

sagemaker.stop_pipeline_execution(PipelineExecutionArn=arn)
status = sagemaker.describe_pipeline_execution(PipelineExecutionArn=arn)["PipelineExecutionStatus"]
assert status == "Stopping", status
control("/_pipesim/advance", {"by": "1m"})

messages = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=20).get("Messages", [])
assert len(messages) == 1, messages
stopping = json.loads(messages[0]["Body"])
assert stopping["status"] == "Stopping" and stopping["token"] == token, stopping
print("Stopping message for the same token")
sqs.delete_message(QueueUrl=queue, ReceiptHandle=messages[0]["ReceiptHandle"])

sagemaker.send_pipeline_execution_step_failure(CallbackToken=token, FailureReason="stopped by the client")
control("/_pipesim/advance", {"by": "1m"})
status = sagemaker.describe_pipeline_execution(PipelineExecutionArn=arn)["PipelineExecutionStatus"]
assert status == "Stopped", status
steps = sagemaker.list_pipeline_execution_steps(PipelineExecutionArn=arn)["PipelineExecutionSteps"]
print("execution", status, {s["StepName"]: s["StepStatus"] for s in steps})

# A 12-hour visibility timeout runs out in no wall time.
work = sqs.create_queue(QueueName="work")["QueueUrl"]
sent = sqs.send_message(QueueUrl=work, MessageBody="job-1")
first = sqs.receive_message(QueueUrl=work, VisibilityTimeout=43200, AttributeNames=["All"])["Messages"]
assert first[0]["MessageId"] == sent["MessageId"]
assert "Messages" not in sqs.receive_message(QueueUrl=work)
control("/_pipesim/advance", {"by": "11h59m59s"})
assert "Messages" not in sqs.receive_message(QueueUrl=work)
control("/_pipesim/advance", {"by": "1s"})
again = sqs.receive_message(QueueUrl=work, AttributeNames=["All"])["Messages"]
assert again[0]["MessageId"] == sent["MessageId"]
assert again[0]["Attributes"]["ApproximateReceiveCount"] == "2", again[0]["Attributes"]
print("visibility timeout of 12h expired at virtual", control("/_pipesim/advance", {"by": "0s"})["now"])

try:
    sqs.get_queue_url(QueueName="missing")
    raise AssertionError("expected QueueDoesNotExist")
except sqs.exceptions.QueueDoesNotExist:
    pass

report = control("/_pipesim/report")
assert all(check["ok"] for check in report["invariants"]), report["invariants"]
print("walk: ok")
