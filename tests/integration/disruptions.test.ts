import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as createHandler } from '../../functions/disruptions/create-disruption/handler.js';
import { handler as getHandler } from '../../functions/disruptions/get-disruption/handler.js';
import { handler as listHandler } from '../../functions/disruptions/list-disruptions/handler.js';
import { allocateOrder } from '../../shared/app/allocate-order.js';
import { billOrder } from '../../shared/app/bill-order.js';
import { confirmPick } from '../../shared/app/confirm-pick.js';
import { type DisruptionInput, DisruptionInputSchema } from '../../shared/app/disruption-input.js';
import {
  type CreateDisruptionResult,
  createDisruption,
  disruptionIdFor,
  getDisruptionView,
  listDisruptionViews,
  notificationTemplate,
} from '../../shared/app/disruptions.js';
import { setStock } from '../../shared/app/inventory.js';
import { placeOrder } from '../../shared/app/place-order.js';
import { selectCarrier } from '../../shared/app/select-carrier.js';
import { dayOf, defaultPromise } from '../../shared/domain/disruptions.js';
import type { FulfillmentChoice } from '../../shared/domain/order.js';
import { parseWith } from '../../shared/domain/validation.js';
import type { ApiEvent } from '../../shared/http/api.js';
import { provideDeps } from '../../shared/runtime/deps.js';
import { keys } from '../../shared/store/keys.js';
import { putLocation } from '../../shared/store/locations.js';
import { getOrderAggregate } from '../../shared/store/orders.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';

let deps: TestDeps;
let sequence = 0;
const RUN = Date.now().toString(36);
const HOUR = 3_600_000;

const location = (
  id: string,
  postalCode: string,
  coordinates: { lat: number; lon: number },
  pickup = false,
) =>
  putLocation(deps, {
    id,
    kind: pickup ? 'store' : 'warehouse',
    name: id,
    address: { line1: '1 Dock', city: 'Somewhere', postalCode, country: 'US', coordinates },
    shipsToHome: !pickup,
    pickup,
    dailyCapacity: 0,
    cutoffTime: '23:59',
  });

async function newOrder(
  postalCode: string,
  options: { placedAt?: string; fulfillment?: FulfillmentChoice } = {},
): Promise<string> {
  sequence += 1;
  const { orderId } = await placeOrder(deps, {
    order: {
      channel: 'direct',
      externalId: `disruption-${RUN}-${sequence}`,
      currency: 'USD',
      customer: { email: `customer${sequence}@example.com` },
      shippingAddress: { line1: `${sequence} Main St`, city: 'Town', postalCode, country: 'US' },
      lines: [{ sku: 'SKU-DZ', quantity: 1, unitPrice: 2500, discount: 0 }],
      shipping: 500,
      tax: 200,
      discount: 0,
      total: 3200,
      fulfillment: options.fulfillment ?? { type: 'ship' },
      ...(options.placedAt ? { placedAt: options.placedAt } : {}),
    },
  });
  return orderId;
}

/** An order allocated and waiting for its pick (`picking`), as the workflow's first step leaves it. */
async function pickingOrder(postalCode: string): Promise<string> {
  const orderId = await newOrder(postalCode);
  await allocateOrder(deps, { orderId, taskToken: `token-${orderId}` });
  expect((await getOrderAggregate(deps, orderId))?.order.status).toBe('picking');
  return orderId;
}

/** Confirms the order's pick in full and selects its carrier, as order-shipping's first step does. */
async function pickAndSelect(orderId: string) {
  const ticket = (await getOrderAggregate(deps, orderId))?.pickTickets[0];
  if (!ticket) throw new Error(`no pick ticket for ${orderId}`);
  await confirmPick(deps, {
    pickTicketId: ticket.id,
    lines: ticket.lines.map(({ sku, quantity }) => ({ sku, quantity })),
  });
  const { shipments } = await selectCarrier(deps, { orderId });
  return shipments;
}

const disruption = (body: Record<string, unknown>): DisruptionInput => parseWith(DisruptionInputSchema, body);

const delayed = async (orderIds: readonly string[]) =>
  (await deps.outbox()).filter(
    (event) =>
      event.detailType === 'OrderDelayed' &&
      orderIds.includes((event.detail.data as { orderId: string }).orderId),
  );

beforeAll(async () => {
  deps = await createTestDeps();
  await location('wh-dz-east', '07114', { lat: 40.7357, lon: -74.1724 });
  await location('wh-dz-west', '90001', { lat: 33.9731, lon: -118.2479 });
  await location('store-dz', '10001', { lat: 40.7506, lon: -73.9972 }, true);
  for (const id of ['wh-dz-east', 'wh-dz-west', 'store-dz']) {
    await setStock(deps, { locationId: id, sku: 'SKU-DZ', onHand: 1000 });
  }
});

describe('Given open and shipped orders in and out of a region', () => {
  const ids: Record<string, string> = {};
  let promise: string;
  let input: DisruptionInput;
  let result: CreateDisruptionResult;

  beforeAll(async () => {
    const now = Date.now();
    promise = defaultPromise(new Date(now).toISOString());
    // In the region (postal codes 100…), due inside the window.
    ids.placed = await newOrder('10001');
    ids.picking = await pickingOrder('10002');
    ids.pickup = await newOrder('94105', { fulfillment: { type: 'pickup', locationId: 'store-dz' } });
    ids.shipped = await pickingOrder('10003');
    await pickAndSelect(ids.shipped);
    await billOrder(deps, { orderId: ids.shipped });
    // In the region, but due before the window (already late) or long after it (its promise holds).
    ids.dueBefore = await newOrder('10005', { placedAt: new Date(now - 30 * 24 * HOUR).toISOString() });
    ids.dueAfter = await newOrder('10006', { placedAt: new Date(now + 40 * 24 * HOUR).toISOString() });
    // Outside the region: open, and shipped.
    ids.elsewhere = await newOrder('94105');
    ids.shippedElsewhere = await pickingOrder('94107');
    await pickAndSelect(ids.shippedElsewhere);
    await billOrder(deps, { orderId: ids.shippedElsewhere });

    input = disruption({
      id: `storm-${RUN}`,
      kind: 'weather',
      severity: 'high',
      startsAt: new Date(now - HOUR).toISOString(),
      endsAt: `${promise}T12:00:00Z`,
      area: { postalPrefixes: ['100'] },
      description: 'Nor’easter over Manhattan',
    });
    result = await createDisruption(deps, { disruption: input });
  });

  describe('When a weather disruption over the region is posted', () => {
    it('flags exactly the open orders shipping there and the shipment due there in its window', () => {
      const flagged = result.impact.affectedOrders.map((entry) => entry.orderId);
      expect(flagged).toEqual([ids.placed, ids.picking, ids.pickup, ids.shipped].sort());
      expect(result.impact.affectedOrders.find((entry) => entry.orderId === ids.shipped)).toMatchObject({
        status: 'shipped',
        reason: 'destination-in-area',
      });
      expect(result.impact.affectedOrders.find((entry) => entry.orderId === ids.pickup)?.reason).toBe(
        'pickup-store-affected',
      );
      expect(result.impact.counts).toMatchObject({
        affectedOrders: 4,
        repromised: 4,
        reselected: 0,
        notified: 4,
        byStatus: { placed: 2, picking: 1, shipped: 1 },
      });
    });

    it('moves their promise dates past the window and records why on each order', async () => {
      for (const entry of result.impact.affectedOrders) {
        expect(entry).toMatchObject({ action: 'repromised', notified: true, promise: { from: promise } });
        expect(entry.promise.to > dayOf(input.endsAt)).toBe(true);
        const aggregate = await getOrderAggregate(deps, entry.orderId);
        expect(aggregate?.order.promisedBy).toBe(entry.promise.to);
        expect(aggregate?.order.disruptionIds).toEqual([input.id]);
        expect(aggregate?.timeline).toContainEqual(
          expect.objectContaining({
            type: 'PromiseMoved',
            detail: expect.objectContaining({ from: promise, to: entry.promise.to, disruptionId: input.id }),
          }),
        );
      }
      for (const id of [ids.dueBefore, ids.dueAfter, ids.elsewhere, ids.shippedElsewhere]) {
        const order = (await getOrderAggregate(deps, id as string))?.order;
        expect(order?.promisedBy, id).toBeUndefined();
        expect(order?.disruptionIds, id).toBeUndefined();
      }
    });

    it('notifies each customer whose date moved once, and announces OrderDelayed once per order', async () => {
      const flagged = result.impact.affectedOrders.map((entry) => entry.orderId);
      for (const id of Object.values(ids)) {
        const notifications = (await getOrderAggregate(deps, id))?.notifications ?? [];
        const sent = notifications.filter((n) => n.template === notificationTemplate(input.id ?? ''));
        expect(sent, id).toHaveLength(flagged.includes(id) ? 1 : 0);
      }
      const events = await delayed(Object.values(ids));
      expect(events.map((event) => (event.detail.data as { orderId: string }).orderId).sort()).toEqual(
        flagged,
      );
      expect(events[0]?.detail.metadata.idempotencyKey).toMatch(/:delayed:storm-/);
    });

    it('stores the disruption in the shape the reporting job reads, and its report in the bucket', async () => {
      const item = (
        await deps.db.send(
          new GetCommand({ TableName: deps.tableName, Key: keys.disruption(input.id ?? '') }),
        )
      ).Item;
      expect(item).toMatchObject({
        gsi1pk: 'DISRUPTIONS',
        gsi1sk: `${input.startsAt}#${input.id}`,
        id: input.id,
        kind: 'weather',
        severity: 'high',
        startsAt: input.startsAt,
        endsAt: input.endsAt,
        area: { postalPrefixes: ['100'] },
        status: 'applied',
        affectedOrders: 4,
        repromised: 4,
        reselected: 0,
        impact: { counts: result.impact.counts, truncated: false },
      });
      expect(item?.impact.affectedOrders).toEqual(result.impact.affectedOrders);
      const report = await deps.objects.get(`disruptions/${input.id}.json`);
      expect(JSON.parse(Buffer.from(report ?? new Uint8Array()).toString('utf8')).impact).toEqual(
        result.impact,
      );
      expect(await getDisruptionView(deps, input.id ?? '')).toMatchObject({
        status: 'applied',
        affectedOrders: 4,
      });
      const listed = await listDisruptionViews(deps, {
        from: new Date(Date.now() - 24 * HOUR).toISOString(),
        to: new Date(Date.now() + 24 * HOUR).toISOString(),
        limit: 50,
      });
      expect(listed.items.map((view) => view.id)).toContain(input.id);
    });
  });

  describe('When the same disruption is posted again', () => {
    it('answers what was done and changes nothing', async () => {
      const before = await Promise.all(Object.values(ids).map((id) => getOrderAggregate(deps, id)));
      const eventsBefore = (await delayed(Object.values(ids))).length;
      const again = await createDisruption(deps, { disruption: input });
      expect(again.duplicate).toBe(true);
      expect(again.impact).toEqual(result.impact);
      const after = await Promise.all(Object.values(ids).map((id) => getOrderAggregate(deps, id)));
      expect(after).toEqual(before);
      expect((await delayed(Object.values(ids))).length).toBe(eventsBefore);
    });

    it('refuses the same id with another body', async () => {
      await expect(
        createDisruption(deps, { disruption: { ...input, severity: 'low' } }),
      ).rejects.toMatchObject({ statusCode: 409 });
    });
  });

  describe('When an interrupted post is retried', () => {
    it('finishes it without moving any promise or notifying twice', async () => {
      // A second, more severe disruption over part of the region moves the promises it finds further.
      const resumed = disruption({
        id: `resume-${RUN}`,
        kind: 'weather',
        severity: 'severe',
        startsAt: input.startsAt,
        endsAt: input.endsAt,
        area: { postalPrefixes: ['10001'] },
      });
      const first = await createDisruption(deps, { disruption: resumed });
      // As if that attempt had died after writing the orders, before the item said `applied`.
      await deps.db.send(
        new UpdateCommand({
          TableName: deps.tableName,
          Key: keys.disruption(resumed.id ?? ''),
          UpdateExpression: 'SET #status = :applying',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':applying': 'applying' },
        }),
      );
      const retried = await createDisruption(deps, { disruption: resumed });
      expect(retried.duplicate).toBe(false);
      expect(first.impact.affectedOrders.map((entry) => entry.orderId)).toEqual(
        [ids.placed, ids.pickup].sort(),
      );
      expect(retried.impact.affectedOrders.map((entry) => [entry.orderId, entry.promise])).toEqual(
        first.impact.affectedOrders.map((entry) => [entry.orderId, entry.promise]),
      );
      for (const entry of first.impact.affectedOrders) {
        const aggregate = await getOrderAggregate(deps, entry.orderId);
        expect(aggregate?.order.promisedBy).toBe(entry.promise.to);
        expect(aggregate?.timeline.filter((line) => line.detail?.disruptionId === resumed.id)).toHaveLength(
          1,
        );
        expect(
          aggregate?.notifications.filter((n) => n.template === notificationTemplate(resumed.id ?? '')),
        ).toHaveLength(1);
      }
    });
  });
});

describe('Given a carrier outage over a region', () => {
  const ids: Record<string, string> = {};
  let result: CreateDisruptionResult;
  let input: DisruptionInput;

  beforeAll(async () => {
    ids.inside = await pickingOrder('19103');
    ids.outside = await pickingOrder('20001');
    input = disruption({
      id: `outage-${RUN}`,
      kind: 'carrier-outage',
      severity: 'medium',
      startsAt: new Date(Date.now() - HOUR).toISOString(),
      endsAt: new Date(Date.now() + 48 * HOUR).toISOString(),
      area: { postalPrefixes: ['191'] },
      carriers: ['SIMPOST'],
    });
    result = await createDisruption(deps, { disruption: input });
    // Placed after the outage was posted: nothing is recorded on it, the rate shopper still avoids SIMPOST.
    ids.later = await pickingOrder('19104');
  });

  it('records the carrier to avoid on the open order there and keeps its promise, without telling the customer', async () => {
    expect(result.impact.affectedOrders).toEqual([
      expect.objectContaining({ orderId: ids.inside, action: 'carrier-avoided', notified: false }),
    ]);
    const entry = result.impact.affectedOrders[0];
    expect(entry?.promise.to).toBe(entry?.promise.from);
    expect(result.impact.counts).toMatchObject({ affectedOrders: 1, reselected: 1, repromised: 0 });
    const aggregate = await getOrderAggregate(deps, ids.inside as string);
    expect(aggregate?.order.avoidCarriers).toEqual([
      { disruptionId: input.id, carriers: ['SIMPOST'], from: input.startsAt, to: input.endsAt },
    ]);
    expect(aggregate?.order.promisedBy).toBeUndefined();
    expect(aggregate?.notifications).toEqual([]);
    expect(await delayed([ids.inside as string])).toEqual([]);
  });

  it('ships the orders there with another carrier, and the ones elsewhere as before', async () => {
    const [inside] = await pickAndSelect(ids.inside as string);
    const [later] = await pickAndSelect(ids.later as string);
    const [outside] = await pickAndSelect(ids.outside as string);
    for (const shipment of [inside, later]) {
      expect(shipment?.carrier).toBe('SIMPARCEL');
      expect(shipment?.options.every((option) => (option as { carrier: string }).carrier !== 'SIMPOST')).toBe(
        true,
      );
    }
    // The cheapest service that keeps the promise, when nothing is out.
    expect(outside?.carrier).toBe('SIMPOST');
  });
});

describe('Given the HTTP routes', () => {
  const context = { getRemainingTimeInMillis: () => 30_000 } as unknown as Context;
  const event = (method: string, path: string, extra: Partial<ApiEvent> = {}): ApiEvent =>
    ({
      version: '2.0',
      routeKey: `${method} ${path}`,
      rawPath: path,
      rawQueryString: '',
      headers: { 'content-type': 'application/json', ...extra.headers },
      isBase64Encoded: false,
      requestContext: { http: { method, path } },
      ...extra,
    }) as unknown as ApiEvent;

  beforeAll(() => provideDeps(deps));

  it('answers 201 for a new disruption named by its Idempotency-Key, 200 for its retry', async () => {
    const body = JSON.stringify({
      kind: 'weather',
      severity: 'low',
      startsAt: new Date(Date.now() - HOUR).toISOString(),
      endsAt: new Date(Date.now() + HOUR).toISOString(),
      area: { center: { lat: 64.1466, lon: -21.9426 }, radiusKm: 30 },
    });
    const headers = { 'idempotency-key': `http-${RUN}` };
    const created = await createHandler(event('POST', '/disruptions', { body, headers }), context);
    expect(created.statusCode, created.body).toBe(201);
    const parsed = JSON.parse(created.body ?? '{}');
    expect(parsed.disruption.id).toBe(disruptionIdFor(`http-${RUN}`));
    expect(parsed.impact.counts.affectedOrders).toBe(0);
    const retried = await createHandler(event('POST', '/disruptions', { body, headers }), context);
    expect(retried.statusCode).toBe(200);
    expect(JSON.parse(retried.body ?? '{}').duplicate).toBe(true);

    const one = await getHandler(
      event('GET', '/disruptions/{id}', { pathParameters: { id: parsed.disruption.id } }),
      context,
    );
    expect(one.statusCode).toBe(200);
    const list = await listHandler(
      event('GET', '/disruptions', { queryStringParameters: { from: dayOf(new Date()), limit: '5' } }),
      context,
    );
    expect(list.statusCode).toBe(200);
    expect(JSON.parse(list.body ?? '{}').items.length).toBeGreaterThan(0);
  });

  it('answers 400 naming the field for a bad body, and 404 for an unknown id', async () => {
    const bad = await createHandler(
      event('POST', '/disruptions', {
        body: JSON.stringify({
          id: 'bad',
          kind: 'weather',
          severity: 'low',
          startsAt: '2026-03-05T00:00:00Z',
          endsAt: '2026-03-04T00:00:00Z',
          area: { postalPrefixes: ['1'] },
        }),
      }),
      context,
    );
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body ?? '{}').error.fields).toEqual([
      { field: 'endsAt', message: 'must be after startsAt' },
    ]);
    const unnamed = await createHandler(
      event('POST', '/disruptions', {
        body: JSON.stringify({
          kind: 'weather',
          severity: 'low',
          startsAt: '2026-03-05T00:00:00Z',
          endsAt: '2026-03-06T00:00:00Z',
          area: { postalPrefixes: ['1'] },
          locations: ['no-such-location'],
        }),
        headers: { 'idempotency-key': `unknown-location-${RUN}` },
      }),
      context,
    );
    expect(unnamed.statusCode).toBe(400);
    expect(JSON.parse(unnamed.body ?? '{}').error.fields[0].field).toBe('locations[0]');
    const missing = await getHandler(
      event('GET', '/disruptions/{id}', { pathParameters: { id: 'nope' } }),
      context,
    );
    expect(missing.statusCode).toBe(404);
  });
});
