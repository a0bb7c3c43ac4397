import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/dynamodb.js';
import { signShopify } from '../../shared/intake/signatures.js';
import { shopifyOrder, TEST_SECRETS } from '../support/fixtures.js';
import { eventually, repoRoot } from '../support/runtime.js';

interface Started {
  child: ChildProcess;
  output: () => string;
  url: string;
  dynamoPort: () => number | undefined;
}

const dataDir = mkdtempSync(join(tmpdir(), 'oms-start-'));
const running: ChildProcess[] = [];

/** Runs the same entry point as `npm start`, as a separate process, the way a user does. */
async function start(port: number): Promise<Started> {
  const child = spawn(process.execPath, [join(repoRoot, 'node_modules/tsx/dist/cli.mjs'), 'local/main.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: String(port),
      OMS_DATA_DIR: dataDir,
      OMS_SHOPIFY_SECRET: TEST_SECRETS.shopify,
      OMS_SCHEDULES: 'off',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  await eventually(async () => (output.includes('OMS is running at') ? true : undefined), 60_000);
  return { child, output: () => output, url: `http://127.0.0.1:${port}`, dynamoPort: () => undefined };
}

async function stop(started: Started): Promise<number | null> {
  const exited = new Promise<number | null>((done) => started.child.once('exit', (code) => done(code)));
  started.child.kill('SIGINT');
  return await exited;
}

afterAll(async () => {
  // SIGTERM, not SIGKILL: a killed runtime cannot stop its DynamoDB Local, which would outlive the test.
  for (const child of running) {
    if (child.exitCode !== null) continue;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((done) => setTimeout(done, 5000))]);
  }
});

describe('Given `npm start` on an empty data dir', () => {
  it('serves the API, prints the webhook secrets and a sample request, keeps orders across a restart and stops Java on Ctrl-C', async () => {
    const port = await freePort();
    const first = await start(port);
    expect(first.output()).toContain(`OMS is running at http://127.0.0.1:${port}`);
    expect(first.output()).toContain(TEST_SECRETS.shopify);
    expect(first.output()).toContain('curl -s -X POST');

    const locations = (await (await fetch(`${first.url}/locations`)).json()) as unknown[];
    expect(locations.length).toBeGreaterThanOrEqual(3);

    const body = JSON.stringify(shopifyOrder());
    const placed = await fetch(`${first.url}/webhooks/shopify`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-shopify-hmac-sha256': signShopify(body, TEST_SECRETS.shopify),
      },
      body,
    });
    expect(placed.status).toBe(201);
    const { orderId } = (await placed.json()) as { orderId: string };
    await eventually(async () => {
      const order = (await (await fetch(`${first.url}/orders/${orderId}`)).json()) as { status: string };
      return order.status === 'picking' ? order : undefined;
    });

    expect(await stop(first)).toBe(0);
    // The port is free again and DynamoDB Local is gone with it: a new runtime starts on the same data.
    const second = await start(port);
    expect(second.output()).toContain('resumed 1 workflow(s)');
    const order = (await (await fetch(`${second.url}/orders/${orderId}`)).json()) as {
      status: string;
      pickTickets: { id: string; lines: { sku: string; quantity: number }[] }[];
    };
    expect(order.status).toBe('picking');

    // The resumed workflow took over the open pick ticket: confirming it ships the order.
    const [ticket] = order.pickTickets;
    const confirm = await fetch(`${second.url}/pick-tickets/${ticket?.id}/confirm`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ lines: ticket?.lines.map(({ sku, quantity }) => ({ sku, quantity })) }),
    });
    expect(confirm.status).toBe(200);
    await eventually(async () => {
      const current = (await (await fetch(`${second.url}/orders/${orderId}`)).json()) as {
        status: string;
        notifications: unknown[];
      };
      const notified = current.notifications.some(
        (n) => (n as { template?: string }).template === 'order-shipped',
      );
      return current.status === 'shipped' && notified ? current : undefined;
    });
    expect(await stop(second)).toBe(0);
    await expect(fetch(`${second.url}/locations`)).rejects.toThrow();
  });
});
