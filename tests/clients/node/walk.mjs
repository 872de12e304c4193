// The stop-during-callback story and a 12-hour visibility timeout, walked by the unmodified AWS
// SDK for JavaScript v3 (SQS over awsJson1_0, SageMaker over awsJson1_1) against
// `pipesim serve --clock manual`.
// usage: node walk.mjs ENDPOINT
import assert from "node:assert/strict";

const endpoint = process.argv[2];
let sqsModule, sagemakerModule;
try {
  sqsModule = await import("@aws-sdk/client-sqs");
  sagemakerModule = await import("@aws-sdk/client-sagemaker");
} catch (e) {
  console.log("skipped: run `npm ci` in tests/clients/node first (" + e.message + ")");
  process.exit(77);
}
const {
  SQSClient, GetQueueUrlCommand, ReceiveMessageCommand, DeleteMessageCommand, CreateQueueCommand,
  SendMessageCommand, QueueDoesNotExist,
} = sqsModule;
const {
  SageMakerClient, StartPipelineExecutionCommand, StopPipelineExecutionCommand,
  DescribePipelineExecutionCommand, SendPipelineExecutionStepFailureCommand,
  ListPipelineExecutionStepsCommand,
} = sagemakerModule;

const config = {
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
};
const sqs = new SQSClient(config);
const sagemaker = new SageMakerClient(config);

async function control(path, body) {
  const response = await fetch(endpoint + path, body === undefined ? {} : {
    method: "POST",
    body: JSON.stringify(body),
  });
  return response.json();
}

const { QueueUrl: queue } = await sqs.send(new GetQueueUrlCommand({ QueueName: "callbacks" }));
assert.equal(queue, endpoint + "/123456789012/callbacks");

const { PipelineExecutionArn: arn } = await sagemaker.send(
  new StartPipelineExecutionCommand({ PipelineName: "train" }));
console.log("started", arn);
assert.equal((await control("/_pipesim/advance", { by: "5m" })).now, "5m");

let received = await sqs.send(new ReceiveMessageCommand({
  QueueUrl: queue, WaitTimeSeconds: 0, MessageAttributeNames: ["All"], AttributeNames: ["All"],
}));
assert.equal(received.Messages.length, 1);
const token = JSON.parse(received.Messages[0].Body).token;
console.log("callback message, token", token);
await sqs.send(new DeleteMessageCommand({ QueueUrl: queue, ReceiptHandle: received.Messages[0].ReceiptHandle }));

await sagemaker.send(new StopPipelineExecutionCommand({ PipelineExecutionArn: arn }));
let described = await sagemaker.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: arn }));
assert.equal(described.PipelineExecutionStatus, "Stopping");
assert.ok(described.CreationTime instanceof Date);
await control("/_pipesim/advance", { by: "1m" });

received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue, WaitTimeSeconds: 20 }));
assert.equal(received.Messages.length, 1);
const stopping = JSON.parse(received.Messages[0].Body);
assert.equal(stopping.status, "Stopping");
assert.equal(stopping.token, token);
console.log("Stopping message for the same token");
await sqs.send(new DeleteMessageCommand({ QueueUrl: queue, ReceiptHandle: received.Messages[0].ReceiptHandle }));

await sagemaker.send(new SendPipelineExecutionStepFailureCommand({
  CallbackToken: token, FailureReason: "stopped by the client",
}));
await control("/_pipesim/advance", { by: "1m" });
described = await sagemaker.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: arn }));
assert.equal(described.PipelineExecutionStatus, "Stopped");
const steps = await sagemaker.send(new ListPipelineExecutionStepsCommand({ PipelineExecutionArn: arn }));
console.log("execution", described.PipelineExecutionStatus,
  Object.fromEntries(steps.PipelineExecutionSteps.map((s) => [s.StepName, s.StepStatus])));

// A 12-hour visibility timeout runs out in no wall time.
const { QueueUrl: work } = await sqs.send(new CreateQueueCommand({ QueueName: "work" }));
const sent = await sqs.send(new SendMessageCommand({ QueueUrl: work, MessageBody: "job-1" }));
const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl: work, VisibilityTimeout: 43200 }));
assert.equal(first.Messages[0].MessageId, sent.MessageId);
assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl: work }))).Messages, undefined);
await control("/_pipesim/advance", { by: "11h59m59s" });
assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl: work }))).Messages, undefined);
await control("/_pipesim/advance", { by: "1s" });
const again = await sqs.send(new ReceiveMessageCommand({
  QueueUrl: work, MessageSystemAttributeNames: ["ApproximateReceiveCount"],
}));
assert.equal(again.Messages[0].MessageId, sent.MessageId);
assert.equal(again.Messages[0].Attributes.ApproximateReceiveCount, "2");
console.log("visibility timeout of 12h expired at virtual", (await control("/_pipesim/advance", { by: "0s" })).now);

await assert.rejects(sqs.send(new GetQueueUrlCommand({ QueueName: "missing" })),
  (e) => e instanceof QueueDoesNotExist && e.name === "QueueDoesNotExist");

const report = await control("/_pipesim/report");
assert.ok(report.invariants.every((c) => c.ok), JSON.stringify(report.invariants));
console.log("walk: ok");
