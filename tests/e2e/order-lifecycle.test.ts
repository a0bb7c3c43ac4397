import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderIdFor } from '../../shared/app/place-order.js';
import { signShopify, signWooCommerce, standardWebhookHeaders } from '../../shared/intake/signatures.js';
import { batchGet, type ItemKey } from '../../shared/store/db.js';
import { keys } from '../../shared/store/keys.js';
import {
  directOrder,
  FIXTURE_TOTALS,
  shopifyOrder,
  standardOrder,
  TEST_SECRETS,
  wooOrder,
} from '../support/fixtures.js';
import { eventually, type Reply, startTestRuntime, type TestRuntime } from '../support/runtime.js';

let oms: TestRuntime;

beforeAll(async () => {
  oms = await startTestRuntime({ pickTimeoutSeconds: 4 });
});

afterAll(async () => {
  await oms?.stop();
});

const deliverShopify = (payload: object, deliveryId: string, signWith: string = TEST_SECRETS.shopify) => {
  const body = JSON.stringify(payload);
  return oms.request('POST', '/webhooks/shopify', body, {
    'x-shopify-topic': 'orders/create',
    'x-shopify-webhook-id': deliveryId,
    'x-shopify-hmac-sha256': signShopify(body, signWith),
  });
};

/**
 * A Shopify order for `quantity` units of `sku` worth 57.50 in all (same shipping and tax as the fixture, so
 * totals add up). Tests that compare stock before and after use a SKU of their own: other orders' workflows
 * in this runtime time out and release stock in the background.
 */
const singleSkuOrder = (sku: string, quantity: 1 | 2 = 1, email?: string) => {
  const payload = shopifyOrder(email ? { email } : {});
  payload.line_items = [
    {
      ...payload.line_items[0],
      sku,
      quantity,
      price: quantity === 1 ? '57.50' : '28.75',
      discount_allocations: [],
    },
  ] as never;
  payload.total_discounts = '0.00';
  return payload;
};

const stockUp = async (sku: string, onHand: number) =>
  expect((await oms.request('PUT', `/inventory/wh-east/${sku}`, { onHand })).status).toBe(200);

const getOrder = async (id: string) => (await oms.request('GET', `/orders/${id}`)).body;

const orderInStatus = (id: string, status: string) =>
  eventually(async () => {
    const order = await getOrder(id);
    return order?.status === status ? order : undefined;
  });

/** The workflow's end: shipped, billed and the customer notified; then the accounting consumer's sale entry. */
const orderShippedAndNotified = (id: string) =>
  eventually(async () => {
    const order = await getOrder(id);
    const done =
      order?.status === 'shipped' &&
      order.notifications.some((n: { template: string }) => n.template === 'order-shipped') &&
      order.journal.length > 0;
    return done ? order : undefined;
  });

const stockOf = async (sku: string, locationId: string) => {
  const reply = await oms.request('GET', `/inventory/${sku}`);
  return reply.body.locations.find((row: { locationId: string }) => row.locationId === locationId);
};

const inboxItem = async (consumer: string, idempotencyKey: string) =>
  (
    await oms.deps.db.send(
      new GetCommand({ TableName: oms.tableName, Key: keys.inbox(consumer, idempotencyKey) }),
    )
  ).Item;

const confirmAll = (order: { pickTickets: { id: string; lines: { sku: string; quantity: number }[] }[] }) => {
  const [ticket] = order.pickTickets;
  if (!ticket) throw new Error('no pick ticket');
  return oms.request('POST', `/pick-tickets/${ticket.id}/confirm`, {
    lines: ticket.lines.map(({ sku, quantity }) => ({ sku, quantity })),
  });
};

describe('Given a signed Shopify orders/create delivery', () => {
  const payload = shopifyOrder({ email: 'lifecycle@example.com' });
  let orderId: string;
  let picking: Reply['body'];
  let eastBefore: { onHand: number; reserved: number };

  beforeAll(async () => {
    eastBefore = await stockOf('SKU-TSHIRT-M', 'wh-east');
    const reply = await deliverShopify(payload, `wh-${payload.id}`);
    expect(reply.status).toBe(201);
    expect(reply.body.duplicate).toBe(false);
    orderId = reply.body.orderId;
    picking = await orderInStatus(orderId, 'picking');
  });

  it('becomes an order in picking with a pick ticket and reserved stock', async () => {
    expect(picking).toMatchObject({
      id: orderId,
      channel: 'shopify',
      externalId: String(payload.id),
      currency: 'USD',
      totals: { grand: FIXTURE_TOTALS.total },
      payment: { status: 'authorized' },
    });
    expect(picking.pickTickets).toHaveLength(1);
    expect(picking.pickTickets[0]).toMatchObject({ locationId: 'wh-east', status: 'open' });
    expect(picking.allocations[0]).toMatchObject({ locationId: 'wh-east' });
    expect(picking.allocations[0].rule).toBe('single-location');
    expect(picking.allocations[0].reason).toMatch(/wh-east/);
    const east = await stockOf('SKU-TSHIRT-M', 'wh-east');
    expect(east.reserved).toBe(eastBefore.reserved + 2);
    expect(east.available).toBe(east.onHand - east.reserved);
  });

  describe('When the same delivery arrives again', () => {
    it('answers with the same order id, marked duplicate, and starts no second workflow', async () => {
      const reply = await deliverShopify(payload, `wh-${payload.id}`);
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ orderId, duplicate: true });
      expect(oms.engine.list().filter((execution) => execution.name === orderId)).toHaveLength(1);
    });
  });

  describe('When the same order arrives under a new delivery id', () => {
    it('is the same order', async () => {
      const reply = await deliverShopify(payload, `wh-${payload.id}-retry`);
      expect(reply.body).toEqual({ orderId, duplicate: true });
    });
  });

  describe('When the warehouse confirms the full pick', () => {
    let shipped: Reply['body'];

    beforeAll(async () => {
      const reply = await confirmAll(picking);
      expect(reply.status).toBe(200);
      shipped = await orderShippedAndNotified(orderId);
    });

    it('ships the order with the payment captured', () => {
      expect(shipped.payment).toMatchObject({ status: 'captured', captured: FIXTURE_TOTALS.total });
    });

    it('ships with a carrier, a service and a tracking number', () => {
      expect(shipped.shipments).toHaveLength(1);
      expect(shipped.shipments[0].carrier).toMatch(/^SIM/);
      expect(shipped.shipments[0].service).toEqual(expect.any(String));
      expect(shipped.shipments[0].trackingNumber).toMatch(/^[A-Z]{3}\d{18}$/);
    });

    it('posts a balanced sale to the ledger', () => {
      expect(shipped.journal).toHaveLength(1);
      const [entry] = shipped.journal;
      const debits = entry.lines.reduce((sum: number, line: { debit: number }) => sum + line.debit, 0);
      const credits = entry.lines.reduce((sum: number, line: { credit: number }) => sum + line.credit, 0);
      expect(debits).toBe(credits);
      expect(debits).toBe(FIXTURE_TOTALS.total + FIXTURE_TOTALS.discount);
    });

    it('records a customer notification', () => {
      // The order-confirmed notice comes from the notifications queue, on its own time: only shipped is certain.
      expect(
        shipped.notifications.filter((n: { template: string }) => n.template === 'order-shipped'),
      ).toEqual([
        expect.objectContaining({ template: 'order-shipped', channel: 'email', to: 'lifecycle@example.com' }),
      ]);
    });

    it('takes the shipped stock out of both on-hand and reserved', async () => {
      const east = await stockOf('SKU-TSHIRT-M', 'wh-east');
      expect(east.onHand).toBe(eastBefore.onHand - 2);
      expect(east.reserved).toBe(eastBefore.reserved);
    });

    it('keeps a timeline of every step in order', () => {
      // The order-confirmed notice's line lands whenever the notifications queue gets to it: left out here.
      const steps = shipped.timeline.filter(
        (entry: { type: string; detail?: { template?: string } }) =>
          entry.type !== 'CustomerNotified' || entry.detail?.template === 'order-shipped',
      );
      expect(steps.map((entry: { type: string }) => entry.type)).toEqual([
        'OrderPlaced',
        'OrderAllocated',
        'PickConfirmed',
        'CarrierSelected',
        'PaymentCaptured',
        'CustomerNotified',
      ]);
      for (const entry of shipped.timeline) expect(Number.isNaN(Date.parse(entry.at))).toBe(false);
    });

    it('delivers the events to the marketing and the accounting queues', async () => {
      await eventually(async () => (await inboxItem('marketing', `${orderId}:placed`)) ?? undefined);
      expect(await inboxItem('marketing', `${orderId}:placed`)).toMatchObject({ detailType: 'OrderPlaced' });
      // Accounting's record of PaymentCaptured is the sale it posted (its id is fixed by the event).
      expect(shipped.journal.map((entry: { id: string }) => entry.id)).toEqual([
        `je_${orderId.slice(4)}_sale`,
      ]);
      // Each queue gets only what its consumer reads (shared/config/event-rules.ts).
      expect(await inboxItem('marketing', `${orderId}:shipped`)).toBeUndefined();
      expect(oms.deadLetters.marketing.depth + oms.deadLetters.accounting.depth).toBe(0);
    });

    it('answers a repeated confirmation as before', async () => {
      const reply = await confirmAll(picking);
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ status: 'confirmed', duplicate: true });
    });

    it('lists the order by status and email', async () => {
      const reply = await oms.request('GET', '/orders?status=shipped&email=lifecycle@example.com');
      expect(reply.status).toBe(200);
      expect(reply.body.items.map((item: { id: string }) => item.id)).toEqual([orderId]);
    });
  });
});

describe('Given deliveries that must be refused', () => {
  it('refuses a tampered body with 401 and stores nothing', async () => {
    const payload = shopifyOrder();
    const body = JSON.stringify(payload);
    const signature = signShopify(body, TEST_SECRETS.shopify);
    const tampered = body.replace('"quantity":2', '"quantity":20');
    expect(tampered).not.toBe(body);
    const reply = await oms.request('POST', '/webhooks/shopify', tampered, {
      'x-shopify-webhook-id': `t-${payload.id}`,
      'x-shopify-hmac-sha256': signature,
    });
    expect(reply.status).toBe(401);
    expect(reply.body.error.code).toBe('unauthorized');
    expect((await oms.request('GET', `/orders/${orderIdFor('shopify', String(payload.id))}`)).status).toBe(
      404,
    );
  });

  it('refuses a delivery without a signature with 401', async () => {
    const reply = await oms.request('POST', '/webhooks/shopify', shopifyOrder());
    expect(reply.status).toBe(401);
  });

  it('refuses a delivery signed with another secret with 401', async () => {
    const payload = shopifyOrder();
    const reply = await deliverShopify(payload, `w-${payload.id}`, 'not-the-secret');
    expect(reply.status).toBe(401);
  });

  it('answers a signed malformed body with 400', async () => {
    const body = '{"id": 1, "line_items": [';
    const reply = await oms.request('POST', '/webhooks/shopify', body, {
      'x-shopify-hmac-sha256': signShopify(body, TEST_SECRETS.shopify),
    });
    expect(reply.status).toBe(400);
    expect(reply.body.error.fields[0].field).toBe('(body)');
  });

  it('answers a signed order without a SKU with 400 naming the field', async () => {
    const payload = shopifyOrder();
    (payload.line_items[0] as { sku: string | null }).sku = null;
    const reply = await deliverShopify(payload, `m-${payload.id}`);
    expect(reply.status).toBe(400);
    expect(reply.body.error.fields.map((field: { field: string }) => field.field)).toContain(
      'line_items[0].sku',
    );
  });

  it('answers totals that do not add up with 422 and the reason', async () => {
    const payload = shopifyOrder({ total_price: '70.00' });
    const reply = await deliverShopify(payload, `x-${payload.id}`);
    expect(reply.status).toBe(422);
    expect(reply.body.error.message).toMatch(/total 7000 does not equal/);
    expect((await oms.request('GET', `/orders/${orderIdFor('shopify', String(payload.id))}`)).status).toBe(
      404,
    );
  });
});

describe('Given a Standard Webhooks delivery', () => {
  const send = (payload: object, id: string, timestamp: number) => {
    const body = JSON.stringify(payload);
    return oms.request(
      'POST',
      '/webhooks/standard',
      body,
      standardWebhookHeaders({ id, timestamp: String(timestamp), body, secret: TEST_SECRETS.standard }),
    );
  };

  it('accepts it, answers a redelivery as a duplicate and refuses a replay older than five minutes', async () => {
    const payload = standardOrder();
    const now = Math.floor(Date.now() / 1000);
    const first = await send(payload, 'msg_std_1', now);
    expect(first.status).toBe(201);
    const again = await send(payload, 'msg_std_1', now);
    expect(again.body).toEqual({ orderId: first.body.orderId, duplicate: true });
    const replay = await send(payload, 'msg_std_1', now - 301);
    expect(replay.status).toBe(401);
  });
});

describe('Given WooCommerce', () => {
  it('answers the creation ping with 200', async () => {
    const reply = await oms.request('POST', '/webhooks/woocommerce', 'webhook_id=15', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(reply.status).toBe(200);
  });

  it('places a signed order.created delivery', async () => {
    const body = JSON.stringify(wooOrder());
    const reply = await oms.request('POST', '/webhooks/woocommerce', body, {
      'x-wc-webhook-signature': signWooCommerce(body, TEST_SECRETS.woocommerce),
      'x-wc-webhook-delivery-id': '77',
    });
    expect(reply.status).toBe(201);
    await orderInStatus(reply.body.orderId, 'picking');
  });
});

describe('Given the direct orders API', () => {
  it('needs an Idempotency-Key and answers a retry with the same order', async () => {
    const body = directOrder();
    const missing = await oms.request('POST', '/orders', body);
    expect(missing.status).toBe(400);
    expect(missing.body.error.fields[0].field).toBe('Idempotency-Key');

    const key = `key-${Date.now()}-direct`;
    const first = await oms.request('POST', '/orders', body, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    const retry = await oms.request('POST', '/orders', body, { 'idempotency-key': key });
    expect(retry.body).toEqual({ orderId: first.body.orderId, duplicate: true });
    const changed = await oms.request(
      'POST',
      '/orders',
      { ...body, shipping: body.shipping + 1, total: body.total + 1 },
      {
        'idempotency-key': key,
      },
    );
    expect(changed.status).toBe(409);
  });
});

describe('Given an order the warehouse cannot fully pick', () => {
  it('ships and bills what was picked, releases the rest and backorders it (no other location has it)', async () => {
    await stockUp('SKU-SHORT', 9);
    const before = await stockOf('SKU-SHORT', 'wh-east');
    const payload = singleSkuOrder('SKU-SHORT', 2);
    const { body } = await deliverShopify(payload, `s-${payload.id}`);
    const order = await orderInStatus(body.orderId, 'picking');
    const ticket = order.pickTickets[0];
    expect((await stockOf('SKU-SHORT', 'wh-east')).reserved).toBe(2);
    const reply = await oms.request('POST', `/pick-tickets/${ticket.id}/confirm`, {
      lines: [{ sku: 'SKU-SHORT', quantity: 1 }],
    });
    expect(reply.body.status).toBe('short');
    expect(reply.body.remainder).toEqual({
      reroutedTo: [],
      backordered: [{ sku: 'SKU-SHORT', quantity: 1 }],
    });
    const partial = await orderInStatus(body.orderId, 'partially_shipped');
    expect(partial.backorder.missing).toEqual([{ sku: 'SKU-SHORT', quantity: 1 }]);
    expect(partial.payment.status).toBe('authorized');
    expect(partial.payment.captured).toBeGreaterThan(0);
    expect(partial.payment.captured).toBeLessThan(partial.totals.grand);
    expect(partial.timeline.map((entry: { type: string }) => entry.type)).toEqual(
      expect.arrayContaining(['PickShort', 'RemainderBackordered', 'PaymentCaptured']),
    );
    // The printable ticket comes over HTTP as a PDF (base64 through the API, bytes to the client).
    const pdf = await fetch(`${oms.url}/pick-tickets/${ticket.id}/pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const printed = await extractText(await getDocumentProxy(new Uint8Array(await pdf.arrayBuffer())), {
      mergePages: true,
    });
    expect(printed.text).toContain(ticket.id);
    expect(printed.text).toContain('SKU-SHORT');
    // The unit picked left on-hand, and so did the one the picker did not find (written off with a correction);
    // nothing stays reserved for it.
    expect(await stockOf('SKU-SHORT', 'wh-east')).toMatchObject({
      onHand: before.onHand - 2,
      reserved: before.reserved,
    });
  });
});

describe('Given a pick that is never confirmed', () => {
  it('times out, then compensates: payment voided, stock released, order failed', async () => {
    await stockUp('SKU-TIMEOUT', 5);
    const before = await stockOf('SKU-TIMEOUT', 'wh-east');
    const payload = singleSkuOrder('SKU-TIMEOUT');
    const { body } = await deliverShopify(payload, `to-${payload.id}`);
    const picking = await orderInStatus(body.orderId, 'picking');
    const failed = await eventually(async () => {
      const order = await getOrder(body.orderId);
      return order.status === 'failed' ? order : undefined;
    }, 20_000);
    expect(picking.allocations[0].locationId).toBe('wh-east');
    expect(failed.payment.status).toBe('voided');
    expect(await stockOf('SKU-TIMEOUT', 'wh-east')).toEqual(before);
    const late = await confirmAll(picking);
    expect(late.status).toBe(409);
  });
});

describe('Given a SKU with no stock anywhere', () => {
  it('backorders the order without reserving anything', async () => {
    const put = await oms.request('PUT', '/inventory/wh-east/SKU-RARE', { onHand: 0 });
    expect(put.status).toBe(200);
    const payload = singleSkuOrder('SKU-RARE');
    const reply = await deliverShopify(payload, `b-${payload.id}`);
    expect(reply.status).toBe(201);
    const order = await orderInStatus(reply.body.orderId, 'backordered');
    expect(order.pickTickets).toEqual([]);
    expect(await stockOf('SKU-RARE', 'wh-east')).toMatchObject({ onHand: 0, reserved: 0, available: 0 });
  });
});

describe('Given the inventory API', () => {
  it('sets stock for a new SKU and shows it per location', async () => {
    const put = await oms.request('PUT', '/inventory/store-nyc/SKU-NEW-1', { onHand: 7 });
    expect(put.status).toBe(200);
    const reply = await oms.request('GET', '/inventory/SKU-NEW-1');
    expect(reply.body).toMatchObject({
      sku: 'SKU-NEW-1',
      locations: [{ locationId: 'store-nyc', onHand: 7, reserved: 0, available: 7 }],
    });
  });

  it('refuses a negative count with 400 and an unknown location with 404', async () => {
    expect((await oms.request('PUT', '/inventory/store-nyc/SKU-NEW-1', { onHand: -1 })).status).toBe(400);
    expect((await oms.request('PUT', '/inventory/nowhere/SKU-NEW-1', { onHand: 1 })).status).toBe(404);
  });

  it('lists the demo locations with their kinds', async () => {
    const reply = await oms.request('GET', '/locations');
    expect(reply.body.map((location: { id: string; kind: string }) => [location.id, location.kind])).toEqual(
      expect.arrayContaining([
        ['wh-east', 'warehouse'],
        ['wh-west', 'warehouse'],
        ['store-nyc', 'store'],
      ]),
    );
  });
});

describe('Given the ledger', () => {
  it('has only balanced entries', async () => {
    // The ledger index holds keys only: the day's keys, then the entries themselves.
    const postings = await oms.deps.db.send(
      new QueryCommand({
        TableName: oms.tableName,
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :pk',
        ExpressionAttributeValues: { ':pk': `LEDGER#${new Date().toISOString().slice(0, 10)}` },
      }),
    );
    const entries = await batchGet(oms.deps, (postings.Items ?? []) as ItemKey[]);
    expect(entries.length).toBeGreaterThan(0);
    expect(entries).toHaveLength(postings.Items?.length ?? 0);
    for (const entry of entries) {
      const lines = entry.lines as { debit: number; credit: number }[];
      expect(lines.reduce((sum, line) => sum + line.debit - line.credit, 0)).toBe(0);
    }
  });
});

describe('Given several orders of one customer', () => {
  it('pages through them newest first with a cursor', async () => {
    const email = `pager-${Date.now()}@example.com`;
    const ids: string[] = [];
    for (let index = 0; index < 3; index += 1) {
      const order = directOrder();
      const reply = await oms.request(
        'POST',
        '/orders',
        { ...order, customer: { ...order.customer, email } },
        { 'idempotency-key': `pager-${Date.now()}-${index}` },
      );
      expect(reply.status).toBe(201);
      ids.push(reply.body.orderId);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 5; page += 1) {
      const query: string = `/orders?email=${encodeURIComponent(email)}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const reply = await oms.request('GET', query);
      expect(reply.status).toBe(200);
      expect(reply.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...reply.body.items.map((item: { id: string }) => item.id));
      cursor = reply.body.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual([...ids].reverse());
  });

  it('refuses a listing with neither status nor email', async () => {
    const reply = await oms.request('GET', '/orders');
    expect(reply.status).toBe(400);
    expect(reply.body.error.fields.map((field: { field: string }) => field.field)).toEqual([
      'status',
      'email',
    ]);
  });
});

describe('Given a card the gateway declines', () => {
  it('fails the order with the payment declined and reserves nothing', async () => {
    await stockUp('SKU-DECLINE', 5);
    const before = await stockOf('SKU-DECLINE', 'wh-east');
    const payload = singleSkuOrder('SKU-DECLINE', 1, 'decline+decline@example.com');
    const reply = await deliverShopify(payload, `d-${payload.id}`);
    expect(reply.status).toBe(201);
    const failed = await orderInStatus(reply.body.orderId, 'failed');
    expect(failed.payment.status).toBe('declined');
    expect(failed.pickTickets).toEqual([]);
    expect(await stockOf('SKU-DECLINE', 'wh-east')).toEqual(before);
  });
});
