import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { HttpWebhookSender } from '../shared/adapters/http-webhook-sender.js';
import { systemClock, UlidIds } from '../shared/adapters/ids.js';
import { SimulatedCarrierGateway } from '../shared/adapters/simulated/carrier-gateway.js';
import { SimulatedPaymentGateway } from '../shared/adapters/simulated/payment-gateway.js';
import { workflowName } from '../shared/app/place-order.js';
import { reconcileOrders } from '../shared/app/reconcile.js';
import { syncWebhookRule } from '../shared/app/webhook-subscriptions.js';
import { eventRules, queueBatchingWindowSeconds, queueSettings } from '../shared/config/event-rules.js';
import { functions, QUEUE_NAMES, type QueueName } from '../shared/config/functions.js';
import { outboxStreamFilter } from '../shared/config/outbox.js';
import { resourceNames } from '../shared/config/resources.js';
import { schedules } from '../shared/config/schedules.js';
import { tableDefinition } from '../shared/config/table.js';
import { WEBHOOK_RULE_NAME, type WebhookPolicyOverrides, webhookPolicy } from '../shared/config/webhooks.js';
import { localConsoleFiles } from '../shared/console/build.js';
import { type Deps, provideDeps } from '../shared/runtime/deps.js';
import { eachOrderInStatus } from '../shared/store/order-index.js';
import { FileCustomerMessages } from './adapters/file-customer-messages.js';
import { FileObjectStore } from './adapters/file-object-store.js';
import { FileSupplierOrders, localSesIdentityArn } from './adapters/file-supplier-orders.js';
import { LocalAgentDirectory } from './adapters/local-agent-directory.js';
import { LocalEventRouting } from './adapters/local-event-routing.js';
import { LocalQueueDepths } from './adapters/local-queue-depths.js';
import { LocalSecretStore, type LocalSecrets, loadLocalSecrets } from './adapters/local-secret-store.js';
import { LocalWebhookRetries } from './adapters/local-webhook-retries.js';
import {
  createLocalDynamoClient,
  type DynamoDbLocal,
  ensureTable,
  localCredentials,
  startDynamoDbLocal,
} from './dynamodb.js';
import { LocalEventBus } from './event-bus.js';
import { LocalFunctions } from './functions.js';
import { createApiServer } from './http-server.js';
import { localArn, Meter, principals } from './metering.js';
import { LocalQueue } from './queue.js';
import { LocalScheduler } from './scheduler.js';
import { seedDemoData } from './seed.js';
import { LocalStreamReader } from './stream-reader.js';
import { LocalWorkflowEngine } from './workflow-engine.js';

export interface LocalRuntimeOptions {
  /** Repository root: where functions/ and statemachines/ are. */
  root: string;
  dataDir: string;
  port: number;
  host?: string;
  /** Use an already running DynamoDB (tests share one); otherwise DynamoDB Local is started on dataDir. */
  dynamoEndpoint?: string;
  tableName?: string;
  pickTimeoutSeconds?: number;
  seed?: boolean;
  schedules?: boolean;
  /** Pause between workflow retries; tests shorten it. */
  retryIntervalMs?: number;
  /**
   * Outbound webhooks' retry schedule, timeout and disabling (shared/config/webhooks.ts). http to localhost
   * is always allowed here, so a receiver on this machine can be subscribed.
   */
  webhooks?: WebhookPolicyOverrides;
  /** Count what every flow would cost on AWS and who calls what (runtime.meter); on unless false. */
  metering?: boolean;
  log?: (line: string) => void;
}

export interface LocalRuntime {
  url: string;
  port: number;
  dataDir: string;
  tableName: string;
  dynamoEndpoint: string;
  secrets: LocalSecrets;
  /** The local agent store (`<data dir>/agents.json`): tests and the demo add agents through it. */
  agents: LocalAgentDirectory;
  deps: Deps;
  engine: LocalWorkflowEngine;
  bus: LocalEventBus;
  queues: Record<QueueName, LocalQueue>;
  deadLetters: Record<QueueName, LocalQueue>;
  scheduler: LocalScheduler;
  functions: LocalFunctions;
  /** AWS requests the flows so far would have made, by function (local/metering.ts). */
  meter: Meter;
  /** The table's stream, delivering outbox rows to the publisher function. */
  stream: LocalStreamReader;
  stop(): Promise<void>;
}

const loadDefinition = (root: string, file: string) =>
  JSON.parse(readFileSync(join(root, 'statemachines', file), 'utf8')) as {
    StartAt: string;
    States: Record<string, Record<string, unknown>>;
  };

/**
 * The whole OMS on one machine: DynamoDB Local, the handler modules behind an API Gateway-shaped HTTP
 * server, the ASL workflows, the event bus with its rules and queues, and the schedules, all read from the
 * same definitions as the CDK stack. This is the second of the two places where dependencies are wired.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const log = options.log ?? (() => undefined);
  const dataDir = resolve(options.dataDir);
  const tableName = options.tableName ?? tableDefinition.localName;
  const dynamo: DynamoDbLocal | undefined = options.dynamoEndpoint
    ? undefined
    : await startDynamoDbLocal({ dbPath: join(dataDir, 'dynamodb') });
  const endpoint = options.dynamoEndpoint ?? dynamo?.endpoint ?? '';
  const stops: (() => Promise<void> | void)[] = [];
  if (dynamo) stops.push(() => dynamo?.stop());

  try {
    const client = createLocalDynamoClient(endpoint);
    stops.push(() => client.destroy());
    const meter = new Meter({ enabled: options.metering !== false });
    meter.instrument(client);
    if ((await ensureTable(client, tableName)) === 'created') log(`created table ${tableName}`);
    const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

    const secrets = loadLocalSecrets(join(dataDir, 'secrets.json'));
    const agents = new LocalAgentDirectory(join(dataDir, 'agents.json'));
    const localFunctions = new LocalFunctions(options.root, undefined, (spec, call) =>
      meter.invocationOf(spec, call),
    );
    await localFunctions.load();

    const consumerFor = (queue: QueueName) => {
      const spec = functions.find((fn) => fn.trigger.kind === 'queue' && fn.trigger.queue === queue);
      if (!spec) throw new Error(`no consumer is declared for queue ${queue}`);
      return (event: SQSEvent) => localFunctions.invoke(spec, event);
    };
    const makeQueues = (queue: QueueName) => {
      const deadLetter = new LocalQueue({ name: `${queue}-dlq` });
      // Sends are the EventBridge target's; receives and deletes run under the consumer's role.
      const consumer = functions.find((fn) => fn.trigger.kind === 'queue' && fn.trigger.queue === queue);
      const sender = (action: string) =>
        action === 'SendMessage' ? principals.eventBridge : (consumer?.name ?? queue);
      const main = new LocalQueue({
        name: queue,
        maxReceiveCount: queueSettings.maxReceiveCount,
        visibilityTimeoutMs: Math.min(
          queueSettings.visibilityTimeoutSeconds * 1000,
          options.retryIntervalMs ?? 5000,
        ),
        batchSize: queueSettings.batchSize,
        batchingWindowMs: (queueBatchingWindowSeconds[queue] ?? 0) * 1000,
        consumer: consumerFor(queue),
        deadLetter,
        onError: (error) => log(`queue ${queue}: ${String(error)}`),
        onRequest: ({ action, bytes, sender: by }) =>
          meter.sqs(action, localArn.queue(queue), bytes, by ?? sender(action)),
      });
      return { main, deadLetter };
    };
    const pairs = Object.fromEntries(QUEUE_NAMES.map((name) => [name, makeQueues(name)])) as Record<
      QueueName,
      { main: LocalQueue; deadLetter: LocalQueue }
    >;
    const queues = Object.fromEntries(QUEUE_NAMES.map((name) => [name, pairs[name].main])) as Record<
      QueueName,
      LocalQueue
    >;
    const deadLetters = Object.fromEntries(
      QUEUE_NAMES.map((name) => [name, pairs[name].deadLetter]),
    ) as Record<QueueName, LocalQueue>;
    for (const queue of Object.values(queues)) {
      queue.start();
      stops.push(() => queue.stop());
    }

    const bus = new LocalEventBus({
      busName: resourceNames.eventBusName,
      rules: eventRules,
      targets: queues,
      archiveFile: join(dataDir, 'events', 'archive.jsonl'),
    });

    const engine = new LocalWorkflowEngine(
      {
        fulfillment: loadDefinition(options.root, 'order-fulfillment.asl.json'),
        shipping: loadDefinition(options.root, 'order-shipping.asl.json'),
      },
      (spec, event) => localFunctions.invoke(spec, event),
      {
        onTransition: ({ workflow, transitions }) => meter.transition(workflow, transitions),
        onExecution: ({ workflow, durationMs }) => meter.execution(workflow, durationMs),
        onTask: (task) => meter.stateMachineCall(task),
        onError: (name, error) =>
          log(`workflow ${name} failed: ${error instanceof Error ? error.message : String(error)}`),
        ...(options.retryIntervalMs !== undefined ? { retryIntervalMs: options.retryIntervalMs } : {}),
        ...(options.pickTimeoutSeconds !== undefined
          ? { callbackTimeoutSeconds: options.pickTimeoutSeconds }
          : {}),
      },
    );
    stops.unshift(() => engine.stop());

    // The ports the handlers see report their calls to the meter, as the AWS adapters would make them.
    const workflows = meter.workflows(engine, localArn.stateMachine(resourceNames.stateMachineName));
    const shipping = meter.workflows(
      engine.shippingStarter(),
      localArn.stateMachine(resourceNames.shippingStateMachineName),
    );
    const deps: Deps = {
      db,
      tableName,
      events: meter.events(bus, localArn.bus(resourceNames.eventBusName)),
      workflows,
      shipping,
      taskCallbacks: workflows,
      payments: new SimulatedPaymentGateway(),
      carriers: new SimulatedCarrierGateway(),
      objects: meter.objects(new FileObjectStore(join(dataDir, 'bucket'))),
      secrets: meter.secrets(new LocalSecretStore(secrets)),
      // Purchase orders land in <data dir>/mail/ as the email SES would send; the meter records the send.
      supplierOrders: new FileSupplierOrders(join(dataDir, 'mail'), {
        onSend: () => meter.call(meter.principal, 'ses', 'SendEmail', localSesIdentityArn()),
      }),
      // Customer notifications land in <data dir>/mailbox/<orderId>/ (.eml email, .txt SMS). SNS SMS has no
      // resource to name: the meter records '*', as the policy grants it.
      customerMessages: new FileCustomerMessages(join(dataDir, 'mailbox'), {
        onSend: (channel) =>
          channel === 'sms'
            ? meter.call(meter.principal, 'sns', 'Publish', '*')
            : meter.call(meter.principal, 'ses', 'SendEmail', localSesIdentityArn()),
      }),
      queueDepths: meter.queueDepths(new LocalQueueDepths(deadLetters), (name) =>
        localArn.queue(`${name}-dlq`),
      ),
      webhooks: {
        sender: new HttpWebhookSender({ allowLoopback: true }),
        // Retries are sent by the dispatcher itself (its role's sqs:SendMessage), not by the rule.
        retries: new LocalWebhookRetries(queues.webhooks, () => meter.principal),
        routing: new LocalEventRouting(bus, () =>
          meter.call(meter.principal, 'events', 'PutRule', localRuleArn(WEBHOOK_RULE_NAME)),
        ),
        policy: webhookPolicy({ ...options.webhooks, allowHttpLoopback: true }),
      },
      agents,
      clock: systemClock,
      ids: new UlidIds(systemClock),
    };
    provideDeps(deps);
    // The bus starts with the declared pattern (nothing routed): point the webhooks rule at what the stored
    // subscriptions ask for, as the deployed rule already is.
    const webhookTypes = await syncWebhookRule(deps);
    if (webhookTypes.length > 0) log(`webhooks: routing ${webhookTypes.join(', ')}`);

    if (options.seed !== false && (await seedDemoData(deps))) log('seeded demo locations and stock');

    const publisher = functions.find((fn) => fn.trigger.kind === 'stream');
    if (!publisher) throw new Error('no function is declared for the table stream (the outbox publisher)');
    const streamsClient = new DynamoDBStreamsClient({
      endpoint,
      region: 'local',
      credentials: localCredentials(),
    });
    stops.push(() => streamsClient.destroy());
    const stream = new LocalStreamReader({
      client,
      streams: streamsClient,
      tableName,
      checkpointFile: join(dataDir, 'streams', `${tableName}.checkpoint.json`),
      filter: structuredClone(outboxStreamFilter) as Record<string, unknown>,
      handler: (event) => localFunctions.invoke(publisher, event),
      onError: (error) => log(`stream: ${error instanceof Error ? error.message : String(error)}`),
    });
    stream.start();
    stops.unshift(() => stream.stop());

    const scheduler = new LocalScheduler(
      schedules,
      async (name) => {
        const spec = functions.find((fn) => fn.trigger.kind === 'schedule' && fn.trigger.schedule === name);
        if (!spec) throw new Error(`no function is declared for schedule ${name}`);
        meter.call(principals.schedule(name), 'lambda', 'InvokeFunction', localArn.function(spec.name));
        await localFunctions.invoke(spec, {});
        log(`schedule ${name} ran`);
      },
      { onError: (name, error) => log(`schedule ${name} failed: ${String(error)}`) },
    );
    if (options.schedules !== false) {
      scheduler.start();
      stops.unshift(() => scheduler.stop());
    }

    await resumeWorkflows(deps, engine, log);

    const server = createApiServer(
      (spec, event) => {
        meter.call(principals.apiGateway, 'lambda', 'InvokeFunction', localArn.function(spec.name));
        return localFunctions.invoke(spec, event);
      },
      {
        onRequest: ({ bytes }) => meter.apiRequest(bytes),
        onError: (error) => log(`http: ${String(error)}`),
        consoleFiles: localConsoleFiles,
      },
    );
    await listen(server, options.port, options.host ?? '127.0.0.1');
    stops.unshift(() => new Promise<void>((done) => server.close(() => done())));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : options.port;

    let stopped = false;
    return {
      url: `http://${options.host ?? '127.0.0.1'}:${port}`,
      port,
      dataDir,
      tableName,
      dynamoEndpoint: endpoint,
      secrets,
      agents,
      deps,
      engine,
      bus,
      queues,
      deadLetters,
      scheduler,
      functions: localFunctions,
      meter,
      stream,
      async stop() {
        if (stopped) return;
        stopped = true;
        for (const stop of stops) await stop();
      },
    };
  } catch (error) {
    for (const stop of stops) await stop();
    throw error;
  }
}

/** The ARN of a rule on the OMS bus, as the stack's rules have it (rule/<bus>/<name>). */
const localRuleArn = (name: string) =>
  `${localArn.bus(resourceNames.eventBusName).replace(':event-bus/', ':rule/')}/${name}`;

function listen(server: Server, port: number, host: string) {
  return new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      done();
    });
  });
}

/**
 * Executions live in this process. After a restart, orders still waiting to be allocated or picked get their
 * workflow again: allocation is idempotent and re-attaches the new task token to the open pick ticket.
 */
async function resumeWorkflows(deps: Deps, engine: LocalWorkflowEngine, log: (line: string) => void) {
  let resumed = 0;
  for (const status of ['placed', 'allocated', 'picking'] as const) {
    for await (const order of eachOrderInStatus(deps, status)) {
      const name = workflowName(order);
      await engine.start(name, { orderId: order.id, correlationId: order.correlationId ?? order.id });
      // Serve requests only once the resumed wait holds its new task token, or a confirmation that
      // arrives first would meet the token of the previous process.
      await engine.parked(name);
      resumed += 1;
    }
  }
  if (resumed > 0) log(`resumed ${resumed} workflow(s) waiting for allocation or pick`);
  // Whatever else was cut short (a shipped order that never got its notification) is finished now rather
  // than at the next scheduled reconcile.
  // A process may have been down for a while: look two days back for shipped orders never notified.
  const reconciled = await reconcileOrders(deps, {
    staleAfterSeconds: 0,
    shippedWindowSeconds: 2 * 24 * 3600,
  });
  const done = reconciled.notified.length + reconciled.compensated.length + reconciled.restarted.length;
  if (done > 0) {
    log(
      `reconciled: ${reconciled.notified.length} notified, ${reconciled.restarted.length} restarted, ${reconciled.compensated.length} compensated`,
    );
  }
}
