/**
 * `npm run cost` (or `npx tsx bench/cost.ts [--orders 50] [--warmup 3] [--concurrency 1] [--no-write]`): what
 * one order costs on AWS at list prices. Starts the local runtime in this process on a temporary data dir
 * with its own DynamoDB Local, drives orders through the whole happy path over HTTP (signed Shopify webhook →
 * picking → POST /pick-tickets/{id}/confirm → shipped and notified), lets every queue drain, and prices what the cost
 * meter counted (local/metering.ts, prices in shared/config/aws-prices.ts). Writes `docs/cost.md`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Quiet handlers, set before any handler module creates its logger (hence the dynamic imports below).
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
process.env.AWS_REGION ??= 'local';

const { startLocalRuntime } = await import('../local/runtime.js');
const { priceUsage } = await import('../local/metering.js');
const { shopifySample } = await import('../local/sample.js');
const { awsPrices, costTargets } = await import('../shared/config/aws-prices.js');
const { functions } = await import('../shared/config/functions.js');
const { signShopify } = await import('../shared/intake/signatures.js');
const { getOrderAggregate } = await import('../shared/store/orders.js');
const { figure } = await import('./section.js');

type Runtime = Awaited<ReturnType<typeof startLocalRuntime>>;
type Usage = ReturnType<Runtime['meter']['snapshot']>;

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const OUTPUT = join(root, 'docs', 'cost.md');

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} needs a whole number`);
  return value;
}

const orders = option('orders', 50);
const warmup = option('warmup', 3);
const concurrency = Math.max(1, option('concurrency', 1));
const write = !process.argv.includes('--no-write');
if (orders < 1) throw new Error('--orders needs at least 1');

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const out = (line = '') => process.stdout.write(`${line}\n`);

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

async function post(runtime: Runtime, path: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${runtime.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/**
 * One order, start to finish. The warehouse learns of its pick ticket from PickTicketOpened; the bench reads
 * the ticket (and later the status) straight off the table instead, outside any function, so those reads are
 * the meter's `outside` work and no part of the flow's cost.
 */
async function runOrder(runtime: Runtime): Promise<void> {
  const sample = shopifySample();
  // Like most real Shopify orders, a displayed number (`name`, `#1234`) and a phone on the shipping address
  // (E.164, as Shopify's checkout stores it): each is one keys-only index entry at intake (the agents' search),
  // and the bench pays for both.
  const phone = `+1212555${String(sample.id % 10_000).padStart(4, '0')}`;
  const payload = { ...sample, shipping_address: { ...sample.shipping_address, phone } };
  const body = JSON.stringify(payload);
  const placed = await post(runtime, '/webhooks/shopify', body, {
    'x-shopify-topic': 'orders/create',
    'x-shopify-webhook-id': `cost-${payload.id}`,
    'x-shopify-hmac-sha256': signShopify(body, runtime.secrets.shopify[0] ?? ''),
  });
  if (placed.status !== 201)
    throw new Error(`webhook answered ${placed.status}: ${JSON.stringify(placed.body)}`);
  const orderId = String(placed.body.orderId);
  if (!(await runtime.engine.parked(orderId, 30_000)))
    throw new Error(`order ${orderId} never waited for its pick`);
  const tickets = await until(`the pick ticket of ${orderId}`, async () => {
    const open = (await getOrderAggregate(runtime.deps, orderId))?.pickTickets.filter(
      (t) => t.status === 'open',
    );
    return open && open.length > 0 ? open : undefined;
  });
  for (const ticket of tickets) {
    const confirmed = await post(
      runtime,
      `/pick-tickets/${ticket.id}/confirm`,
      JSON.stringify({ lines: ticket.lines.map(({ sku, quantity }) => ({ sku, quantity })) }),
    );
    if (confirmed.status !== 200) throw new Error(`confirm answered ${confirmed.status}`);
  }
  // The workflow ends with the order shipped and the customer notified.
  await until(`order ${orderId} to ship and notify`, async () => {
    const aggregate = await getOrderAggregate(runtime.deps, orderId);
    if (aggregate?.order.status === 'failed') throw new Error(`order ${orderId} failed`);
    return aggregate?.order.status === 'shipped' && aggregate.notifications.length > 0 ? true : undefined;
  });
}

async function drive(runtime: Runtime, count: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next += 1;
      await runOrder(runtime);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** Until the queues, the outbox stream and the workflows are done and the meter stops moving. */
async function settle(runtime: Runtime): Promise<void> {
  const stream = (runtime as { stream?: { drain(timeoutMs?: number): Promise<void> } }).stream;
  for (let round = 0; round < 20; round += 1) {
    await stream?.drain(30_000);
    await Promise.all(Object.values(runtime.queues).map((queue) => queue.drain(30_000)));
    await runtime.engine.idle(30_000);
    const before = JSON.stringify(runtime.meter.snapshot());
    await sleep(500);
    const quiet = Object.values(runtime.queues).every((queue) => queue.depth === 0);
    if (quiet && JSON.stringify(runtime.meter.snapshot()) === before) return;
  }
  out('cost: the meter was still moving after 20 rounds of draining; the figures may be short');
}

const cell = (value: string | number) => String(value).replaceAll('|', '\\|');
/** A markdown table; `left` columns (by index) are text, the others figures aligned right. */
const table = (headers: string[], rows: (string | number)[][], left: number[] = [0]) =>
  [
    `| ${headers.map(cell).join(' | ')} |`,
    `| ${headers.map((_, index) => (left.includes(index) ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ].join('\n');
const dollars = (value: number) => `$${figure(value, 2)}`;
const count = (value: number, decimals = 2) => figure(value, decimals);

function report(usage: Usage, machine: string[], command: string, seconds: number): string {
  const cost = priceUsage(usage, orders);
  const per = (value: number) => value / orders;
  const { dynamodb: ddb, stepFunctions: sfn, sqs, eventBridge: eb } = usage;
  const counts = table(
    ['Per order', 'Count', 'Detail'],
    [
      [
        'API Gateway HTTP API requests',
        count(per(usage.apiGateway.billedRequests)),
        'webhook + pick confirmation',
      ],
      [
        'Lambda invocations',
        count(per(usage.lambda.invocations)),
        `${Object.keys(usage.lambda.byFunction).length} functions`,
      ],
      ['Lambda GB-seconds', count(per(usage.lambda.gbSeconds), 4), 'configured memory × measured ms, arm64'],
      [
        'DynamoDB read request units',
        count(per(ddb.rru)),
        `${count(per(ddb.estimatedRru))} of them estimated`,
      ],
      [
        'DynamoDB write request units',
        count(per(ddb.wru)),
        `${count(per(ddb.transactionWru))} in TransactWriteItems, computed from item images (DynamoDB ` +
          `Local reported ${count(per(ddb.localTransactionWru))}); ${count(per(ddb.estimatedWru))} estimated`,
      ],
      [
        'DynamoDB requests',
        count(per(ddb.requests)),
        `${count(per(ddb.estimatedRequests))} without ConsumedCapacity (errors)`,
      ],
      [
        'Step Functions Standard transitions',
        count(per(sfn.standardTransitions)),
        `${count(per(sfn.standardExecutions))} executions`,
      ],
      [
        'Step Functions Express requests',
        count(per(sfn.expressRequests)),
        `${count(per(sfn.expressGbSeconds), 4)} GB-s; ` +
          `${count(per(sfn.expressTransitions))} states (not billed)`,
      ],
      [
        'EventBridge events (64 KB chunks)',
        count(per(eb.billedEvents)),
        `${count(per(eb.entries))} entries in ${count(per(eb.putEventsRequests))} PutEvents`,
      ],
      [
        'SQS requests',
        count(per(sqs.billedRequests)),
        `${count(per(sqs.sendRequests))} send, ${count(per(sqs.receiveRequests))} receive, ` +
          `${count(per(sqs.deleteRequests))} delete`,
      ],
      [
        'S3 requests',
        count(per(usage.s3.puts + usage.s3.gets)),
        `${usage.s3.puts} PUT, ${usage.s3.gets} GET`,
      ],
      ['SSM GetParameter', count(per(usage.ssm.getParameter)), 'free; cached 5 min per container on AWS'],
    ],
    [0, 2],
  );
  const services: [keyof typeof cost.byService, string][] = [
    ['apiGateway', 'API Gateway'],
    ['lambda', 'Lambda'],
    ['dynamodb', 'DynamoDB'],
    ['stepFunctions', 'Step Functions'],
    ['eventBridge', 'EventBridge'],
    ['sqs', 'SQS'],
    ['s3', 'S3'],
    ['ssm', 'SSM'],
  ];
  const total = cost.totalPerMillionOrders;
  const share = (value: number) => `${figure((100 * value) / total, 1)} %`;
  const prices = table(
    ['Service', 'Line', 'Units per order', '$ per million orders', 'Share'],
    [
      ...services.flatMap(([service, name]) =>
        cost.lines
          .filter((line) => line.service === service)
          .map((line) => [
            name,
            line.item,
            count(line.unitsPerOrder, 4),
            dollars(line.perMillionOrders),
            share(line.perMillionOrders),
          ]),
      ),
      ['**Total**', '', '', `**${dollars(total)}**`, '100 %'],
    ],
    [0, 1],
  );
  const byService = table(
    ['Service', '$ per million orders', 'Share'],
    [
      ...services
        .map(([service, name]) => [name, cost.byService[service]] as const)
        .sort((a, b) => b[1] - a[1])
        .map(([name, value]) => [name, dollars(value), share(value)]),
      ['**Total**', `**${dollars(total)}**`, '100 %'],
      ['Target (DEVELOPERS.md)', dollars(costTargets.targetPerMillionOrders), ''],
      ['Naive design (reference)', dollars(costTargets.naiveDesignPerMillionOrders), ''],
    ],
  );
  const lambdaPrice = awsPrices.lambda;
  const ddbPrice = awsPrices.dynamodb;
  const byFunction = table(
    [
      'Function',
      'Memory MB',
      'Invocations per order',
      'Mean billed ms',
      'RRU per order',
      'WRU per order',
      'DynamoDB calls per order (units)',
      '$ per million orders (Lambda + DynamoDB)',
    ],
    Object.entries(usage.lambda.byFunction)
      .map(([name, fn]) => {
        const dollarsPerMillion =
          per(fn.invocations) * lambdaPrice.perMillionRequests +
          per(fn.gbSeconds) * lambdaPrice.perGbSecondArm64 * 1e6 +
          per(fn.wru) * ddbPrice.perMillionWriteRequestUnits +
          per(fn.rru) * ddbPrice.perMillionReadRequestUnits;
        return { name, fn, dollarsPerMillion };
      })
      .sort((a, b) => b.dollarsPerMillion - a.dollarsPerMillion)
      .map(({ name, fn, dollarsPerMillion }) => [
        name,
        functions.find((spec) => spec.name === name)?.memoryMb ?? '?',
        count(per(fn.invocations)),
        count(fn.invocations > 0 ? fn.billedMs / fn.invocations : 0, 1),
        count(per(fn.rru)),
        count(per(fn.wru)),
        Object.entries(fn.dynamodb)
          .sort((a, b) => b[1].units - a[1].units)
          .map(
            ([operation, calls]) => `${operation} ${count(per(calls.requests))} (${count(per(calls.units))})`,
          )
          .join(', '),
        dollars(dollarsPerMillion),
      ]),
    [0, 6],
  );
  const target = dollars(costTargets.targetPerMillionOrders);
  const ranked = services
    .map(([service, name]) => ({ name, value: cost.byService[service] }))
    .sort((a, b) => b.value - a.value);
  const verdict = [
    `**${dollars(total)} per million orders ($${(total / 1e6).toFixed(6)} per order): ` +
      `${total <= costTargets.targetPerMillionOrders ? 'within' : 'above'} the ${target} target.**`,
    `Largest: ${ranked
      .slice(0, 2)
      .map(({ name, value }) => `${name} ${dollars(value)} (${share(value)})`)
      .join(', then ')}.`,
  ].join(' ');
  return [
    '# Cost per order',
    '',
    `Generated by \`${command}\` on ${new Date().toISOString().slice(0, 10)}: ${orders} orders through`,
    'the happy path (signed Shopify webhook → picking → `POST /pick-tickets/{id}/confirm` → shipped and notified),',
    `${warmup} warm-up order(s) first, concurrency ${concurrency}, ${figure(seconds, 1)} s. Prices:`,
    `us-east-1 list prices of ${awsPrices.takenOn}`,
    '([shared/config/aws-prices.ts](../shared/config/aws-prices.ts)), no free tier.',
    '',
    verdict,
    '',
    '## Machine',
    '',
    ...machine,
    '',
    '## Requests per order',
    '',
    counts,
    '',
    '## Dollars per million orders',
    '',
    byService,
    '',
    prices,
    '',
    '## By function',
    '',
    byFunction,
    '',
    '## What is measured and what is estimated',
    '',
    '- Counted exactly as the flow makes them: API requests, Lambda invocations, Standard transitions',
    '  (every state entered and every retry), Express executions, PutEvents entries and their size, SQS',
    '  sends, S3 requests, and the IAM action and resource of every call (the permission-parity test',
    '  reads those).',
    '- DynamoDB: the meter adds `ReturnConsumedCapacity: TOTAL` to every data-plane request and takes the',
    '  units DynamoDB Local answers. For single-item writes, queries, gets, batches and',
    '  `TransactGetItems` these follow the AWS rules (checked against DynamoDB Local 2026-01-16 with',
    '  indexes projecting KEYS_ONLY, INCLUDE and ALL: the table is charged 1 WRU per KB of the larger of',
    '  the item before and after; each GSI on the change to the entry it stores, sized on its projection:',
    '  nothing when a write leaves the entry as it was, one write to add or remove it, two when its key',
    '  moves. The indexes here project keys only, so an entry stays under 1 KB and only a key change',
    '  writes it. 1 RRU per 4 KB, halved when eventually consistent; transactional reads doubled).',
    '- `TransactWriteItems` is the exception: DynamoDB Local doubles the index writes of a transaction',
    '  along with the table write, sizes a `ConditionCheck` at 1 KB whatever the item, and reports less',
    '  for several items than their sum. For those the meter reads each item before and after',
    '  (strongly consistent, unmetered, and not counted in Lambda duration) and applies the rule measured',
    '  against real DynamoDB (the dynoxide project’s `tx_idx_wcu` tests, 13 August 2026): 2 × the table',
    '  write of the larger image, plus each index write as it costs outside a transaction (not doubled);',
    '  a `ConditionCheck` 2 × the item it read. DynamoDB Local’s own figure is shown beside it above.',
    '- Where a response carries no `ConsumedCapacity` (a write refused by its condition, a cancelled',
    '  transaction) the meter estimates from item sizes; the `estimated` figures say how much that is.',
    '- Lambda duration is measured on this machine around each handler call (rounded up to 1 ms) with',
    '  DynamoDB Local in the loop, so it is only indicative of Lambda on arm64; init duration is not',
    '  counted. Express duration is the child execution measured here, rounded up to 100 ms at 64 MB.',
    '- SQS: one SendMessage per message from the EventBridge target; the event source mapping makes one',
    '  ReceiveMessage per delivered batch and one DeleteMessageBatch for the messages that succeeded. At',
    '  this pace batches hold about one message, as they would at about one order per second without a',
    '  batching window; the mappings’ empty long polls (a fixed cost per queue, not per order) are not',
    '  counted.',
    '- The API key authorizer is not invoked locally; on AWS it caches its answer per key for 5 minutes,',
    '  so it costs next to nothing per order. Reading the outbox stream from Lambda is free.',
    '- Not included: CloudWatch Logs ingestion (Step Functions logs ALL with execution data; Powertools',
    '  logs), X-Ray traces, the EventBridge archive, KMS, data transfer, DynamoDB storage, streams and',
    '  backups.',
    '',
  ].join('\n');
}

function machine(): string[] {
  const cpus = os.cpus();
  return [
    `- OS: ${os.type()} ${os.release()} (${os.arch()})`,
    `- CPU: ${cpus[0]?.model.trim() ?? 'unknown'}, ${os.availableParallelism()} cores`,
    `- Memory: ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    `- Node.js: ${process.version}`,
    `- Load average at the end of the run: ${os
      .loadavg()
      .map((load) => load.toFixed(2))
      .join(', ')} (Lambda durations stretch on a busy machine)`,
  ];
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'oms-cost-'));
  out(`cost: starting the local runtime (data: ${dataDir})`);
  const runtime = await startLocalRuntime({ root, dataDir, port: 0, schedules: false, seed: true });
  try {
    // Plenty of stock in one warehouse, so every order ships whole from wh-east as the sample expects.
    for (const sku of ['SKU-TSHIRT-M', 'SKU-MUG']) {
      const reply = await fetch(`${runtime.url}/inventory/wh-east/${sku}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ onHand: 10 * (orders + warmup) + 100 }),
      });
      if (reply.status !== 200) throw new Error(`stocking ${sku} answered ${reply.status}`);
    }
    // Warm-up: module loading and JIT are a cold start, which the steady state of a busy system does not pay.
    await drive(runtime, warmup);
    await settle(runtime);
    runtime.meter.reset();

    out(`cost: driving ${orders} order(s), concurrency ${concurrency}`);
    const started = performance.now();
    await drive(runtime, orders);
    await settle(runtime);
    const seconds = (performance.now() - started) / 1000;
    const usage = runtime.meter.snapshot();
    const command =
      process.env.npm_lifecycle_event === 'cost'
        ? 'npm run cost'
        : `npx tsx bench/cost.ts --orders ${orders}`;
    const markdown = report(usage, machine(), command, seconds);
    out();
    out(markdown);
    if (write) {
      await writeFile(OUTPUT, markdown);
      out(`cost: wrote ${OUTPUT}`);
    }
  } finally {
    await runtime.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
