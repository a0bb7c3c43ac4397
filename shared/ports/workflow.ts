/** Starts order workflows. Starting twice with the same name is not an error and starts nothing new. */
export interface WorkflowStarter {
  start(
    name: string,
    input: Record<string, unknown>,
  ): Promise<{ executionId: string; alreadyStarted: boolean }>;
  /** Whether the execution of that name is still running (false when it ended or never existed). */
  isRunning(name: string): Promise<boolean>;
}

/** Completes a task that waits with `.waitForTaskToken`. */
export interface TaskCallbacks {
  succeed(taskToken: string, output: unknown): Promise<void>;
  fail(taskToken: string, error: string, cause: string): Promise<void>;
}

/** The token is unknown, already used or timed out (Step Functions' TaskDoesNotExist / TaskTimedOut). */
export class TaskTokenExpiredError extends Error {
  constructor(message = 'task token is no longer valid') {
    super(message);
    this.name = 'TaskTokenExpiredError';
  }
}
