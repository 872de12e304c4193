"""SEEDED BUG (not idempotent under duplicate delivery): a callback consumer that hands each token
to an AWS Glue job run and returns; the job answers the pipeline when it ends.

Glue's StartJobRun starts a new run every time it is called, so a message delivered twice (SQS
standard queues deliver at least once; a failed batch comes back whole) starts a second job for
the same callback token.
"""
import json

import boto3

glue = boto3.client("glue")
sagemaker = boto3.client("sagemaker")


def lambda_handler(event, context):
    for record in event["Records"]:
        body = json.loads(record["body"])
        token = body["token"]
        if (body.get("status") or body.get("Status")) == "Stopping":
            glue.batch_stop_job_run(JobName="train", JobRunIds=[token])
            sagemaker.send_pipeline_execution_step_failure(
                CallbackToken=token, FailureReason="Stopped")
            continue
        # The bug: no check whether a run for this token exists already.
        glue.start_job_run(JobName="train", Arguments={"--callback-token": token})
    return None
