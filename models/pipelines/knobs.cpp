// The pipelines model's knobs: every point the AWS documentation leaves open.
#include "models/pipelines/service.hpp"

#include <nlohmann/json.hpp>

namespace models::pipelines {

const std::vector<models::knob_spec>& knobs() {
  using nlohmann::json;
  static const std::vector<models::knob_spec> table{
      {"stop.on_stopping",
       "What StopPipelineExecution with a new token returns while the execution is Stopping.",
       "documented: [AF] (Airflow treats Stopping as covered by the ValidationException)",
       "ValidationException",
       "ValidationException",
       "ValidationException",
       {"ValidationException", "return_success"}},
      {"stop.same_token_replay",
       "What a replay of the ClientRequestToken of a successful Stop returns once the execution "
       "has left Executing.",
       "documented: [AR-Stop] (ClientRequestToken: the call completes no more than once, so the "
       "replay returns the original response)",
       "return_original",
       "return_original",
       "ValidationException",
       {"return_original", "ValidationException"}},
      {"idempotency.parameter_mismatch",
       "What a reused ClientRequestToken with different parameters returns (any operation).",
       "pipesim choice: undocumented "
       "[https://docs.aws.amazon.com/sagemaker/latest/APIReference/"
       "API_StartPipelineExecution.html]; ConflictException is the modeled error for a "
       "conflicting request",
       "ConflictException",
       "ConflictException",
       "ValidationException",
       {"ConflictException", "ValidationException", "return_original"}},
      {"idempotency.scope",
       "Whether ClientRequestTokens are remembered per operation or across all operations of the "
       "account.",
       "pipesim choice: undocumented "
       "[https://docs.aws.amazon.com/sagemaker/latest/APIReference/"
       "API_StartPipelineExecution.html]; each operation documents its own token",
       "per_operation",
       "per_operation",
       "account",
       {"per_operation", "account"}},
      {"idempotency.token_lifetime",
       "How long a ClientRequestToken is remembered (0s: for the whole run).",
       "pipesim choice: undocumented "
       "[https://docs.aws.amazon.com/sagemaker/latest/APIReference/"
       "API_StartPipelineExecution.html]; AWS says only that the call completes no more "
       "than once",
       "0s",
       "0s",
       "1h",
       {}},
      {"callback.status_key",
       "Spelling of the status member in callback message bodies.",
       "documented: [DG-Steps] (developer guide example; the API reference spells it \"Status\")",
       "status",
       "status",
       "Status",
       {"status", "Status"}},
      {"callback.initial_status",
       "The status member of the initial callback message: absent, or \"Executing\".",
       "pipesim choice: undocumented "
       "[https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps.html]; the field "
       "set is the same for both messages and "
       "the step is Executing",
       "Executing",
       "Executing",
       "absent",
       {"Executing", "absent"}},
      {"callback.timeout",
       "How long a callback step waits for an answer before it fails (0s: no limit).",
       "documented: [https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps.html] "
       "no callback-specific timeout exists; only the execution timeout "
       "applies",
       "0s",
       "0s",
       "0s",
       {}},
      {"callback.send_attempts",
       "SendMessage attempts for the initial callback message before the step fails (1 s, 2 s, 4 "
       "s... apart).",
       "pipesim choice: undocumented "
       "[https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps.html]; the step "
       "fails with a FailureReason on the "
       "first error",
       1,
       1,
       1,
       {}},
      {"callback.fifo_message_group",
       "Whether the service sets MessageGroupId (the execution id) when the queue URL ends in "
       ".fifo.",
       "pipesim choice: undocumented "
       "[https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps.html]; no source "
       "says SageMaker sets one, so FIFO sends "
       "fail",
       false,
       false,
       false,
       {}},
      {"callback.unknown_token_error",
       "Error for a well-formed callback token that was never issued.",
       "pipesim choice: undocumented "
       "[https://docs.aws.amazon.com/sagemaker/latest/APIReference/"
       "API_SendPipelineExecutionStepSuccess.html]; ResourceNotFound is the modeled 'not found' "
       "error",
       "ResourceNotFound",
       "ResourceNotFound",
       "ValidationException",
       {"ResourceNotFound", "ValidationException"}},
      {"callback.answer_after_resolution",
       "What Send* returns for a token already answered, timed out, superseded by a retry, or "
       "whose execution ended.",
       "pipesim choice: undocumented "
       "[https://docs.aws.amazon.com/sagemaker/latest/APIReference/"
       "API_SendPipelineExecutionStepSuccess.html]; the step is no longer waiting, which is a "
       "conflict",
       "ConflictException",
       "ConflictException",
       "ValidationException",
       {"ConflictException", "ValidationException", "return_success"}},
      {"stop.answer_success_step_status",
       "Step status when a callback step being stopped is answered with Success.",
       "pipesim choice: undocumented "
       "[https://docs.aws.amazon.com/sagemaker/latest/APIReference/"
       "API_StopPipelineExecution.html]; the answer acknowledges the Stopping message",
       "Stopped",
       "Stopped",
       "Succeeded",
       {"Stopped", "Succeeded"}},
      {"stop.answer_failure_step_status",
       "Step status when a callback step being stopped is answered with Failure.",
       "pipesim choice: undocumented "
       "[https://docs.aws.amazon.com/sagemaker/latest/APIReference/"
       "API_StopPipelineExecution.html]; the consumer reported a failure",
       "Failed",
       "Failed",
       "Stopped",
       {"Failed", "Stopped"}},
      {"stop.answer_failure_execution_status",
       "Execution status when a callback step being stopped is answered with Failure.",
       "documented: [AR-Stop] (the execution stops once Success or Failure arrives)",
       "Stopped",
       "Stopped",
       "Failed",
       {"Stopped", "Failed"}},
      {"stop.stopping_message_delay_max",
       "Longest delay between an accepted StopPipelineExecution and the Stopping message for a "
       "running callback step (drawn per step; the nominal pick is no delay).",
       "pipesim choice: undocumented "
       "[https://docs.aws.amazon.com/sagemaker/latest/APIReference/"
       "API_StopPipelineExecution.html]; the API reference's wording reads as immediate",
       "0s",
       "0s",
       "30s",
       {}},
      {"api.throttle_probability",
       "Probability that a SageMaker API call is refused with ThrottlingException (no effect).",
       "pipesim choice: [BC-Retry] lists the throttling codes, AWS publishes no rate "
       "[https://github.com/boto/botocore/blob/develop/botocore/data/_retry.json]; "
       "off unless set",
       0.0,
       0.0,
       0.0,
       {}},
      {"api.server_error_probability",
       "Probability that a SageMaker API call is answered with a 5xx: ServiceUnavailable (503, no "
       "effect) or InternalFailure (500, before or after the request took effect), picked at the "
       "choice point pipelines.api.server_error.kind.",
       "pipesim choice: [BC-Retry] has SDKs retry 500/503, AWS publishes no rate; off unless set",
       0.0,
       0.0,
       0.0,
       {}},
      {"stop.job_stop_latency",
       "How long a running job step stays Stopping before it is Stopped (overridable per step).",
       "pipesim choice: undocumented "
       "[https://docs.aws.amazon.com/sagemaker/latest/APIReference/"
       "API_StopPipelineExecution.html]; stopping a SageMaker job takes time",
       "0s",
       "30s",
       "5m",
       {}},
      {"execution.timeout",
       "Maximum duration of an execution; on expiry running steps and the execution fail.",
       "documented: [DG-Quota] (672 hours)",
       "672h",
       "672h",
       "672h",
       {}},
      {"execution.max_concurrent",
       "Executions not yet terminal per account before Start/Retry get ResourceLimitExceeded (0: "
       "no limit).",
       "documented: [DG-Quota] (20 concurrent executions per account)",
       0,
       20,
       20,
       {}},
      {"execution.retry_from",
       "Execution statuses RetryPipelineExecution accepts.",
       "pipesim choice: undocumented "
       "[https://docs.aws.amazon.com/sagemaker/latest/APIReference/"
       "API_RetryPipelineExecution.html]; retry is described for failed executions "
       "[GH-ACK]",
       "Failed",
       "Failed",
       "Failed_or_Stopped",
       {"Failed", "Failed_or_Stopped"}},
      {"failure.launch_independent_steps",
       "Whether steps that do not depend on a failed step still start after it failed.",
       "pipesim choice: undocumented "
       "[https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps.html]; running "
       "steps are waited for, nothing new "
       "starts",
       false,
       false,
       true,
       {}},
      {"retry.delay_formula",
       "Delay before retry n (1-based) of a step under a RetryPolicy: exponential = "
       "IntervalSeconds x BackoffRate^(n-1), constant = IntervalSeconds.",
       "pipesim choice: undocumented "
       "[https://docs.aws.amazon.com/sagemaker/latest/dg/pipelines-retry-policy.html]; BackoffRate "
       "is described as the per-attempt "
       "multiplier, no jitter",
       "exponential",
       "exponential",
       "constant",
       {"exponential", "constant"}},
      {"retry.max_attempts_counts_first_try",
       "Whether MaxAttempts counts the first attempt (false: MaxAttempts retries follow it).",
       "pipesim choice: undocumented "
       "[https://docs.aws.amazon.com/sagemaker/latest/dg/pipelines-retry-policy.html]; [DG-Retry] "
       "calls MaxAttempts the maximum number "
       "of retry attempts",
       false,
       false,
       true,
       {}},
      {"retry.default_service_fault_attempts",
       "Retries of Step.SERVICE_FAULT / Step.THROTTLING failures when no RetryPolicy names them (1 "
       "s, 2 s, 4 s... apart).",
       "pipesim choice: [DG-Retry] documents that they are retried by default but not how often",
       3,
       3,
       3,
       {}},
      {"parallelism.tie_break",
       "Order in which ready steps start when MaxParallelExecutionSteps limits them.",
       "pipesim choice: undocumented "
       "[https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-pipeline.html]",
       "definition_order",
       "definition_order",
       "name",
       {"definition_order", "name"}},
      {"step.start_latency",
       "Time a step spends Starting before it is Executing.",
       "pipesim choice: undocumented "
       "[https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_PipelineExecutionStep.html]",
       "0s",
       "0s",
       "5s",
       {}},
      {"api.arn_max_length",
       "Maximum PipelineExecutionArn length (256 reproduces models before 2023-12-15).",
       "documented: [M], [MH]",
       2048,
       2048,
       2048,
       {}},
  };
  return table;
}

}  // namespace models::pipelines
