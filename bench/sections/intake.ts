import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer, request as httpRequest, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { createLocalDynamoClient, type DynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb.js';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime.js';
import type { OrderStatus } from '../../shared/domain/order.js';
import { signShopify } from '../../shared/intake/signatures.js';
import type { Deps } from '../../shared/runtime/deps.js';
import { setOnHand } from '../../shared/store/inventory.js';
import { countOrdersInStatus } from '../../shared/store/order-index.js';
import { shopifyOrder } from '../../tests/support/fixtures.js';
import { type BenchSection, figure, isQuick } from '../section.js';

/**
 * Webhook intake through the local runtime (HTTP, signature, validation, idempotent write, workflow start)
 * against the least a webhook endpoint can do: a raw node:http server that stores the body with one PutItem
 * on the same DynamoDB Local, driven by the same client at the same concurrency in the same run.
 *
 * The helpers below are shared by the other sections that drive the runtime (end-to-end, reservations).
 */

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Quiet Powertools before the runtime loads the handler modules (their logger reads the level once, when
 * it is created): the harness owns stdout. Same defaults as `npm start` and the test config.
 */
export function quietHandlers(): void {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
  process.env.AWS_REGION ??= 'local';
}

export const progress = (line: string): void => {
  process.stderr.write(`  ${line}\n`);
};

/** Collects the runtime's own log lines (workflow failures, queue errors); the first few go to stderr. */
export function runtimeLog(label: string): { log: (line: string) => void; lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    log: (line) => {
      lines.push(line);
      if (lines.length <= 5) progress(`${label} runtime: ${line}`);
    },
  };
}

/**
 * A runtime on a DynamoDB Local the caller started (so the caller's baseline can use the same one), with
 * schedules off and a pick wait no measurement outlives: no timeout or compensation runs mid-measurement.
 */
export async function startBenchRuntime(
  dynamo: DynamoDbLocal,
  tableName: string,
  log: (line: string) => void,
): Promise<{ runtime: LocalRuntime; dataDir: string }> {
  quietHandlers();
  const dataDir = mkdtempSync(join(tmpdir(), 'oms-bench-'));
  try {
    const runtime = await startLocalRuntime({
      root: repoRoot,
      dataDir,
      port: 0,
      dynamoEndpoint: dynamo.endpoint,
      tableName,
      schedules: false,
      pickTimeoutSeconds: 86_400,
      retryIntervalMs: 50,
      log,
    });
    return { runtime, dataDir };
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** The fixture order's SKUs at the warehouse every fixture order is allocated to, stocked for any run. */
export async function stockFixtureSkus(deps: Deps): Promise<void> {
  for (const sku of ['SKU-TSHIRT-M', 'SKU-MUG']) await setOnHand(deps, 'wh-east', sku, 10_000_000);
}

export interface SignedDelivery {
  /** The Shopify order id: with the channel, it determines the OMS order id. */
  externalId: string;
  body: string;
  headers: Record<string, string>;
}

/** Fresh Shopify orders/create deliveries, signed ahead of time so signing is not part of any timing. */
export function shopifyDeliveries(count: number, secret: string): SignedDelivery[] {
  return Array.from({ length: count }, () => {
    const payload = shopifyOrder();
    const body = JSON.stringify(payload);
    return {
      externalId: String(payload.id),
      body,
      headers: {
        'x-shopify-topic': 'orders/create',
        'x-shopify-webhook-id': `bench-${payload.id}`,
        'x-shopify-hmac-sha256': signShopify(body, secret),
      },
    };
  });
}

/** POSTs one body and resolves with the status code once the response has been read. */
export function post(agent: Agent, url: URL, delivery: SignedDelivery): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(delivery.body)),
          ...delivery.headers,
        },
      },
      (response) => {
        response.on('error', reject);
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.resume();
      },
    );
    request.on('error', reject);
    request.end(delivery.body);
  });
}

export interface Drive {
  elapsedMs: number;
  latenciesMs: number[];
  failures: number;
}

/** Runs `count` tasks through `concurrency` workers; a task resolves false when its request failed. */
export async function drive(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<boolean>,
): Promise<Drive> {
  const latenciesMs: number[] = new Array(count).fill(0);
  let next = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      for (let index = next++; index < count; index = next++) {
        const start = performance.now();
        if (!(await task(index))) failures += 1;
        latenciesMs[index] = performance.now() - start;
      }
    }),
  );
  return { elapsedMs: performance.now() - started, latenciesMs, failures };
}

/** Rates below 100/s keep one decimal, so small ones still compare. */
export const rateFigure = (perSecond: number): string => figure(perSecond, perSecond < 100 ? 1 : 0);

/** Nearest-rank percentile of unsorted samples. */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

/** Orders in a status, counted on the status index (gsi2), keys only. */
export async function countInStatus(deps: Deps, status: string): Promise<number> {
  return await countOrdersInStatus(deps, status as OrderStatus);
}

/** Polls the status index until `expected` orders are in `status`; false when progress stalls for `stallMs`. */
export async function waitForStatus(
  deps: Deps,
  status: string,
  expected: number,
  stallMs = 60_000,
): Promise<boolean> {
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const count = await countInStatus(deps, status);
    if (count >= expected) return true;
    if (count !== last) {
      last = count;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > stallMs) {
      return false;
    }
    await new Promise((done) => setTimeout(done, 100));
  }
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((done) => server.close(() => done()));
}

// --------------------------------------------------------------------------------------------- section

const CONCURRENCY = 16;

interface Tally {
  elapsedMs: number;
  latenciesMs: number[];
  failures: number;
}

const add = (tally: Tally, run: Drive) => {
  tally.elapsedMs += run.elapsedMs;
  tally.latenciesMs.push(...run.latenciesMs);
  tally.failures += run.failures;
};

/** The least a webhook endpoint can do: read the body, store it with one PutItem, answer 201. */
function baselineServer(dynamoEndpoint: string, tableName: string): { server: Server; close: () => void } {
  const client = createLocalDynamoClient(dynamoEndpoint);
  let sequence = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      sequence += 1;
      const id = `bench-${sequence}`;
      client
        .send(
          new PutItemCommand({
            TableName: tableName,
            Item: {
              pk: { S: `BENCH#${id}` },
              sk: { S: 'DELIVERY' },
              entity: { S: 'BenchDelivery' },
              body: { S: Buffer.concat(chunks).toString('utf8') },
            },
          }),
        )
        .then(
          () => {
            response.writeHead(201, { 'content-type': 'application/json' });
            response.end(JSON.stringify({ id }));
          },
          () => {
            response.writeHead(500);
            response.end();
          },
        );
    });
  });
  return { server, close: () => client.destroy() };
}

function listen(server: Server): Promise<URL> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve(new URL(`http://127.0.0.1:${port}/webhooks/shopify`));
    });
  });
}

/** Records workflow starts instead of running them: the intake path with the in-process engine taken out. */
export const recordingStarter = (): Deps['workflows'] => ({
  start: async (name) => ({ executionId: name, alreadyStarted: false }),
  isRunning: async () => false,
});

interface Contender {
  label: string;
  url: URL;
  bodies: SignedDelivery[];
  tally: Tally;
}

export async function run(): Promise<BenchSection> {
  const quick = isQuick();
  const rounds = quick ? 1 : 3;
  const perRound = quick ? 60 : 150;
  const warmUp = quick ? 20 : 50;
  const total = rounds * perRound;

  const { log, lines } = runtimeLog('intake');
  let measuring = false;
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let dynamo: DynamoDbLocal | undefined;
  let runtime: LocalRuntime | undefined;
  let dataDir: string | undefined;
  let baseline: { server: Server; close: () => void } | undefined;
  try {
    dynamo = await startDynamoDbLocal({});
    ({ runtime, dataDir } = await startBenchRuntime(dynamo, 'oms_bench_intake', (line) => {
      if (measuring) log(line);
    }));
    const { deps } = runtime;
    await stockFixtureSkus(deps);
    baseline = baselineServer(dynamo.endpoint, runtime.tableName);
    const baselineUrl = await listen(baseline.server);
    const intakeUrl = new URL('/webhooks/shopify', runtime.url);

    const secret = runtime.secrets.shopify[0] ?? '';
    const contender = (label: string, url: URL): Contender => ({
      label,
      url,
      bodies: shopifyDeliveries(warmUp + total, secret),
      tally: { elapsedMs: 0, latenciesMs: [], failures: 0 },
    });
    const base = contender('baseline', baselineUrl);
    const full = contender('intake', intakeUrl);
    const detached = contender('intake, workflow start recorded', intakeUrl);
    const engine = deps.workflows;
    const round = async (who: Contender, offset: number, count: number) => {
      // The one swap the bench makes: handlers read the same deps object, so this takes the engine out.
      if (who === detached) deps.workflows = recordingStarter();
      try {
        return await drive(count, CONCURRENCY, (index) =>
          post(agent, who.url, who.bodies[offset + index] as SignedDelivery).then((status) => status === 201),
        );
      } finally {
        deps.workflows = engine;
      }
    };

    measuring = true;
    // Warm-up: JIT, connection pools, the handler modules' lazy parts, DynamoDB Local's own warm-up.
    for (const who of [base, full, detached]) await round(who, 0, warmUp);
    await waitForStatus(deps, 'picking', warmUp);

    let settleMs = 0;
    for (let index = 0; index < rounds; index++) {
      const offset = warmUp + index * perRound;
      for (const who of [base, full, detached]) add(who.tally, await round(who, offset, perRound));
      // Each round's workflows allocate in the background; let them park before the next round so no
      // contender's timing carries another's leftovers.
      const settleStart = performance.now();
      if (!(await waitForStatus(deps, 'picking', warmUp + (index + 1) * perRound))) {
        progress('intake: workflows stopped making progress before every order reached picking');
      }
      settleMs += performance.now() - settleStart;
      progress(`intake: round ${index + 1}/${rounds} done`);
    }
    measuring = false;

    const rate = (tally: Tally) => (tally.latenciesMs.length / tally.elapsedMs) * 1000;
    const baseRate = rate(base.tally);
    const rows = [full, detached].flatMap((who) => {
      const what = who === full ? 'full path' : 'workflow start recorded, not run';
      const latency = (p: number) => {
        const mine = percentile(who.tally.latenciesMs, p);
        const theirs = percentile(base.tally.latenciesMs, p);
        return [
          `Latency p${p}, ${what}`,
          `${figure(total)} requests, ${CONCURRENCY} in flight`,
          `${figure(mine, 1)} ms`,
          `${figure(theirs, 1)} ms`,
          figure(mine / theirs, 2),
          'latency ÷ baseline latency (above 1: slower)',
        ];
      };
      return [
        [
          `Throughput, ${what}`,
          `${figure(total)} requests, ${CONCURRENCY} in flight, ${rounds} round(s) of ${figure(perRound)}`,
          `${rateFigure(rate(who.tally))} orders/s`,
          `${rateFigure(baseRate)} requests/s`,
          figure(rate(who.tally) / baseRate, 3),
          `${figure(who.tally.elapsedMs / 1000, 2)} s vs ${figure(base.tally.elapsedMs / 1000, 2)} s in all; ` +
            `answers other than 201: ${who.tally.failures} vs ${base.tally.failures}`,
        ],
        latency(50),
        latency(99),
      ];
    });
    const bodyBytes = Buffer.byteLength(full.bodies[0]?.body ?? '');
    return {
      title: 'Webhook intake',
      description:
        'A signed Shopify `orders/create` delivery POSTed to the local runtime: API Gateway-shaped event, ' +
        'middy chain, HMAC check, zod validation and mapping, the idempotent order write (one conditional put ' +
        'carrying its event), and the workflow start. Baseline: a raw `node:http` server that reads a body of ' +
        'the same kind and stores it with one PutItem in the same table of the same DynamoDB Local. All are ' +
        `driven by one keep-alive client with ${CONCURRENCY} requests in flight, in alternating rounds of the ` +
        'same size. Ratio = intake ÷ baseline. The second group of rows runs the same requests with the ' +
        'workflow start recorded instead of handed to the in-process engine, which is what AWS does ' +
        '(StartExecution is a call to another service) and isolates what the engine costs intake locally.',
      headers: [
        'Measure',
        'Workload',
        'Intake (local runtime)',
        'Baseline: node:http + PutItem',
        'Ratio',
        'Detail',
      ],
      rows,
      notes: [
        `Bodies are fresh fixture orders of ${figure(bodyBytes)} bytes (2 lines, one new order each), signed ` +
          `before timing starts; ${warmUp} warm-up requests per contender are not counted.`,
        'With the engine in, each order\u2019s workflow starts in this process, and the allocation step of ' +
          'earlier orders shares the two cores with intake while a round runs (on AWS it would run in other ' +
          'Lambda instances). Between rounds the bench waits until every started order is `picking` ' +
          `(${figure(settleMs / 1000, 1)} s in all, not counted). The pick wait is 24 h, so no timeout or ` +
          'compensation runs during the measurement; the runtime is stopped afterwards.',
        'Client, runtime and baseline server share one Node.js process, and DynamoDB Local shares the machine: ' +
          'the ratios compare the paths under the same constraints; no figure here predicts AWS throughput.',
        lines.length > 0
          ? `The runtime logged ${lines.length} line(s) while measuring; the first: ${lines[0]}`
          : 'The runtime logged no workflow, queue or stream error while measuring.',
      ],
    };
  } finally {
    measuring = false;
    agent.destroy();
    if (baseline) {
      await closeServer(baseline.server);
      baseline.close();
    }
    await runtime?.stop();
    await dynamo?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}
