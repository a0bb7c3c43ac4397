import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inject } from 'vitest';
import { type LocalRuntime, type LocalRuntimeOptions, startLocalRuntime } from '../../local/runtime.js';
import { standardWebhookHeaders } from '../../shared/intake/signatures.js';
import { type StandardOrderFixture, standardOrder, TEST_SECRETS } from './fixtures.js';

export const repoRoot = resolve(import.meta.dirname, '../..');

export interface TestRuntime extends LocalRuntime {
  request(
    method: string,
    path: string,
    body?: string | object,
    headers?: Record<string, string>,
  ): Promise<Reply>;
}

export interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: acceptance tests read whatever JSON the API answered.
  body: any;
  text: string;
}

/**
 * The embedded runtime in this test process: real HTTP, real DynamoDB Local (the integration project's
 * shared instance, a fresh table per runtime), the real ASL files. Webhook secrets are the test secrets.
 */
export async function startTestRuntime(
  options: { pickTimeoutSeconds?: number } & Pick<LocalRuntimeOptions, 'webhooks'> = {},
): Promise<TestRuntime> {
  process.env.OMS_SHOPIFY_SECRET = TEST_SECRETS.shopify;
  process.env.OMS_WOOCOMMERCE_SECRET = TEST_SECRETS.woocommerce;
  process.env.OMS_STANDARD_WEBHOOK_SECRET = TEST_SECRETS.standard;
  const runtime = await startLocalRuntime({
    root: repoRoot,
    dataDir: mkdtempSync(join(tmpdir(), 'oms-test-')),
    port: 0,
    dynamoEndpoint: inject('dynamoEndpoint'),
    tableName: `oms_${randomBytes(4).toString('hex')}`,
    schedules: false,
    retryIntervalMs: 20,
    pickTimeoutSeconds: options.pickTimeoutSeconds ?? 60,
    ...(options.webhooks ? { webhooks: options.webhooks } : {}),
  });
  return Object.assign(runtime, {
    async request(
      method: string,
      path: string,
      body?: string | object,
      headers: Record<string, string> = {},
    ) {
      const response = await fetch(`${runtime.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...headers },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      return { status: response.status, body: parsed, text };
    },
  });
}

/** Polls until `check` returns a value (not undefined) or the timeout passes. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

/**
 * Places the fixture order (2 × SKU-TSHIRT-M, 1 × SKU-MUG, 68.59 USD; `customize` may change it) through the
 * signed Standard webhook, expects it stored, and answers its id.
 */
export async function placeStandardOrder(
  oms: TestRuntime,
  customize: (order: StandardOrderFixture) => void = () => {},
): Promise<string> {
  const order = standardOrder();
  customize(order);
  const body = JSON.stringify(order);
  const placed = await oms.request(
    'POST',
    '/webhooks/standard',
    body,
    standardWebhookHeaders({
      id: `msg_${order.data.externalId}`,
      timestamp: Math.floor(Date.now() / 1000),
      body,
      secret: TEST_SECRETS.standard,
    }),
  );
  if (placed.status !== 201) throw new Error(`the order was not placed: ${placed.status} ${placed.text}`);
  return (placed.body as { orderId: string }).orderId;
}
