import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { signShopify } from '../../shared/intake/signatures.js';
import { shopifyOrder, TEST_SECRETS } from '../support/fixtures.js';
import { eventually } from '../support/runtime.js';
import {
  archivedEvents,
  json,
  killGroup,
  type SpawnedRuntime,
  spawnRuntime,
} from '../support/spawned-runtime.js';

const started: SpawnedRuntime[] = [];

afterEach(async () => {
  for (const runtime of started.splice(0)) await killGroup(runtime);
});

async function start(dataDir: string, env: Record<string, string> = {}) {
  const runtime = await spawnRuntime(dataDir, env);
  started.push(runtime);
  return runtime;
}

async function deliver(runtime: SpawnedRuntime) {
  const body = JSON.stringify(shopifyOrder());
  const reply = await json(`${runtime.url}/webhooks/shopify`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-shopify-hmac-sha256': signShopify(body, TEST_SECRETS.shopify),
    },
    body,
  });
  expect(reply.status).toBe(201);
  return reply.body.orderId as string;
}

const orderIn = (runtime: SpawnedRuntime, id: string, status: string) =>
  eventually(async () => {
    const reply = await json(`${runtime.url}/orders/${id}`);
    return reply.body?.status === status ? reply.body : undefined;
  }, 30_000);

const confirmAll = (runtime: SpawnedRuntime, order: { pickTickets: { id: string; lines: unknown[] }[] }) =>
  Promise.all(
    order.pickTickets.map((ticket) =>
      json(`${runtime.url}/pick-tickets/${ticket.id}/confirm`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ lines: ticket.lines }),
      }),
    ),
  );

const stock = async (runtime: SpawnedRuntime, sku: string) =>
  (await json(`${runtime.url}/inventory/${sku}`)).body.locations.find(
    (row: { locationId: string }) => row.locationId === 'wh-east',
  );

/** The order ended consistent: shipped and notified once, paid once, stock gone once, and no event lost. */
async function expectCompletedOnce(
  runtime: SpawnedRuntime,
  dataDir: string,
  id: string,
  before: { onHand: number; reserved: number },
) {
  const order = await eventually(async () => {
    const reply = await json(`${runtime.url}/orders/${id}`);
    const order = reply.body;
    const done =
      order?.status === 'shipped' &&
      order.notifications.some((n: { template: string }) => n.template === 'order-shipped') &&
      order.journal.length > 0;
    return done ? order : undefined;
  }, 30_000);
  expect(order.payment).toMatchObject({ status: 'captured', captured: order.totals.grand });
  expect(order.journal).toHaveLength(1);
  expect(order.shipments).toHaveLength(1);
  const after = await stock(runtime, 'SKU-TSHIRT-M');
  expect(after.onHand).toBe(before.onHand - 2);
  expect(after.reserved).toBe(before.reserved);
  await eventually(async () => {
    const types = new Set(
      archivedEvents(dataDir)
        .filter((event) => event.detail.data.orderId === id)
        .map((event) => event['detail-type']),
    );
    const expected = [
      'OrderPlaced',
      'PaymentAuthorized',
      'OrderAllocated',
      'PaymentCaptured',
      'OrderShipped',
    ];
    return expected.every((type) => types.has(type)) ? true : undefined;
  }, 20_000);
}

describe('Given the local runtime killed with SIGKILL mid-order', () => {
  it('resumes an order killed right after allocation', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'oms-fault-'));
    const first = await start(dataDir, { OMS_FAULT_POINT: 'after-allocation' });
    const before = await stock(first, 'SKU-TSHIRT-M');
    const id = await deliver(first);
    expect(['SIGKILL', 137]).toContain(await first.exited);
    await killGroup(first);

    const second = await start(dataDir);
    const picking = await orderIn(second, id, 'picking');
    await confirmAll(second, picking);
    await expectCompletedOnce(second, dataDir, id, before);
  }, 120_000);

  it('resumes an order killed while it waits for the pick', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'oms-fault-'));
    const first = await start(dataDir);
    const before = await stock(first, 'SKU-TSHIRT-M');
    const id = await deliver(first);
    await orderIn(first, id, 'picking');
    await killGroup(first);

    const second = await start(dataDir);
    expect(second.output()).toContain('resumed 1 workflow(s)');
    const picking = await orderIn(second, id, 'picking');
    const replies = await confirmAll(second, picking);
    expect(replies.map((reply) => reply.status)).toEqual([200]);
    await expectCompletedOnce(second, dataDir, id, before);
  }, 120_000);

  it('never captures twice when killed between the capture and its record', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'oms-fault-'));
    const first = await start(dataDir, { OMS_FAULT_POINT: 'after-capture' });
    const before = await stock(first, 'SKU-TSHIRT-M');
    const id = await deliver(first);
    const picking = await orderIn(first, id, 'picking');
    await confirmAll(first, picking);
    expect(['SIGKILL', 137]).toContain(await first.exited);
    await killGroup(first);

    const second = await start(dataDir);
    await expectCompletedOnce(second, dataDir, id, before);
    const order = (await json(`${second.url}/orders/${id}`)).body;
    // The gateway's idempotency key makes the retried capture the same capture.
    expect(order.payment.captureId).toMatch(/^cap_/);
    expect(order.timeline.filter((entry: { type: string }) => entry.type === 'PaymentCaptured')).toHaveLength(
      1,
    );
  }, 120_000);
});
