import { randomUUID } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import { type FunctionSpec, functions } from '../shared/config/functions.js';
import { resourceNames } from '../shared/config/resources.js';
import { type TaskCallbacks, TaskTokenExpiredError, type WorkflowStarter } from '../shared/ports/workflow.js';

type Definition = { StartAt: string; States: Record<string, Record<string, unknown>> };
type LocalHandler = (input: unknown) => Promise<unknown>;

export interface ExecutionRecord {
  name: string;
  /** order-fulfillment or order-shipping (shared/config/resources.ts). */
  stateMachine: string;
  executionId: string;
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
const LOCAL_STATES = 'arn:aws:states:local:000000000000';
const FULFILLMENT = resourceNames.stateMachineName;
const SHIPPING = resourceNames.shippingStateMachineName;

/** One definition, validated and built into a StateMachine once; `run()` is called once per execution. */
interface CompiledDefinition {
  kind: 'standard' | 'express';
  /** The state machine's name, as resources.ts names it for the stack. */
  stateMachine: string;
  definition: Definition;
  machine: StateMachine;
  /** Task states and what their `${…}` placeholders stand for, resolved once. */
  tasks: { stateName: string; resource: string; spec?: FunctionSpec }[];
  retryIntervalOverrides?: Record<string, number>;
}

interface RunningExecution {
  name: string;
  stateMachine: string;
  abort: () => void;
  done: Promise<unknown>;
}

/**
 * Runs the same ASL files the stack deploys with aws-local-stepfunctions. Every Task state is routed by its
 * `${…Arn}` placeholder to the function that the stack substitutes there: `lambda:invoke` calls the handler
 * with the Payload, `.waitForTaskToken` parks until SendTaskSuccess/Failure (this class's `succeed`/`fail`),
 * and `startExecution.sync:2` runs the Express definition in-process. `start` runs order-fulfillment
 * (Standard); `shippingStarter()` starts order-shipping (Express) as an execution of its own.
 */
export class LocalWorkflowEngine implements WorkflowStarter, TaskCallbacks {
  /** Every top-level execution by its ARN (Standard ones are named by the caller; Express ARNs add a UUID). */
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly running = new Map<string, RunningExecution>();
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
  private readonly fulfillment: CompiledDefinition;
  private readonly shipping: CompiledDefinition;
  private shippingPort?: WorkflowStarter & TaskCallbacks;

  constructor(
    definitions: { fulfillment: Definition; shipping: Definition },
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
    const fulfillment =
      options.callbackTimeoutSeconds !== undefined
        ? withCallbackTimeout(definitions.fulfillment, options.callbackTimeoutSeconds)
        : definitions.fulfillment;
    // Validating and building a StateMachine takes tens of milliseconds: done here once per definition, not
    // once per execution (run() keeps no state between executions).
    this.fulfillment = this.compile('standard', FULFILLMENT, fulfillment);
    this.shipping = this.compile('express', SHIPPING, definitions.shipping);
  }

  /** Starts order-fulfillment (Standard): a name that already ran starts nothing, as on AWS. */
  async start(name: string, input: Record<string, unknown>) {
    const executionId = `${LOCAL_STATES}:execution:${FULFILLMENT}:${name}`;
    if (this.executions.has(executionId)) return { executionId, alreadyStarted: true };
    this.launch(this.fulfillment, name, executionId, input);
    return { executionId, alreadyStarted: false };
  }

  async isRunning(name: string): Promise<boolean> {
    return this.execution(name)?.status === 'RUNNING';
  }

  /**
   * Starts order-shipping (Express) as a top-level execution. As on AWS, an Express start is never
   * deduplicated by name: every call runs the steps again, which is why each of them is idempotent.
   */
  startShipping(name: string, input: Record<string, unknown>) {
    const executionId = `${LOCAL_STATES}:express:${SHIPPING}:${name}:${randomUUID()}`;
    this.launch(this.shipping, name, executionId, input);
    return { executionId, alreadyStarted: false };
  }

  /** Whether a shipping execution of that name is still running (AWS cannot tell for Express; see deps.ts). */
  isShippingRunning(name: string): boolean {
    return [...this.running.values()].some((run) => run.stateMachine === SHIPPING && run.name === name);
  }

  /**
   * order-shipping as the port the handlers see (`deps.shipping`). Task tokens are the engine's whichever
   * execution issued them, so its callbacks are the engine's own: local/metering.ts wraps a starter only
   * together with callbacks.
   */
  shippingStarter(): WorkflowStarter & TaskCallbacks {
    this.shippingPort ??= {
      start: async (name, input) => this.startShipping(name, input),
      isRunning: async (name) => this.isShippingRunning(name),
      succeed: (taskToken, output) => this.succeed(taskToken, output),
      fail: (taskToken, error, cause) => this.fail(taskToken, error, cause),
    };
    return this.shippingPort;
  }

  /** The order-fulfillment execution of that name, or the latest order-shipping one. */
  execution(name: string, stateMachine: string = FULFILLMENT): ExecutionRecord | undefined {
    if (stateMachine === FULFILLMENT)
      return this.executions.get(`${LOCAL_STATES}:execution:${FULFILLMENT}:${name}`);
    return this.list().findLast((record) => record.stateMachine === stateMachine && record.name === name);
  }

  /** Resolves once the execution waits for a callback or has ended (or the timeout passes). */
  async parked(name: string, timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const waiting = [...this.waiting.values()].some((waiter) => waiter.execution === name && waiter.armed);
      if (waiting || this.execution(name)?.status !== 'RUNNING') return true;
      await sleep(20);
    }
    return false;
  }

  /** Every top-level execution, of both state machines, in the order they started. */
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

  private compile(
    kind: 'standard' | 'express',
    stateMachine: string,
    definition: Definition,
  ): CompiledDefinition {
    const machine = new StateMachine(definition as unknown as ConstructorParameters<typeof StateMachine>[0], {
      validationOptions: { checkPaths: true, checkArn: false },
    });
    const tasks = Object.entries(definition.States)
      .filter(([, state]) => state.Type === 'Task')
      .map(([stateName, state]) => {
        const resource = String(state.Resource);
        if (resource === 'arn:aws:states:::states:startExecution.sync:2') return { stateName, resource };
        if (
          resource !== 'arn:aws:states:::lambda:invoke' &&
          resource !== 'arn:aws:states:::lambda:invoke.waitForTaskToken'
        ) {
          throw new Error(`state ${stateName}: resource ${resource} has no local implementation`);
        }
        const parameters = (state.Parameters ?? {}) as Record<string, unknown>;
        return { stateName, resource, spec: specFor(String(parameters.FunctionName ?? resource)) };
      });
    return {
      kind,
      stateMachine,
      definition,
      machine,
      tasks,
      ...(this.options.retryIntervalMs !== undefined
        ? { retryIntervalOverrides: retryOverrides(definition, this.options.retryIntervalMs) }
        : {}),
    };
  }

  /** Runs a top-level execution in the background, tracked in `executions` until it ends. */
  private launch(compiled: CompiledDefinition, name: string, executionId: string, input: unknown): void {
    const record: ExecutionRecord = {
      name,
      stateMachine: compiled.stateMachine,
      executionId,
      status: 'RUNNING',
      startedAt: new Date().toISOString(),
    };
    this.executions.set(executionId, record);
    const run: RunningExecution = {
      name,
      stateMachine: compiled.stateMachine,
      abort: () => undefined,
      done: Promise.resolve(),
    };
    this.running.set(executionId, run);
    run.done = this.run(compiled, name, executionId, input, (abort) => {
      run.abort = abort;
    })
      .then(
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
      )
      .finally(() => this.running.delete(executionId));
  }

  private async run(
    compiled: CompiledDefinition,
    name: string,
    executionId: string,
    input: unknown,
    onStarted?: (abort: () => void) => void,
  ): Promise<unknown> {
    const { kind } = compiled;
    const contextToken = `${executionId}#token`;
    const execution = compiled.machine.run(input as Parameters<StateMachine['run']>[0], {
      overrides: {
        taskResourceLocalHandlers: this.handlersFor(compiled, name, contextToken) as never,
        ...(compiled.retryIntervalOverrides
          ? { retryIntervalOverrides: compiled.retryIntervalOverrides }
          : {}),
      },
      context: {
        Execution: { Id: executionId, Name: name, Input: input, StartTime: new Date().toISOString() },
        StateMachine: {
          Id: `${LOCAL_STATES}:stateMachine:${compiled.stateMachine}`,
          Name: compiled.stateMachine,
        },
        Task: { Token: contextToken },
      } as never,
    });
    onStarted?.(execution.abort);
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
    compiled: CompiledDefinition,
    name: string,
    contextToken: string,
  ): Record<string, LocalHandler> {
    const { kind } = compiled;
    const handlers: Record<string, LocalHandler> = {};
    for (const { stateName, resource, spec } of compiled.tasks) {
      if (!spec) {
        // startExecution.sync:2: the Express definition runs in-process, untracked, as the parent's task.
        handlers[stateName] = async (input) => {
          const childInput = (input as { Input?: unknown }).Input;
          const childName = `${name}-${randomUUID().slice(0, 8)}`;
          const arn = `${LOCAL_STATES}:express:${SHIPPING}:${childName}`;
          this.options.onTask?.({ workflow: kind, stateMachine: SHIPPING });
          try {
            const output = await this.run(this.shipping, childName, arn, childInput);
            return { ExecutionArn: arn, Status: 'SUCCEEDED', Output: output };
          } catch (error) {
            const failure = new Error(
              error instanceof Error ? `${error.name}: ${error.message}` : String(error),
            );
            failure.name = 'States.TaskFailed';
            throw failure;
          }
        };
      } else if (resource === 'arn:aws:states:::lambda:invoke') {
        handlers[stateName] = async (input) => {
          this.options.onTask?.({ workflow: kind, function: spec.name });
          return {
            StatusCode: 200,
            Payload: await this.invoke(spec, (input as { Payload?: unknown }).Payload),
          };
        };
      } else {
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
