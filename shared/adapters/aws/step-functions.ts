import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { type TaskCallbacks, TaskTokenExpiredError, type WorkflowStarter } from '../../ports/workflow.js';

export class StepFunctionsStarter implements WorkflowStarter {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
    private readonly type: 'STANDARD' | 'EXPRESS' = 'STANDARD',
  ) {}

  async start(name: string, input: Record<string, unknown>) {
    try {
      // Standard workflows treat a repeated name with the same input as the same execution. Express ones
      // start again under the same name: `alreadyStarted` is then always false, and their steps must be
      // idempotent.
      const result = await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name,
          input: JSON.stringify(input),
        }),
      );
      return { executionId: result.executionArn ?? name, alreadyStarted: false };
    } catch (error) {
      if (error instanceof ExecutionAlreadyExists) return { executionId: name, alreadyStarted: true };
      throw error;
    }
  }

  async isRunning(name: string): Promise<boolean> {
    // DescribeExecution does not support Express executions (their ARNs are not even derivable from the
    // name): nothing can tell, so the caller treats the run as ended and may start it again.
    if (this.type === 'EXPRESS') return false;
    const executionArn = `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    try {
      const result = await this.client.send(new DescribeExecutionCommand({ executionArn }));
      return result.status === 'RUNNING';
    } catch (error) {
      if (error instanceof ExecutionDoesNotExist) return false;
      throw error;
    }
  }
}

export class StepFunctionsCallbacks implements TaskCallbacks {
  constructor(private readonly client: SFNClient) {}

  async succeed(taskToken: string, output: unknown) {
    await this.guard(() =>
      this.client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) })),
    );
  }

  async fail(taskToken: string, error: string, cause: string) {
    await this.guard(() =>
      this.client.send(new SendTaskFailureCommand({ taskToken, error, cause: cause.slice(0, 32_000) })),
    );
  }

  private async guard(call: () => Promise<unknown>) {
    try {
      await call();
    } catch (error) {
      if (
        error instanceof TaskTimedOut ||
        error instanceof TaskDoesNotExist ||
        error instanceof InvalidToken
      ) {
        throw new TaskTokenExpiredError(error.message);
      }
      throw error;
    }
  }
}
