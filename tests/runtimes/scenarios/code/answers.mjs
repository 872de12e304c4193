// Answers every callback at once: Success, or Failure for a Stopping message.
import {
  SageMakerClient,
  SendPipelineExecutionStepFailureCommand,
  SendPipelineExecutionStepSuccessCommand,
} from "@aws-sdk/client-sagemaker";

const sagemaker = new SageMakerClient({});

export const handler = async (event) => {
  for (const record of event.Records) {
    const body = JSON.parse(record.body);
    if (body.status === "Stopping") {
      await sagemaker.send(new SendPipelineExecutionStepFailureCommand({ CallbackToken: body.token, FailureReason: "stopped" }));
    } else {
      await sagemaker.send(new SendPipelineExecutionStepSuccessCommand({
        CallbackToken: body.token,
        OutputParameters: [{ Name: "model_uri", Value: "s3://example-bucket/m" }],
      }));
    }
  }
};
