import { AsyncLocalStorage } from 'node:async_hooks';
import {
  type AttributeValue,
  BatchGetItemCommand,
  type BatchGetItemCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { API_KEYS_PARAMETER } from '../shared/adapters/aws/ssm-secret-store.js';
import { type AwsPrices, awsPrices } from '../shared/config/aws-prices.js';
import { type FunctionSpec, functions } from '../shared/config/functions.js';
import { resourceNames } from '../shared/config/resources.js';
import { tableDefinition } from '../shared/config/table.js';
import type { DomainEvent } from '../shared/events/envelope.js';
import type { EventPublisher } from '../shared/ports/event-publisher.js';
import type { ObjectStore, PutOptions } from '../shared/ports/object-store.js';
import type { QueueDepths } from '../shared/ports/queue-depths.js';
import type { SecretStore, WebhookChannel } from '../shared/ports/secret-store.js';
import type { TaskCallbacks, WorkflowStarter } from '../shared/ports/workflow.js';

/**
 * The cost meter: counts every billable request an order flow would make on AWS while the same handlers run
 * locally, and records who made each call on which resource, so the permission-parity test can hold the
 * calls against the roles the stack synthesizes.
 *
 * Calls are attributed with an AsyncLocalStorage scope that LocalFunctions.invoke opens around every handler.
 * DynamoDB work outside any function (seeding, resuming workflows, a test or a benchmark reading the table)
 * is kept apart under `outside` and never priced: on AWS every table call of a flow is made by a function.
 */

export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'local';
/** The bucket has no name locally (it is a folder); ARNs use this one. */
export const LOCAL_BUCKET = 'oms-local-bucket';
/** The stack's OMS_SECRETS_PARAMETER_PREFIX (webhookSecretsPrefix in infra/constructs/functions.ts). */
export const WEBHOOK_SECRETS_PREFIX = '/oms/webhook-secrets/';

/**
 * `target` with some methods replaced by metering ones; everything else, including what a port gains later,
 * passes through untouched.
 */
function intercept<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(object, property) {
      if (Object.hasOwn(overrides, property)) return overrides[property as keyof T];
      const value: unknown = Reflect.get(object, property, object);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}

/** ARNs in the local account and region, the names the parity test resolves the template's policies into. */
export const localArn = {
  table: (tableName: string) => `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${tableName}`,
  index: (tableName: string, index: string) => `${localArn.table(tableName)}/index/${index}`,
  bus: (busName: string) => `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:event-bus/${busName}`,
  stateMachine: (name: string) => `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${name}`,
  function: (name: string) => `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${name}`,
  queue: (name: string) => `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${name}`,
  bucket: (bucket = LOCAL_BUCKET) => `arn:aws:s3:::${bucket}`,
  object: (key: string, bucket = LOCAL_BUCKET) => `arn:aws:s3:::${bucket}/${key}`,
  /** `name` starts with a slash, as parameter names under a path do. */
  parameter: (name: string) => `arn:aws:ssm:${LOCAL_REGION}:${LOCAL_ACCOUNT}:parameter${name}`,
};

/**
 * Who makes a call on AWS. A function's calls run under its execution role and are recorded under the
 * function name; the others are a state machine's role, a schedule's role, or a service principal acting on
 * a resource policy.
 */
export const principals = {
  apiGateway: 'apigateway.amazonaws.com',
  eventBridge: 'events.amazonaws.com',
  stateMachine: (name: string) => `states:${name}`,
  schedule: (name: string) => `scheduler:${name}`,
};

export interface RecordedCall {
  principal: string;
  /** The IAM service prefix: dynamodb, events, states, s3, ssm, sqs, lambda. */
  service: string;
  /** The IAM action without its prefix, e.g. PutItem for a Put inside TransactWriteItems. */
  action: string;
  resource: string;
  count: number;
}

export interface FunctionUsage {
  invocations: number;
  billedMs: number;
  gbSeconds: number;
  rru: number;
  wru: number;
  /** Requests and units per DynamoDB operation (TransactWriteItems, Query…), to see which calls cost most. */
  dynamodb: Record<string, { requests: number; units: number }>;
}

export interface Usage {
  apiGateway: { requests: number; billedRequests: number };
  lambda: { invocations: number; gbSeconds: number; byFunction: Record<string, FunctionUsage> };
  /**
   * Units as DynamoDB Local reported them, except: requests whose response reported none are estimated from
   * item sizes (`estimated*`), and TransactWriteItems is computed per item from the item images before and
   * after (`transaction*`), because DynamoDB Local doubles index writes in a transaction, sizes a
   * ConditionCheck at 1 KB and undercounts transactions of more than one item (`localTransactionWru` keeps
   * what it reported for the same requests).
   */
  dynamodb: {
    requests: number;
    rru: number;
    wru: number;
    estimatedRequests: number;
    estimatedRru: number;
    estimatedWru: number;
    transactionRequests: number;
    transactionWru: number;
    localTransactionWru: number;
  };
  stepFunctions: {
    standardExecutions: number;
    /** Billed: every state entered, and every retry of one. */
    standardTransitions: number;
    expressRequests: number;
    expressGbSeconds: number;
    /** Not billed (Express bills requests and duration); counted to show what the child saves. */
    expressTransitions: number;
  };
  eventBridge: { putEventsRequests: number; entries: number; billedEvents: number };
  sqs: { sendRequests: number; receiveRequests: number; deleteRequests: number; billedRequests: number };
  s3: { puts: number; gets: number };
  ssm: { getParameter: number };
  /** DynamoDB work done outside any function: not part of a flow's cost. */
  outside: { dynamodbRequests: number; rru: number; wru: number };
}

export type SqsAction = 'SendMessage' | 'ReceiveMessage' | 'DeleteMessageBatch';

const emptyUsage = (): Usage => ({
  apiGateway: { requests: 0, billedRequests: 0 },
  lambda: { invocations: 0, gbSeconds: 0, byFunction: {} },
  dynamodb: {
    requests: 0,
    rru: 0,
    wru: 0,
    estimatedRequests: 0,
    estimatedRru: 0,
    estimatedWru: 0,
    transactionRequests: 0,
    transactionWru: 0,
    localTransactionWru: 0,
  },
  stepFunctions: {
    standardExecutions: 0,
    standardTransitions: 0,
    expressRequests: 0,
    expressGbSeconds: 0,
    expressTransitions: 0,
  },
  eventBridge: { putEventsRequests: 0, entries: 0, billedEvents: 0 },
  sqs: { sendRequests: 0, receiveRequests: 0, deleteRequests: 0, billedRequests: 0 },
  s3: { puts: 0, gets: 0 },
  ssm: { getParameter: 0 },
  outside: { dynamodbRequests: 0, rru: 0, wru: 0 },
});

/** Requests billed per started chunk of payload, at least one. */
const chunks = (bytes: number, chunkBytes: number) => Math.max(1, Math.ceil(bytes / chunkBytes));

export interface MeterOptions {
  /** On unless told otherwise; `enabled` can be flipped at any time. */
  enabled?: boolean;
  prices?: AwsPrices;
}

export class Meter {
  enabled: boolean;
  private readonly prices: AwsPrices;
  /** The function running here, and how long the meter's own reads have taken inside it. */
  private readonly scope = new AsyncLocalStorage<{ principal: string; overheadMs: number }>();
  private usage = emptyUsage();
  private readonly recorded = new Map<string, RecordedCall>();

  constructor(options: MeterOptions = {}) {
    this.enabled = options.enabled ?? true;
    this.prices = options.prices ?? awsPrices;
  }

  /** Runs `call` attributed to `principal` (a function name): what it calls is recorded under that name. */
  within<T>(principal: string, call: () => Promise<T>): Promise<T> {
    return this.enabled ? this.scope.run({ principal, overheadMs: 0 }, call) : call();
  }

  /**
   * One Lambda invocation of `spec`: attributed like `within`, and billed for its duration less the time the
   * meter spent reading item images for itself (which no invocation on AWS spends).
   */
  async invocationOf<T>(spec: FunctionSpec, call: () => Promise<T>): Promise<T> {
    if (!this.enabled) return call();
    const scope = { principal: spec.name, overheadMs: 0 };
    const started = performance.now();
    try {
      return await this.scope.run(scope, call);
    } finally {
      this.invocation(spec, performance.now() - started - scope.overheadMs);
    }
  }

  /** The function whose invocation is running here, if any. */
  get principal(): string | undefined {
    return this.scope.getStore()?.principal;
  }

  snapshot(): Usage {
    return structuredClone(this.usage);
  }

  /** Every distinct (principal, service, action, resource) recorded, with how often it happened. */
  calls(): RecordedCall[] {
    return [...this.recorded.values()].map((call) => ({ ...call }));
  }

  reset(): void {
    this.usage = emptyUsage();
    this.recorded.clear();
  }

  /** Records a call for the parity test; calls outside any function are nobody's permission. */
  call(principal: string | undefined, service: string, action: string, resource: string): void {
    if (!this.enabled || principal === undefined) return;
    const key = `${principal}\u0000${service}\u0000${action}\u0000${resource}`;
    const existing = this.recorded.get(key);
    if (existing) existing.count += 1;
    else this.recorded.set(key, { principal, service, action, resource, count: 1 });
  }

  apiRequest(bytes = 0): void {
    if (!this.enabled) return;
    this.usage.apiGateway.requests += 1;
    this.usage.apiGateway.billedRequests += chunks(bytes, this.prices.apiGateway.requestChunkBytes);
  }

  /** One Lambda invocation: configured memory × duration rounded up to the billing increment. */
  invocation(spec: FunctionSpec, durationMs: number): void {
    if (!this.enabled) return;
    const increment = this.prices.lambda.durationIncrementMs;
    const billedMs = Math.max(increment, Math.ceil(durationMs / increment) * increment);
    const gbSeconds = (spec.memoryMb / 1024) * (billedMs / 1000);
    this.usage.lambda.invocations += 1;
    this.usage.lambda.gbSeconds += gbSeconds;
    const fn = this.functionUsage(spec.name);
    fn.invocations += 1;
    fn.billedMs += billedMs;
    fn.gbSeconds += gbSeconds;
  }

  transition(workflow: 'standard' | 'express', transitions = 1): void {
    if (!this.enabled) return;
    if (workflow === 'standard') this.usage.stepFunctions.standardTransitions += transitions;
    else this.usage.stepFunctions.expressTransitions += transitions;
  }

  /** A call a state machine's role makes: invoking a task's function, or starting the Express child. */
  stateMachineCall(task: {
    workflow: 'standard' | 'express';
    function?: string;
    stateMachine?: string;
  }): void {
    if (!this.enabled) return;
    const principal = principals.stateMachine(
      task.workflow === 'standard' ? resourceNames.stateMachineName : resourceNames.shippingStateMachineName,
    );
    if (task.function) this.call(principal, 'lambda', 'InvokeFunction', localArn.function(task.function));
    if (task.stateMachine) {
      this.call(principal, 'states', 'StartExecution', localArn.stateMachine(task.stateMachine));
    }
  }

  /**
   * One finished execution. Express bills the request and its duration in 100 ms increments at 64 MB: these
   * executions carry a few KB of state, far below the first memory chunk.
   */
  execution(workflow: 'standard' | 'express', durationMs: number): void {
    if (!this.enabled) return;
    const sfn = this.usage.stepFunctions;
    if (workflow === 'standard') {
      sfn.standardExecutions += 1;
      return;
    }
    const { expressDurationIncrementMs: increment, expressMemoryIncrementMb: memoryMb } =
      this.prices.stepFunctions;
    const billedMs = Math.max(increment, Math.ceil(durationMs / increment) * increment);
    sfn.expressRequests += 1;
    sfn.expressGbSeconds += (memoryMb / 1024) * (billedMs / 1000);
  }

  /**
   * PutEvents as the AWS publisher makes it: up to ten entries per request, each billed per 64 KB chunk of
   * what EventBridge counts (source, detail-type and detail; the publisher sets no time or resources).
   */
  putEvents(events: readonly DomainEvent[], busArn: string): void {
    if (!this.enabled || events.length === 0) return;
    this.call(this.principal, 'events', 'PutEvents', busArn);
    const usage = this.usage.eventBridge;
    usage.putEventsRequests += Math.ceil(events.length / 10);
    usage.entries += events.length;
    for (const event of events) {
      const size =
        Buffer.byteLength(event.source) +
        Buffer.byteLength(event.detailType) +
        Buffer.byteLength(JSON.stringify(event.detail));
      usage.billedEvents += chunks(size, this.prices.eventBridge.eventChunkBytes);
    }
  }

  /**
   * One SQS request: a send by the EventBridge target, or a receive or batch delete by a function's event
   * source mapping (which works under the function's role).
   */
  sqs(action: SqsAction, queueArn: string, bytes: number, principal: string): void {
    if (!this.enabled) return;
    const usage = this.usage.sqs;
    if (action === 'SendMessage') usage.sendRequests += 1;
    else if (action === 'ReceiveMessage') usage.receiveRequests += 1;
    else usage.deleteRequests += 1;
    usage.billedRequests += chunks(bytes, this.prices.sqs.requestChunkBytes);
    this.call(principal, 'sqs', action === 'DeleteMessageBatch' ? 'DeleteMessage' : action, queueArn);
  }

  s3(action: 'PutObject' | 'GetObject', key: string): void {
    if (!this.enabled) return;
    if (action === 'PutObject') this.usage.s3.puts += 1;
    else this.usage.s3.gets += 1;
    this.call(this.principal, 's3', action, localArn.object(key));
  }

  /**
   * DynamoDB capacity of one request: as DynamoDB Local measured it, estimated from item sizes, or computed
   * from the item images of a transaction (with what DynamoDB Local reported for it).
   */
  dynamoDb(
    principal: string | undefined,
    operation: string,
    kind: 'read' | 'write',
    units: number,
    source: 'measured' | 'estimated' | 'images' = 'measured',
    reportedLocally = 0,
  ): void {
    if (!this.enabled) return;
    if (principal === undefined) {
      this.usage.outside.dynamodbRequests += 1;
      this.usage.outside[kind === 'read' ? 'rru' : 'wru'] += units;
      return;
    }
    const usage = this.usage.dynamodb;
    usage.requests += 1;
    usage[kind === 'read' ? 'rru' : 'wru'] += units;
    if (source === 'estimated') {
      usage.estimatedRequests += 1;
      usage[kind === 'read' ? 'estimatedRru' : 'estimatedWru'] += units;
    } else if (source === 'images') {
      usage.transactionRequests += 1;
      usage.transactionWru += units;
      usage.localTransactionWru += reportedLocally;
    }
    const fn = this.functionUsage(principal);
    fn[kind === 'read' ? 'rru' : 'wru'] += units;
    fn.dynamodb[operation] ??= { requests: 0, units: 0 };
    fn.dynamodb[operation].requests += 1;
    fn.dynamodb[operation].units += units;
  }

  /**
   * Adds the metering middleware to a DynamoDB client (the document client built on it shares its stack):
   * every command that supports it asks for `ReturnConsumedCapacity: 'TOTAL'`, and the units answered are
   * recorded against the function making the call.
   */
  instrument(client: DynamoDBClient): void {
    type Args = { input: Record<string | symbol, unknown> };
    type Next = (args: Args) => Promise<{ output: Record<string, unknown> }>;
    const middleware = (next: Next, context: { commandName?: string }) => async (args: Args) => {
      if (!this.enabled || args.input[IMAGE_READ]) return next(args);
      const operation = (context.commandName ?? '').replace(/Command$/, '');
      const kind = capacityKind(operation);
      const principal = this.principal;
      for (const { action, resource } of dynamoDbIamCalls(operation, args.input)) {
        this.call(principal, 'dynamodb', action, resource);
      }
      if (!kind) return next(args);
      const asked = args.input.ReturnConsumedCapacity;
      const targets = operation === 'TransactWriteItems' ? transactionTargets(args.input) : [];
      const images = async (wanted: readonly TransactionTarget[]) => {
        const started = performance.now();
        const read = await readImages(client, wanted);
        const scope = this.scope.getStore();
        if (scope) scope.overheadMs += performance.now() - started;
        return read;
      };
      const before = targets.length > 0 ? await images(targets) : undefined;
      let result: Awaited<ReturnType<Next>>;
      try {
        result = await next({ ...args, input: { ...args.input, ReturnConsumedCapacity: asked ?? 'TOTAL' } });
      } catch (error) {
        this.dynamoDb(
          principal,
          operation,
          kind,
          estimateCapacity(operation, args.input, { error }),
          'estimated',
        );
        throw error;
      }
      const measured = consumedUnits(result.output.ConsumedCapacity);
      const after = before ? await images(targets.filter((t) => t.kind === 'Update')) : undefined;
      if (before && after) {
        const units = targets.reduce(
          (sum, target) =>
            sum +
            transactionItemUnits(target.kind, before.get(target.id), target.item ?? after.get(target.id)),
          0,
        );
        this.dynamoDb(principal, operation, kind, units, 'images', measured ?? 0);
      } else if (measured === undefined) {
        const units = estimateCapacity(operation, args.input, { output: result.output });
        this.dynamoDb(principal, operation, kind, units, 'estimated');
      } else {
        this.dynamoDb(principal, operation, kind, measured);
      }
      // The caller did not ask: it gets the response it would have had.
      if (asked === undefined) delete result.output.ConsumedCapacity;
      return result;
    };
    // The SDK's middleware types come from a package this project does not depend on directly; the shape
    // above is the part of them this middleware uses.
    client.middlewareStack.add(middleware as never, {
      step: 'initialize',
      name: 'omsCostMeter',
      override: true,
    });
  }

  /** The bus as the functions see it: each publish is one or more PutEvents requests. */
  events<T extends EventPublisher>(publisher: T, busArn: string): T {
    return intercept(publisher, {
      publish: async (events: readonly DomainEvent[]) => {
        await publisher.publish(events);
        this.putEvents(events, busArn);
      },
    } as Partial<T>);
  }

  /**
   * Starts, callbacks and the reconciler's look at an execution: not billed (Standard bills transitions),
   * recorded for the parity test with the resource each is authorized on.
   */
  workflows<T extends WorkflowStarter & TaskCallbacks>(engine: T, stateMachineArn: string): T {
    const executions = stateMachineArn.replace(':stateMachine:', ':execution:');
    return intercept(engine, {
      start: (name: string, input: Record<string, unknown>) => {
        this.call(this.principal, 'states', 'StartExecution', stateMachineArn);
        return engine.start(name, input);
      },
      isRunning: (name: string) => {
        this.call(this.principal, 'states', 'DescribeExecution', `${executions}:${name}`);
        return engine.isRunning(name);
      },
      succeed: (token: string, output: unknown) => {
        this.call(this.principal, 'states', 'SendTaskSuccess', stateMachineArn);
        return engine.succeed(token, output);
      },
      fail: (token: string, error: string, cause: string) => {
        this.call(this.principal, 'states', 'SendTaskFailure', stateMachineArn);
        return engine.fail(token, error, cause);
      },
    } as Partial<T>);
  }

  objects<T extends ObjectStore>(store: T): T {
    return intercept(store, {
      put: (key: string, body: string | Uint8Array, contentType: string, options?: PutOptions) => {
        this.s3('PutObject', key);
        return store.put(key, body, contentType, options);
      },
      // On AWS a small stream is one PutObject and a large one a multipart upload (all s3:PutObject).
      putStream: (key: string, chunks: AsyncIterable<Uint8Array>, contentType: string) => {
        this.s3('PutObject', key);
        return store.putStream(key, chunks, contentType);
      },
      get: (key: string) => {
        this.s3('GetObject', key);
        return store.get(key);
      },
    } as Partial<T>);
  }

  /**
   * One GetParameter per webhook channel or for the API keys, as SsmSecretStore makes it. On AWS it caches
   * for five minutes per container, so a warm flow makes almost none; standard parameters are free anyway.
   * Locally each API handler checks the key itself; on AWS the request authorizer does (and caches its answer
   * per key), so that read is recorded under the authorizer.
   */
  secrets<T extends SecretStore>(
    store: T,
    parameters = { webhookPrefix: WEBHOOK_SECRETS_PREFIX, apiKeys: API_KEYS_PARAMETER },
  ): T {
    const authorizer = functions.find((spec) => spec.trigger.kind === 'authorizer')?.name;
    const read = (name: string, principal = this.principal) => {
      if (!this.enabled) return;
      this.usage.ssm.getParameter += 1;
      this.call(principal, 'ssm', 'GetParameter', localArn.parameter(name));
    };
    return intercept(store, {
      webhookSecrets: (channel: WebhookChannel) => {
        read(`${parameters.webhookPrefix}${channel}`);
        return store.webhookSecrets(channel);
      },
      apiKeys: () => {
        read(parameters.apiKeys, authorizer ?? this.principal);
        return store.apiKeys();
      },
    } as Partial<T>);
  }

  /**
   * One GetQueueAttributes per dead-letter queue, as SqsQueueDepths makes it. Recorded for the parity test,
   * not billed: an operator's read, not part of any order's flow.
   */
  queueDepths<T extends QueueDepths>(store: T, queueArn: (name: string) => string): T {
    return intercept(store, {
      deadLetters: async () => {
        const depths = await store.deadLetters();
        for (const name of Object.keys(depths)) {
          this.call(this.principal, 'sqs', 'GetQueueAttributes', queueArn(name));
        }
        return depths;
      },
    } as Partial<T>);
  }

  private functionUsage(name: string): FunctionUsage {
    const byFunction = this.usage.lambda.byFunction;
    byFunction[name] ??= { invocations: 0, billedMs: 0, gbSeconds: 0, rru: 0, wru: 0, dynamodb: {} };
    return byFunction[name];
  }
}

// ------------------------------------------------------------------------------------------------ DynamoDB

const READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

/** Whether an operation is billed in read or write units; undefined for the control plane. */
export function capacityKind(operation: string): 'read' | 'write' | undefined {
  if (READS.has(operation)) return 'read';
  if (WRITES.has(operation)) return 'write';
  return undefined;
}

type Input = Record<string, unknown>;
const record = (value: unknown): Input => (value && typeof value === 'object' ? (value as Input) : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/**
 * The IAM actions a request is authorized by. A transaction has no action of its own: each of its items needs
 * the action of the single-item operation (ConditionCheck needs ConditionCheckItem), and a query on an index
 * is authorized on `<table>/index/<name>`.
 */
export function dynamoDbIamCalls(operation: string, input: Input): { action: string; resource: string }[] {
  const table = (name: unknown) => localArn.table(String(name));
  switch (operation) {
    case 'Query':
    case 'Scan':
      return [
        {
          action: operation,
          resource: input.IndexName
            ? localArn.index(String(input.TableName), String(input.IndexName))
            : table(input.TableName),
        },
      ];
    case 'BatchGetItem':
    case 'BatchWriteItem':
      return Object.keys(record(input.RequestItems)).map((name) => ({
        action: operation,
        resource: table(name),
      }));
    case 'TransactWriteItems': {
      const actions = {
        Put: 'PutItem',
        Update: 'UpdateItem',
        Delete: 'DeleteItem',
        ConditionCheck: 'ConditionCheckItem',
      };
      return list(input.TransactItems).flatMap((item) =>
        Object.entries(actions)
          .filter(([key]) => key in record(item))
          .map(([key, action]) => ({ action, resource: table(record(record(item)[key]).TableName) })),
      );
    }
    case 'TransactGetItems':
      return list(input.TransactItems).map((item) => ({
        action: 'GetItem',
        resource: table(record(record(item).Get).TableName),
      }));
    default:
      return input.TableName === undefined ? [] : [{ action: operation, resource: table(input.TableName) }];
  }
}

/** The sum of a response's ConsumedCapacity (one object, or one per table for batches and transactions). */
export function consumedUnits(consumed: unknown): number | undefined {
  if (consumed === undefined || consumed === null) return undefined;
  const entries = Array.isArray(consumed) ? consumed : [consumed];
  if (entries.length === 0) return undefined;
  return entries.reduce((sum: number, entry) => {
    const { CapacityUnits, ReadCapacityUnits, WriteCapacityUnits } = record(entry);
    const total =
      typeof CapacityUnits === 'number'
        ? CapacityUnits
        : Number(ReadCapacityUnits ?? 0) + Number(WriteCapacityUnits ?? 0);
    return sum + total;
  }, 0);
}

const AV_TYPES = new Set(['S', 'N', 'B', 'BOOL', 'NULL', 'SS', 'NS', 'BS', 'L', 'M']);
const isAttributeValue = (value: unknown) => {
  const keys = Object.keys(record(value));
  return keys.length === 1 && AV_TYPES.has(keys[0] ?? '');
};

const bytesOf = (value: unknown) =>
  typeof value === 'string'
    ? Buffer.byteLength(value)
    : value instanceof Uint8Array
      ? value.byteLength
      : Buffer.byteLength(String(value));

/** A number's size: about one byte per two significant digits, plus one. */
function numberSize(text: string): number {
  const digits = text
    .replace(/^-/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

function attributeValueSize(value: Record<string, unknown>): number {
  if ('S' in value) return bytesOf(value.S);
  if ('N' in value) return numberSize(String(value.N));
  if ('B' in value) return bytesOf(value.B);
  if ('BOOL' in value || 'NULL' in value) return 1;
  if ('SS' in value) return list(value.SS).reduce((sum: number, item) => sum + bytesOf(item), 0);
  if ('NS' in value) return list(value.NS).reduce((sum: number, item) => sum + numberSize(String(item)), 0);
  if ('BS' in value) return list(value.BS).reduce((sum: number, item) => sum + bytesOf(item), 0);
  if ('L' in value) {
    return 3 + list(value.L).reduce((sum: number, item) => sum + attributeValueSize(record(item)) + 1, 0);
  }
  if ('M' in value) {
    return (
      3 +
      Object.entries(record(value.M)).reduce(
        (sum, [name, item]) => sum + Buffer.byteLength(name) + attributeValueSize(record(item)) + 1,
        0,
      )
    );
  }
  return 0;
}

/**
 * An item's size by DynamoDB's rules (attribute names plus values), from a marshalled item (what an error
 * carries) or a plain one (what the document client passes).
 */
export function itemSize(item: unknown): number {
  const fields = record(item);
  const values = Object.values(fields);
  const marshalled =
    values.length > 0 && values.every(isAttributeValue)
      ? fields
      : marshall(fields, { removeUndefinedValues: true, convertClassInstanceToMap: true });
  return Object.entries(marshalled).reduce(
    (sum, [name, value]) => sum + Buffer.byteLength(name) + attributeValueSize(record(value)),
    0,
  );
}

const writeUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));
const readUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / 4096));

/** Marks the meter's own reads of item images, which belong to no flow and are not metered. */
const IMAGE_READ = Symbol('omsCostMeterImageRead');

type AttributeMap = Record<string, AttributeValue>;

export interface TransactionTarget {
  kind: 'Put' | 'Update' | 'Delete' | 'ConditionCheck';
  table: string;
  key: AttributeMap;
  /** The item's identity in the image maps: table and key. */
  id: string;
  /** A Put's new item. */
  item?: AttributeMap;
}

const toAttributeMap = (value: unknown): AttributeMap => {
  const fields = record(value);
  const values = Object.values(fields);
  return (
    values.length > 0 && values.every(isAttributeValue)
      ? fields
      : marshall(fields, { removeUndefinedValues: true, convertClassInstanceToMap: true })
  ) as AttributeMap;
};

const imageId = (table: string, item: AttributeMap) =>
  JSON.stringify([table, item[tableDefinition.partitionKey], item[tableDefinition.sortKey]]);

/** The items a TransactWriteItems request touches, with their keys marshalled. */
export function transactionTargets(input: Input): TransactionTarget[] {
  return list(input.TransactItems).flatMap((entry) => {
    const kind = (['Put', 'Update', 'Delete', 'ConditionCheck'] as const).find(
      (name) => name in record(entry),
    );
    if (!kind) return [];
    const operation = record(record(entry)[kind]);
    const table = String(operation.TableName);
    const item = kind === 'Put' ? toAttributeMap(operation.Item) : undefined;
    const source = item ?? toAttributeMap(operation.Key);
    const key = {
      [tableDefinition.partitionKey]: source[tableDefinition.partitionKey],
      [tableDefinition.sortKey]: source[tableDefinition.sortKey],
    } as AttributeMap;
    return [{ kind, table, key, id: imageId(table, key), ...(item ? { item } : {}) }];
  });
}

/**
 * The current items behind `targets`, read strongly consistent in batches of 100. Undefined when the read
 * fails: metering never fails a request, the transaction then keeps DynamoDB Local's own figure.
 */
async function readImages(
  client: DynamoDBClient,
  targets: readonly TransactionTarget[],
): Promise<Map<string, AttributeMap> | undefined> {
  const images = new Map<string, AttributeMap>();
  const unique = [...new Map(targets.map((target) => [target.id, target])).values()];
  try {
    for (let start = 0; start < unique.length; start += 100) {
      let request: BatchGetItemCommandInput['RequestItems'] = {};
      for (const target of unique.slice(start, start + 100)) {
        request[target.table] ??= { Keys: [], ConsistentRead: true };
        request[target.table]?.Keys?.push(target.key);
      }
      for (let round = 0; round < 5 && request && Object.keys(request).length > 0; round += 1) {
        const input: BatchGetItemCommandInput = { RequestItems: request };
        const page = await client.send(new BatchGetItemCommand(Object.assign(input, { [IMAGE_READ]: true })));
        for (const [table, items] of Object.entries(page.Responses ?? {})) {
          for (const item of items) images.set(imageId(table, item), item);
        }
        request = page.UnprocessedKeys;
      }
    }
    return images;
  } catch {
    return undefined;
  }
}

/** A secondary index as the meter needs it: its key attributes and what it projects (ALL when unset). */
export interface IndexDefinition {
  indexName: string;
  partitionKey: string;
  sortKey?: string;
  projection?: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  /** What an INCLUDE index stores besides the keys. */
  nonKeyAttributes?: readonly string[];
}

/** The table's indexes, as shared/config/table.ts declares them. */
const tableIndexes: readonly IndexDefinition[] = tableDefinition.globalSecondaryIndexes;

/**
 * The entry `index` stores for `item`: the table keys, the index keys and the projected attributes (every
 * attribute for ALL). Undefined when the item lacks an index key, so the index holds nothing for it.
 */
export function projectedEntry(
  index: IndexDefinition,
  item: AttributeMap | undefined,
): AttributeMap | undefined {
  const indexKeys = [index.partitionKey, ...(index.sortKey ? [index.sortKey] : [])];
  if (!item || indexKeys.some((name) => item[name] === undefined)) return undefined;
  if ((index.projection ?? 'ALL') === 'ALL') return item;
  const names = [
    tableDefinition.partitionKey,
    tableDefinition.sortKey,
    ...indexKeys,
    ...(index.projection === 'INCLUDE' ? (index.nonKeyAttributes ?? []) : []),
  ];
  return Object.fromEntries(
    names.flatMap((name) => (item[name] === undefined ? [] : [[name, item[name]] as const])),
  ) as AttributeMap;
}

/** A value in one spelling whatever the order of its map keys and set members, to compare two images. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (!value || typeof value !== 'object' || value instanceof Uint8Array) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((name) => {
        const field = (value as Input)[name];
        const set = ['SS', 'NS', 'BS'].includes(name) && Array.isArray(field);
        return [name, set ? [...field].map(String).sort() : canonical(field)];
      }),
  );
}

const sameEntry = (a: AttributeMap, b: AttributeMap) =>
  JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

/**
 * What a write costs one index, charged on the change to the entry it stores: nothing when the entry is left
 * as it was (same index keys, same projected attributes), one put to add it, one delete to remove it, a
 * delete of the old entry and a put of the new one when an index key moves, and the larger of the two
 * entries when the keys stay and a projected attribute changes. 1 WRU per KB, rounded up per entry.
 */
export function indexWriteUnits(
  index: IndexDefinition,
  before: AttributeMap | undefined,
  after: AttributeMap | undefined,
): number {
  const was = projectedEntry(index, before);
  const is = projectedEntry(index, after);
  if (!was && !is) return 0;
  if (!was || !is) return writeUnits(itemSize(was ?? is));
  const keys = (entry: AttributeMap) =>
    JSON.stringify(canonical([entry[index.partitionKey], index.sortKey ? entry[index.sortKey] : null]));
  if (keys(was) !== keys(is)) return writeUnits(itemSize(was)) + writeUnits(itemSize(is));
  if (sameEntry(was, is)) return 0;
  return writeUnits(Math.max(itemSize(was), itemSize(is)));
}

/** One item's write, arm by arm: the table, and each index by name (an index left untouched is 0). */
export interface ItemWriteUnits {
  table: number;
  indexes: Record<string, number>;
  total: number;
}

/**
 * What writing one item costs on AWS, from its images before and after, by the rules measured against real
 * DynamoDB (the dynoxide project, tests `tx_idx_wcu`, "measured against real DynamoDB in eu-west-2 on
 * 13 August 2026"): the table arm is 1 WRU per KB of the larger image, rounded up per item; each index arm
 * is `indexWriteUnits`. Inside TransactWriteItems the 2x factor applies to the table arm alone: an index arm
 * costs what the same write costs outside a transaction. A ConditionCheck writes no index and is charged 2x
 * on the item it read. An item that is not there still costs the 1 WRU minimum.
 */
export function itemWriteUnits(
  kind: TransactionTarget['kind'],
  before: AttributeMap | undefined,
  after: AttributeMap | undefined,
  options: { transaction?: boolean; indexes?: readonly IndexDefinition[] } = {},
): ItemWriteUnits {
  const factor = options.transaction ? 2 : 1;
  const indexes = options.indexes ?? tableIndexes;
  if (kind === 'ConditionCheck') {
    const table = factor * writeUnits(before ? itemSize(before) : 0);
    return { table, indexes: Object.fromEntries(indexes.map((index) => [index.indexName, 0])), total: table };
  }
  const written = kind === 'Delete' ? undefined : after;
  const table = factor * writeUnits(Math.max(before ? itemSize(before) : 0, written ? itemSize(written) : 0));
  const arms = indexes.map((index) => [index.indexName, indexWriteUnits(index, before, written)] as const);
  return {
    table,
    indexes: Object.fromEntries(arms),
    total: arms.reduce((sum, [, units]) => sum + units, table),
  };
}

/** What one item of a TransactWriteItems costs on AWS: `itemWriteUnits` inside a transaction, in total. */
export function transactionItemUnits(
  kind: TransactionTarget['kind'],
  before: AttributeMap | undefined,
  after: AttributeMap | undefined,
  indexes: readonly IndexDefinition[] = tableIndexes,
): number {
  return itemWriteUnits(kind, before, after, { transaction: true, indexes }).total;
}

/** The index entries a new item adds (sized on each index's projection), when nothing was there before. */
const indexPutUnits = (item: Input) =>
  itemWriteUnits('Put', undefined, toAttributeMap(item)).total - writeUnits(itemSize(item));

/**
 * Capacity where a response reports none, from item sizes and AWS's rules: 1 WRU per KB written to the table,
 * plus each index entry a put adds, sized on the index's projection (a put is assumed to create its item); in
 * a transaction the table arm is doubled and the index arms are not. 1 RRU per 4 KB read (half for eventually
 * consistent reads), twice that in a transaction. Unknown sizes (an update or delete without returned
 * attributes) count as 1 KB. A write refused by its condition is still billed (without index writes); a
 * cancelled transaction is assumed billed like one that committed, without index writes. Other errors are not
 * billed. Reads through a filter undercount here: the items the filter dropped were read too.
 */
export function estimateCapacity(
  operation: string,
  input: Input,
  outcome: { output?: Input; error?: unknown },
): number {
  const { output, error } = outcome;
  const errorName = error instanceof Error ? error.name : undefined;
  const refused =
    errorName === 'ConditionalCheckFailedException' || errorName === 'TransactionCanceledException';
  if (error !== undefined && !refused) return 0;
  const factor = input.ConsistentRead === true ? 1 : 0.5;
  switch (operation) {
    case 'GetItem':
      return readUnits(itemSize(output?.Item)) * factor;
    case 'Query':
    case 'Scan':
      return readUnits(list(output?.Items).reduce((sum: number, item) => sum + itemSize(item), 0)) * factor;
    case 'BatchGetItem': {
      const returned = Object.values(record(output?.Responses)).flatMap(list);
      const requested = Object.values(record(input.RequestItems)).reduce(
        (sum: number, request) => sum + list(record(request).Keys).length,
        0,
      );
      const found = returned.reduce((sum: number, item) => sum + readUnits(itemSize(item)) * 0.5, 0);
      return found + Math.max(0, requested - returned.length) * 0.5;
    }
    case 'TransactGetItems':
      return list(output?.Responses).reduce((sum: number, response) => {
        return sum + 2 * readUnits(itemSize(record(response).Item));
      }, 0);
    case 'PutItem': {
      const item = record(input.Item);
      if (refused) return writeUnits(itemSize(record(error).Item ?? item));
      return writeUnits(itemSize(item)) + indexPutUnits(item);
    }
    case 'UpdateItem':
    case 'DeleteItem':
      if (refused) return writeUnits(itemSize(record(error).Item));
      return writeUnits(itemSize(output?.Attributes));
    case 'BatchWriteItem':
      return Object.values(record(input.RequestItems))
        .flatMap(list)
        .reduce((sum: number, request) => {
          const put = record(record(request).PutRequest).Item;
          return sum + (put ? writeUnits(itemSize(put)) + indexPutUnits(record(put)) : 1);
        }, 0);
    case 'TransactWriteItems':
      return list(input.TransactItems).reduce((sum: number, entry) => {
        const put = record(record(entry).Put).Item;
        if (!put) return sum + 2;
        return sum + 2 * writeUnits(itemSize(put)) + (refused ? 0 : indexPutUnits(record(put)));
      }, 0);
    default:
      return 0;
  }
}

// ------------------------------------------------------------------------------------------------- pricing

export type CostService =
  | 'apiGateway'
  | 'lambda'
  | 'dynamodb'
  | 'stepFunctions'
  | 'eventBridge'
  | 'sqs'
  | 's3'
  | 'ssm';

export interface CostLine {
  service: CostService;
  item: string;
  unitsPerOrder: number;
  perMillionOrders: number;
}

export interface CostReport {
  orders: number;
  lines: CostLine[];
  byService: Record<CostService, number>;
  totalPerMillionOrders: number;
}

/** Prices a usage snapshot covering `orders` orders in dollars per million orders, line by line. */
export function priceUsage(usage: Usage, orders: number, prices: AwsPrices = awsPrices): CostReport {
  if (!(orders > 0)) throw new Error('orders must be positive');
  const per = (units: number) => units / orders;
  // $ per million orders = units per order × $ per million units.
  const line = (service: CostService, item: string, units: number, perMillionUnits: number): CostLine => ({
    service,
    item,
    unitsPerOrder: per(units),
    perMillionOrders: per(units) * perMillionUnits,
  });
  const sfn = prices.stepFunctions;
  const lines: CostLine[] = [
    line(
      'apiGateway',
      'HTTP API requests',
      usage.apiGateway.billedRequests,
      prices.apiGateway.perMillionHttpRequests,
    ),
    line('lambda', 'requests', usage.lambda.invocations, prices.lambda.perMillionRequests),
    line('lambda', 'duration (GB-s, arm64)', usage.lambda.gbSeconds, prices.lambda.perGbSecondArm64 * 1e6),
    line('dynamodb', 'write request units', usage.dynamodb.wru, prices.dynamodb.perMillionWriteRequestUnits),
    line('dynamodb', 'read request units', usage.dynamodb.rru, prices.dynamodb.perMillionReadRequestUnits),
    line(
      'stepFunctions',
      'Standard state transitions',
      usage.stepFunctions.standardTransitions,
      sfn.standardPerThousandTransitions * 1000,
    ),
    line(
      'stepFunctions',
      'Express requests',
      usage.stepFunctions.expressRequests,
      sfn.expressPerMillionRequests,
    ),
    line(
      'stepFunctions',
      'Express duration (GB-s)',
      usage.stepFunctions.expressGbSeconds,
      sfn.expressPerGbSecond * 1e6,
    ),
    line(
      'eventBridge',
      'custom events (64 KB chunks)',
      usage.eventBridge.billedEvents,
      prices.eventBridge.perMillionCustomEvents,
    ),
    line('sqs', 'requests (64 KB chunks)', usage.sqs.billedRequests, prices.sqs.perMillionRequests),
    line('s3', 'PUT requests', usage.s3.puts, prices.s3.perThousandPuts * 1000),
    line('s3', 'GET requests', usage.s3.gets, prices.s3.perThousandGets * 1000),
    line('ssm', 'GetParameter (standard)', usage.ssm.getParameter, prices.ssm.perMillionStandardGetParameter),
  ];
  const byService = Object.fromEntries(
    (['apiGateway', 'lambda', 'dynamodb', 'stepFunctions', 'eventBridge', 'sqs', 's3', 'ssm'] as const).map(
      (service) => [
        service,
        lines
          .filter((entry) => entry.service === service)
          .reduce((sum, entry) => sum + entry.perMillionOrders, 0),
      ],
    ),
  ) as Record<CostService, number>;
  return {
    orders,
    lines,
    byService,
    totalPerMillionOrders: lines.reduce((sum, entry) => sum + entry.perMillionOrders, 0),
  };
}
