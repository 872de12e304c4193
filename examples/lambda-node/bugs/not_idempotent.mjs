// SEEDED BUG (not idempotent under duplicate delivery): a callback consumer that hands each token
// to an AWS Glue job run and returns; the job answers the pipeline when it ends.
//
// Glue's StartJobRun starts a new run every time it is called, so a message delivered twice (SQS
// standard queues deliver at least once; a failed batch comes back whole) starts a second job for
// the same callback token.
import { BatchStopJobRunCommand, GlueClient, StartJobRunCommand } from "@aws-sdk/client-glue";
import {
  SageMakerClient,
  SendPipelineExecutionStepFailureCommand,
} from "@aws-sdk/client-sagemaker";

const glue = new GlueClient({});
const sagemaker = new SageMakerClient({});

export const handler = async (event) => {
  for (const record of event.Records) {
    const body = JSON.parse(record.body);
    const token = body.token;
    if ((body.status ?? body.Status) === "Stopping") {
      await glue.send(new BatchStopJobRunCommand({ JobName: "train", JobRunIds: [token] }));
      await sagemaker.send(
        new SendPipelineExecutionStepFailureCommand({ CallbackToken: token, FailureReason: "Stopped" }),
      );
      continue;
    }
    // The bug: no check whether a run for this token exists already.
    await glue.send(new StartJobRunCommand({ JobName: "train", Arguments: { "--callback-token": token } }));
  }
};
