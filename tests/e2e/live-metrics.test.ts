import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUE_NAMES } from '../../shared/config/functions.js';
import { ORDER_STATUSES } from '../../shared/domain/order.js';
import { signShopify } from '../../shared/intake/signatures.js';
import { shopifyOrder, TEST_SECRETS } from '../support/fixtures.js';
import { eventually, startTestRuntime, type TestRuntime } from '../support/runtime.js';

/**
 * `GET /metrics/live` through the local runtime: real HTTP, the handler, DynamoDB Local and the in-process
 * dead-letter queues. The exact figures are checked in tests/integration/live-metrics.test.ts; this checks
 * the route answers with the shape and that the orders placed here show in it.
 */
let oms: TestRuntime;

beforeAll(async () => {
  oms = await startTestRuntime({ pickTimeoutSeconds: 60 });
});

afterAll(async () => {
  await oms?.stop();
});

const singleSkuOrder = (sku: string) => {
  const payload = shopifyOrder();
  payload.line_items = [
    { ...payload.line_items[0], sku, quantity: 1, price: '57.50', discount_allocations: [] },
  ] as never;
  payload.total_discounts = '0.00';
  return payload;
};

const deliver = async (sku: string) => {
  const body = JSON.stringify(singleSkuOrder(sku));
  const reply = await oms.request('POST', '/webhooks/shopify', body, {
    'x-shopify-topic': 'orders/create',
    'x-shopify-webhook-id': `live-${sku}-${Date.now()}`,
    'x-shopify-hmac-sha256': signShopify(body, TEST_SECRETS.shopify),
  });
  expect(reply.status).toBe(201);
  return reply.body.orderId as string;
};

const orderIn = (id: string, status: string) =>
  eventually(async () => {
    const order = (await oms.request('GET', `/orders/${id}`)).body;
    return order?.status === status ? order : undefined;
  }, 30_000);

const statusMap = (keys: readonly string[]) =>
  Object.fromEntries(keys.map((key) => [key, expect.any(Number)]));

describe('Given the local runtime', () => {
  describe('When the live metrics are asked for', () => {
    it('answers 200 with every figure', async () => {
      const reply = await oms.request('GET', '/metrics/live');
      expect(reply.status, reply.text).toBe(200);
      expect(reply.body).toEqual({
        generatedAt: expect.any(String),
        window: { minutes: 15, from: expect.any(String), to: reply.body.generatedAt },
        ordersByStatus: statusMap(['placed', 'allocated', 'picking', 'backordered']),
        throughput: { entered: statusMap(ORDER_STATUSES), perMinute: statusMap(ORDER_STATUSES) },
        allocationFailures: {
          backordered: expect.any(Number),
          failed: expect.any(Number),
          total: expect.any(Number),
          perMinute: expect.any(Number),
        },
        stuckWorkflows: {
          staleAfterSeconds: 26 * 3600,
          enteredBefore: expect.any(String),
          byStatus: statusMap(['placed', 'allocated', 'picking']),
          total: expect.any(Number),
          oldest: null,
        },
        // Locally the table stream has no dead-letter queue: only the event queues' are listed.
        deadLetterQueues: { depths: statusMap(QUEUE_NAMES), total: expect.any(Number) },
        lowStock: { threshold: 5, skus: [], items: [], notStocked: [] },
      });
    });

    it('refuses a window it does not offer', async () => {
      const reply = await oms.request('GET', '/metrics/live?windowMinutes=0');
      expect(reply.status).toBe(400);
      expect(reply.body.error.fields).toEqual([{ field: 'windowMinutes', message: expect.any(String) }]);
    });
  });

  describe('When orders are placed, one picking and one backordered, and a message is dead-lettered', () => {
    it('shows them in the figures', async () => {
      const before = (await oms.request('GET', '/metrics/live?windowMinutes=5')).body;
      expect((await oms.request('PUT', '/inventory/wh-east/SKU-LIVE-E2E', { onHand: 5 })).status).toBe(200);
      expect((await oms.request('PUT', '/inventory/wh-east/SKU-LIVE-NONE', { onHand: 0 })).status).toBe(200);
      await orderIn(await deliver('SKU-LIVE-E2E'), 'picking');
      await orderIn(await deliver('SKU-LIVE-NONE'), 'backordered');
      oms.deadLetters.marketing.send(JSON.stringify({ detail: 'gave up' }));

      const reply = await oms.request(
        'GET',
        '/metrics/live?windowMinutes=5&sku=SKU-LIVE-E2E,SKU-LIVE-NONE,SKU-LIVE-NOWHERE&lowStockThreshold=4',
      );
      expect(reply.status, reply.text).toBe(200);
      const after = reply.body;
      expect(after.window.minutes).toBe(5);
      expect(after.ordersByStatus.picking).toBe(before.ordersByStatus.picking + 1);
      expect(after.ordersByStatus.backordered).toBe(before.ordersByStatus.backordered + 1);
      expect(after.throughput.entered.picking).toBe(before.throughput.entered.picking + 1);
      expect(after.allocationFailures.backordered).toBe(before.allocationFailures.backordered + 1);
      expect(after.deadLetterQueues).toEqual({
        depths: {
          ...before.deadLetterQueues.depths,
          marketing: before.deadLetterQueues.depths.marketing + 1,
        },
        total: before.deadLetterQueues.total + 1,
      });
      // SKU-LIVE-E2E: 5 on hand, 1 reserved by the picking order → 4, at the threshold.
      expect(after.lowStock).toEqual({
        threshold: 4,
        skus: ['SKU-LIVE-E2E', 'SKU-LIVE-NONE', 'SKU-LIVE-NOWHERE'],
        items: [
          {
            sku: 'SKU-LIVE-NONE',
            locationId: 'wh-east',
            onHand: 0,
            reserved: 0,
            safetyStock: 0,
            available: 0,
          },
          {
            sku: 'SKU-LIVE-E2E',
            locationId: 'wh-east',
            onHand: 5,
            reserved: 1,
            safetyStock: 0,
            available: 4,
          },
        ],
        notStocked: ['SKU-LIVE-NOWHERE'],
      });
    });
  });
});
