import { randomUUID } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import { type FunctionSpec, functions } from '../shared/config/functions.js';
import { type TaskCallbacks, TaskTokenExpiredError, type WorkflowStarter } from '../shared/ports/workflow.js';

type Definition = { StartAt: string; States: Record<string, Record<string, unknown>> };
type LocalHandler = (input: unknown) => Promise<unknown>;

export interface ExecutionRecord {
  name: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  startedAt: string;
  stoppedAt?: string;
  error?: string;
  output?: unknown;
}

export interface TransitionCount {
  workflow: 'standard' | 'express';
  transitions: number;
}

const PLACEHOLDER = /^\$\{(\w+)\}$/;

/**
 * Runs the same ASL files the stack deploys with aws-local-stepfunctions. Every Task state is routed by its
 * `${…Arn}` placeholder to the function that the stack substitutes there: `lambda:invoke` calls the handler
 * with the Payload, `.waitForTaskToken` parks until SendTaskSuccess/Failure (this class's `succeed`/`fail`),
 * and `startExecution.sync:2` runs the Express definition in-process.
 */
export class LocalWorkflowEngine implements WorkflowStarter, TaskCallbacks {
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly running = new Map<string, { abort: () => void; done: Promise<unknown> }>();
  private readonly waiting = new Map<
    string,
    {
      execution: string;
      /** The task's function has returned: whatever it stored with the token is written. */
      armed: boolean;
      resolve: (output: unknown) => void;
      reject: (error: Error) => void;
    }
  >();

  constructor(
    private definitions: { fulfillment: Definition; shipping: Definition },
    private readonly invoke: (spec: FunctionSpec, event: unknown) => Promise<unknown>,
    private readonly options: {
      /** Every state entered and every retry of one: what a Standard workflow bills. */
      onTransition?: (count: TransitionCount) => void;
      /** A finished execution and how long it ran: what an Express workflow bills. */
      onExecution?: (execution: {
        workflow: 'standard' | 'express';
        name: string;
        durationMs: number;
      }) => void;
      /** A call the state machine's role makes: a function invoked, or the Express child started. */
      onTask?: (task: { workflow: 'standard' | 'express'; function?: string; stateMachine?: string }) => void;
      onError?: (name: string, error: unknown) => void;
      retryIntervalMs?: number;
      /**
       * Replaces `TimeoutSeconds` of the states that wait for a task token (the pick wait), like the engine's
       * own wait and retry overrides: a demo or a test does not wait a day for a timeout.
       */
      callbackTimeoutSeconds?: number;
    } = {},
  ) {
    if (options.callbackTimeoutSeconds !== undefined) {
      this.definitions = {
        fulfillment: withCallbackTimeout(definitions.fulfillment, options.callbackTimeoutSeconds),
        shipping: definitions.shipping,
      };
    }
  }

  async start(name: string, input: Record<string, unknown>) {
    const executionId = `arn:aws:states:local:000000000000:execution:order-fulfillment:${name}`;
    if (this.executions.has(name)) return { executionId, alreadyStarted: true };
    const record: ExecutionRecord = { name, status: 'RUNNING', startedAt: new Date().toISOString() };
    this.executions.set(name, record);
    const done = this.run('standard', this.definitions.fulfillment, name, executionId, input).then(
      (output) => {
        Object.assign(record, { status: 'SUCCEEDED', stoppedAt: new Date().toISOString(), output });
      },
      (error: unknown) => {
        Object.assign(record, {
          status: 'FAILED',
          stoppedAt: new Date().toISOString(),
          error: error instanceof Error ? error.name : String(error),
        });
        if (!(error instanceof Error && error.name === 'ExecutionAbortedError'))
          this.options.onError?.(name, error);
      },
    );
    this.running.set(name, { abort: () => undefined, done });
    void done.finally(() => this.running.delete(name));
    return { executionId, alreadyStarted: false };
  }

  async isRunning(name: string): Promise<boolean> {
    return this.executions.get(name)?.status === 'RUNNING';
  }

  execution(name: string): ExecutionRecord | undefined {
    return this.executions.get(name);
  }

  /** Resolves once the execution waits for a callback or has ended (or the timeout passes). */
  async parked(name: string, timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const waiting = [...this.waiting.values()].some((waiter) => waiter.execution === name && waiter.armed);
      if (waiting || this.executions.get(name)?.status !== 'RUNNING') return true;
      await sleep(20);
    }
    return false;
  }

  list(): ExecutionRecord[] {
    return [...this.executions.values()];
  }

  async succeed(taskToken: string, output: unknown) {
    this.take(taskToken).resolve(output);
  }

  async fail(taskToken: string, error: string, cause: string) {
    const failure = new Error(cause);
    failure.name = error;
    this.take(taskToken).reject(failure);
  }

  /** Waits for every running execution to settle (or the timeout). */
  async idle(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.running.size > 0 && Date.now() < deadline) {
      await Promise.race([...[...this.running.values()].map((run) => run.done), sleep(50)]);
    }
  }

  stop(): void {
    for (const run of this.running.values()) run.abort();
    // Aborted executions ignore their tasks' results; settling the waits lets their promises go.
    for (const [token, waiter] of this.waiting) {
      this.waiting.delete(token);
      waiter.resolve(undefined);
    }
  }

  private take(taskToken: string) {
    const waiter = this.waiting.get(taskToken);
    if (!waiter) throw new TaskTokenExpiredError(`task token is unknown, used or timed out`);
    this.waiting.delete(taskToken);
    return waiter;
  }

  private async run(
    kind: 'standard' | 'express',
    definition: Definition,
    name: string,
    executionId: string,
    input: unknown,
  ): Promise<unknown> {
    const contextToken = `${executionId}#token`;
    const machine = new StateMachine(definition as unknown as ConstructorParameters<typeof StateMachine>[0], {
      validationOptions: { checkPaths: true, checkArn: false },
    });
    const execution = machine.run(input as Parameters<StateMachine['run']>[0], {
      overrides: {
        taskResourceLocalHandlers: this.handlersFor(kind, definition, name, contextToken) as never,
        ...(this.options.retryIntervalMs !== undefined
          ? { retryIntervalOverrides: retryOverrides(definition, this.options.retryIntervalMs) }
          : {}),
      },
      context: {
        Execution: { Id: executionId, Name: name, Input: input, StartTime: new Date().toISOString() },
        StateMachine: { Id: executionId.replace(/:execution:/, ':stateMachine:'), Name: kind },
        Task: { Token: contextToken },
      } as never,
    });
    const current = this.running.get(name);
    if (current && kind === 'standard') current.abort = execution.abort;
    void this.watch(kind, name, execution.eventLogs);
    const started = performance.now();
    try {
      return await execution.result;
    } finally {
      this.options.onExecution?.({ workflow: kind, name, durationMs: performance.now() - started });
    }
  }

  /** Counts transitions for the cost meter and drops the waits of states that stopped waiting (timeouts). */
  private async watch(kind: 'standard' | 'express', name: string, logs: AsyncGenerator<{ type: string }>) {
    try {
      for await (const event of logs) {
        // Step Functions counts a retry as a transition of its own.
        if (event.type === 'StateEntered' || event.type === 'StateRetried')
          this.options.onTransition?.({ workflow: kind, transitions: 1 });
        if (kind === 'standard' && (event.type === 'StateFailed' || event.type === 'StateExited')) {
          // The state stopped waiting (timed out): its token is dead. Settling the orphaned wait quietly keeps
          // a late callback from completing it; the engine no longer reads its result.
          for (const [token, waiter] of this.waiting) {
            if (waiter.execution === name) {
              this.waiting.delete(token);
              waiter.resolve(undefined);
            }
          }
        }
      }
    } catch {
      // The log ends with the execution; an aborted execution ends it with an error.
    }
  }

  private handlersFor(
    kind: 'standard' | 'express',
    definition: Definition,
    name: string,
    contextToken: string,
  ): Record<string, LocalHandler> {
    const handlers: Record<string, LocalHandler> = {};
    for (const [stateName, state] of Object.entries(definition.States)) {
      if (state.Type !== 'Task') continue;
      const resource = String(state.Resource);
      const parameters = (state.Parameters ?? {}) as Record<string, unknown>;
      if (resource === 'arn:aws:states:::states:startExecution.sync:2') {
        handlers[stateName] = async (input) => {
          const childInput = (input as { Input?: unknown }).Input;
          const childName = `${name}-${randomUUID().slice(0, 8)}`;
          const arn = `arn:aws:states:local:000000000000:express:order-shipping:${childName}`;
          this.options.onTask?.({ workflow: kind, stateMachine: 'order-shipping' });
          try {
            const output = await this.run('express', this.definitions.shipping, childName, arn, childInput);
            return { ExecutionArn: arn, Status: 'SUCCEEDED', Output: output };
          } catch (error) {
            const failure = new Error(
              error instanceof Error ? `${error.name}: ${error.message}` : String(error),
            );
            failure.name = 'States.TaskFailed';
            throw failure;
          }
        };
        continue;
      }
      const spec = specFor(String(parameters.FunctionName ?? resource));
      if (resource === 'arn:aws:states:::lambda:invoke') {
        handlers[stateName] = async (input) => {
          this.options.onTask?.({ workflow: kind, function: spec.name });
          return {
            StatusCode: 200,
            Payload: await this.invoke(spec, (input as { Payload?: unknown }).Payload),
          };
        };
      } else if (resource === 'arn:aws:states:::lambda:invoke.waitForTaskToken') {
        handlers[stateName] = async (input) => {
          // Every attempt gets its own token, as on AWS, so a retried state never completes an old wait.
          const token = `${name}.${randomUUID()}`;
          const payload = JSON.parse(
            JSON.stringify((input as { Payload?: unknown }).Payload).replaceAll(contextToken, token),
          );
          const waiting = new Promise<unknown>((resolve, reject) => {
            this.waiting.set(token, { execution: name, armed: false, resolve, reject });
          });
          waiting.catch(() => undefined);
          this.options.onTask?.({ workflow: kind, function: spec.name });
          try {
            await this.invoke(spec, payload);
          } catch (error) {
            this.waiting.delete(token);
            throw error;
          }
          const waiter = this.waiting.get(token);
          if (waiter) waiter.armed = true;
          return await waiting;
        };
      } else {
        throw new Error(`state ${stateName}: resource ${resource} has no local implementation`);
      }
    }
    return handlers;
  }
}

function specFor(reference: string): FunctionSpec {
  const substitution = PLACEHOLDER.exec(reference)?.[1];
  const spec = functions.find(
    (candidate) => candidate.trigger.kind === 'workflow' && candidate.trigger.substitution === substitution,
  );
  if (!spec) throw new Error(`no function is declared for ${reference} (shared/config/functions.ts)`);
  return spec;
}

function retryOverrides(definition: Definition, ms: number): Record<string, number> {
  return Object.fromEntries(
    Object.entries(definition.States)
      .filter(([, state]) => 'Retry' in state)
      .map(([stateName]) => [stateName, ms]),
  );
}

function withCallbackTimeout(definition: Definition, seconds: number): Definition {
  const copy = structuredClone(definition);
  for (const state of Object.values(copy.States)) {
    if (String(state.Resource).endsWith('.waitForTaskToken')) {
      delete state.TimeoutSecondsPath;
      state.TimeoutSeconds = seconds;
    }
  }
  return copy;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
