// A SageMaker Pipelines callback consumer, deployed as a Node.js Lambda function behind the
// callback queue's SQS event source mapping (ReportBatchItemFailures on).
//
// For each callback message it starts a SageMaker training job named after the callback token
// (the hand-off: an EventBridge rule answers the pipeline when the job ends). When the execution
// is stopped, SageMaker sends the same token again with "status": "Stopping"; the handler stops
// the job and answers Failure, and only then does the execution reach Stopped.
//
// Safe under what SQS and Lambda do: a message can come twice (the job name makes the create
// idempotent, ResourceInUse means it runs), a redelivered message can arrive after the execution
// moved on (it asks SageMaker first), and a throttled answer is retried by reporting only that
// record as failed.
import { createHash } from "node:crypto";
import {
  CreateTrainingJobCommand,
  DescribePipelineExecutionCommand,
  SageMakerClient,
  SendPipelineExecutionStepFailureCommand,
  StopTrainingJobCommand,
} from "@aws-sdk/client-sagemaker";

const sagemaker = new SageMakerClient({});

const RETRYABLE = new Set([
  "ThrottlingException",
  "ServiceUnavailable",
  "InternalFailure",
  "InternalServerError",
]);

// Training job names allow [a-zA-Z0-9-], at most 63 characters.
const jobName = (token) => "train-" + createHash("sha256").update(token).digest("hex").slice(0, 40);

async function handleRecord(record) {
  const body = JSON.parse(record.body);
  const token = body.token;
  const name = jobName(token);
  const status = body.status ?? body.Status;
  if (status === "Stopping") {
    try {
      await sagemaker.send(new StopTrainingJobCommand({ TrainingJobName: name }));
    } catch (e) {
      if (!["ValidationException", "ResourceNotFound"].includes(e.name)) throw e;
    }
    try {
      await sagemaker.send(
        new SendPipelineExecutionStepFailureCommand({
          CallbackToken: token,
          FailureReason: "Stopped: the training job was stopped",
          ClientRequestToken: ("stop-" + name).slice(0, 64),
        }),
      );
    } catch (e) {
      if (RETRYABLE.has(e.name)) throw e;
    }
    return;
  }
  if (Number(record.attributes.ApproximateReceiveCount) > 1) {
    const execution = await sagemaker.send(
      new DescribePipelineExecutionCommand({ PipelineExecutionArn: body.pipelineExecutionArn }),
    );
    if (execution.PipelineExecutionStatus !== "Executing") return; // moved on: nothing to start
  }
  try {
    await sagemaker.send(
      new CreateTrainingJobCommand({
        TrainingJobName: name,
        AlgorithmSpecification: { TrainingImage: "example/train:latest", TrainingInputMode: "File" },
        RoleArn: "arn:aws:iam::123456789012:role/training",
        OutputDataConfig: { S3OutputPath: "s3://example-bucket/models/" },
        ResourceConfig: { InstanceType: "ml.m5.xlarge", InstanceCount: 1, VolumeSizeInGB: 30 },
        StoppingCondition: { MaxRuntimeInSeconds: 86400 },
        Environment: { CALLBACK_TOKEN: token },
      }),
    );
  } catch (e) {
    if (e.name !== "ResourceInUse") throw e;
    console.log(`job ${name} already runs (a duplicate delivery)`);
  }
}

export const handler = async (event) => {
  const batchItemFailures = [];
  for (const record of event.Records) {
    try {
      await handleRecord(record);
    } catch (e) {
      console.log(`record ${record.messageId} will be retried: ${e.name}`);
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
};
