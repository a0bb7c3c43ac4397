import { createHash } from 'node:crypto';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { liveMetrics } from '../../shared/app/live-metrics.js';
import { DEFAULT_STALE_AFTER_SECONDS } from '../../shared/app/reconcile.js';
import { ORDER_STATUSES, type OrderStatus } from '../../shared/domain/order.js';
import type { Deps } from '../../shared/runtime/deps.js';
import { setOnHand, setSafetyStock } from '../../shared/store/inventory.js';
import { keys } from '../../shared/store/keys.js';
import { putLocation } from '../../shared/store/locations.js';
import { orderIndexes } from '../../shared/store/orders.js';
import { createTestDeps } from '../support/deps.js';

const NOW = new Date('2030-06-01T12:00:00.000Z');
const minutesAgo = (n: number) => new Date(NOW.getTime() - n * 60_000).toISOString();
const hoursAgo = (n: number) => minutesAgo(n * 60);
const idOf = (name: string) => `ord_${createHash('sha256').update(name).digest('hex').slice(0, 24)}`;

let deps: Deps;

/**
 * An order header as the writers leave it: in `status` since `enteredAt` (the status index's sort key is
 * `<enteredAt>#<id>`), created a day before it entered.
 */
async function putOrder(name: string, status: OrderStatus, enteredAt: string) {
  const id = idOf(name);
  const createdAt = new Date(new Date(enteredAt).getTime() - 86_400_000).toISOString();
  const customer = { email: 'live@example.com' };
  await deps.db.send(
    new PutCommand({
      TableName: deps.tableName,
      Item: {
        ...keys.order(id),
        ...orderIndexes({ id, status, createdAt, customer }),
        gsi2sk: `${enteredAt}#${id}`,
        entity: 'Order',
        entityVersion: 1,
        id,
        status,
        customer,
        lines: [{ sku: 'SKU-LIVE', quantity: 1, unitPrice: 100, discount: 0 }],
        createdAt,
        updatedAt: enteredAt,
        correlationId: id,
      },
    }),
  );
  return id;
}

/** Each order: where it is now and since when. */
const seeded: [string, OrderStatus, string][] = [
  ['placed-new', 'placed', minutesAgo(2)],
  ['placed-stuck', 'placed', hoursAgo(30)],
  ['allocated-stuck', 'allocated', hoursAgo(27)],
  ['picking-new', 'picking', minutesAgo(5)],
  // Waiting for its pick (24 h at most), not past the reconciler's 26 hours: not stuck.
  ['picking-waiting', 'picking', hoursAgo(20)],
  ['picking-stuck', 'picking', hoursAgo(40)],
  ['backordered-new', 'backordered', minutesAgo(10)],
  // Backordered for days: waiting for stock, which is not a stuck workflow.
  ['backordered-old', 'backordered', hoursAgo(72)],
  ['shipped-1', 'shipped', minutesAgo(1)],
  ['shipped-14', 'shipped', minutesAgo(14)],
  // Exactly at the start of a 15-minute window: inside it.
  ['shipped-15', 'shipped', minutesAgo(15)],
  ['shipped-16', 'shipped', minutesAgo(16)],
  ['shipped-old', 'shipped', hoursAgo(48)],
  ['failed-new', 'failed', minutesAgo(3)],
  ['failed-hour', 'failed', minutesAgo(45)],
];

const DEAD_LETTERS = { marketing: 2, accounting: 0, backorders: 1, outbox: 4 };

beforeAll(async () => {
  const base = await createTestDeps();
  deps = {
    ...base,
    clock: { now: () => NOW },
    queueDepths: { deadLetters: async () => ({ ...DEAD_LETTERS }) },
  };
  for (const [name, status, enteredAt] of seeded) await putOrder(name, status, enteredAt);

  for (const id of ['wh-live-1', 'wh-live-2']) {
    await putLocation(deps, {
      id,
      kind: 'warehouse',
      name: id,
      address: { line1: '1 Dock', city: 'Newark', postalCode: '07114', country: 'US' },
      shipsToHome: true,
      pickup: false,
      dailyCapacity: 0,
      cutoffTime: '23:59',
    });
  }
  // SKU-LOW-A: 3 available at wh-live-1 (low), 50 at wh-live-2. SKU-LOW-B: 10 on hand, 6 held back as
  // safety stock, 2 reserved: 2 available. SKU-FULL: plenty.
  await setOnHand(deps, 'wh-live-1', 'SKU-LOW-A', 3);
  await setOnHand(deps, 'wh-live-2', 'SKU-LOW-A', 50);
  await setOnHand(deps, 'wh-live-1', 'SKU-LOW-B', 10);
  await setSafetyStock(deps, 'wh-live-1', 'SKU-LOW-B', 6);
  await deps.db.send(
    new UpdateCommand({
      TableName: deps.tableName,
      Key: keys.stock('SKU-LOW-B', 'wh-live-1'),
      UpdateExpression: 'SET reserved = reserved + :q, available = available - :q',
      ExpressionAttributeValues: { ':q': 2 },
    }),
  );
  await setOnHand(deps, 'wh-live-1', 'SKU-FULL', 40);
});

describe('Given orders in several statuses since several times, and dead letters waiting', () => {
  describe('When the live metrics are read over the last 15 minutes', () => {
    it('counts the open orders by status', async () => {
      const metrics = await liveMetrics(deps, { windowMinutes: 15 });
      expect(metrics.ordersByStatus).toEqual({ placed: 2, allocated: 1, picking: 3, backordered: 2 });
    });

    it('counts the orders that entered each status in the window, and per minute', async () => {
      const metrics = await liveMetrics(deps, { windowMinutes: 15 });
      expect(metrics.generatedAt).toBe(NOW.toISOString());
      expect(metrics.window).toEqual({ minutes: 15, from: minutesAgo(15), to: NOW.toISOString() });
      expect(metrics.throughput.entered).toEqual({
        placed: 1,
        allocated: 0,
        picking: 1,
        partially_shipped: 0,
        shipped: 3,
        completed: 0,
        backordered: 1,
        cancelled: 0,
        failed: 1,
      });
      expect(Object.keys(metrics.throughput.perMinute)).toEqual([...ORDER_STATUSES]);
      expect(metrics.throughput.perMinute.shipped).toBe(0.2);
      expect(metrics.throughput.perMinute.placed).toBe(0.07);
    });

    it('reports backorders and failures of the window as allocation failures', async () => {
      const metrics = await liveMetrics(deps, { windowMinutes: 15 });
      expect(metrics.allocationFailures).toEqual({ backordered: 1, failed: 1, total: 2, perMinute: 0.13 });
    });

    it("finds the workflows stuck past the reconciler's stale mark, the oldest first", async () => {
      const metrics = await liveMetrics(deps, { windowMinutes: 15 });
      expect(metrics.stuckWorkflows).toEqual({
        staleAfterSeconds: DEFAULT_STALE_AFTER_SECONDS,
        enteredBefore: new Date(NOW.getTime() - DEFAULT_STALE_AFTER_SECONDS * 1000).toISOString(),
        byStatus: { placed: 1, allocated: 1, picking: 1 },
        total: 3,
        oldest: { orderId: idOf('picking-stuck'), status: 'picking', since: hoursAgo(40) },
      });
    });

    it('reports the depth of every dead-letter queue and their total', async () => {
      const metrics = await liveMetrics(deps, { windowMinutes: 15 });
      expect(metrics.deadLetterQueues).toEqual({ depths: DEAD_LETTERS, total: 7 });
    });
  });

  describe('When the window is an hour', () => {
    it('counts what entered in the hour', async () => {
      const metrics = await liveMetrics(deps, { windowMinutes: 60 });
      expect(metrics.throughput.entered).toMatchObject({ shipped: 4, failed: 2, backordered: 1, placed: 1 });
      expect(metrics.allocationFailures).toEqual({ backordered: 1, failed: 2, total: 3, perMinute: 0.05 });
      // The work in progress and the stuck workflows do not depend on the window.
      expect(metrics.ordersByStatus).toEqual({ placed: 2, allocated: 1, picking: 3, backordered: 2 });
      expect(metrics.stuckWorkflows.total).toBe(3);
    });
  });

  describe('When a stale mark of a day is used instead', () => {
    it('also counts the order waiting for its pick for 20 hours', async () => {
      const metrics = await liveMetrics(deps, { staleAfterSeconds: 12 * 3600 });
      expect(metrics.stuckWorkflows.byStatus).toEqual({ placed: 1, allocated: 1, picking: 2 });
    });
  });

  describe('When low stock is asked for some SKUs', () => {
    it('lists each location whose available-to-promise is at or below the threshold, lowest first', async () => {
      const metrics = await liveMetrics(deps, { skus: ['SKU-LOW-A', 'SKU-LOW-B', 'SKU-FULL', 'SKU-NONE'] });
      expect(metrics.lowStock).toEqual({
        threshold: 5,
        skus: ['SKU-LOW-A', 'SKU-LOW-B', 'SKU-FULL', 'SKU-NONE'],
        items: [
          {
            sku: 'SKU-LOW-B',
            locationId: 'wh-live-1',
            onHand: 10,
            reserved: 2,
            safetyStock: 6,
            available: 2,
          },
          { sku: 'SKU-LOW-A', locationId: 'wh-live-1', onHand: 3, reserved: 0, safetyStock: 0, available: 3 },
        ],
        notStocked: ['SKU-NONE'],
      });
    });

    it('uses the threshold asked for', async () => {
      const metrics = await liveMetrics(deps, { skus: ['SKU-LOW-A', 'SKU-FULL'], lowStockThreshold: 40 });
      expect(metrics.lowStock.items.map((item) => `${item.sku}@${item.locationId}`)).toEqual([
        'SKU-LOW-A@wh-live-1',
        'SKU-FULL@wh-live-1',
      ]);
    });

    it('checks no SKU when none is named', async () => {
      const metrics = await liveMetrics(deps);
      expect(metrics.lowStock).toEqual({ threshold: 5, skus: [], items: [], notStocked: [] });
    });
  });
});
