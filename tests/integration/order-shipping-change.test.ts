import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderAudit } from '../../shared/app/agent-actions.js';
import { changeOrderShipping } from '../../shared/app/order-shipping-change.js';
import { workflowName } from '../../shared/app/place-order.js';
import type { CarrierGateway } from '../../shared/ports/carrier-gateway.js';
import type { Deps } from '../../shared/runtime/deps.js';
import { keys } from '../../shared/store/keys.js';
import { directOrder } from '../support/fixtures.js';
import { eventually, startTestRuntime, type TestRuntime } from '../support/runtime.js';

let oms: TestRuntime;
let asAgent: Record<string, string>;
let sequence = 0;
const labels: Parameters<CarrierGateway['createLabel']>[0][] = [];

const NYC = {
  name: 'Ada Lovelace',
  line1: '224 W 35th St',
  city: 'New York',
  region: 'NY',
  postalCode: '10001',
  country: 'US',
};
const RENO = {
  name: 'Ada Lovelace',
  line1: '1 Virginia St',
  city: 'Reno',
  region: 'NV',
  postalCode: '89501',
  country: 'US',
};

const location = (id: string, kind: 'warehouse' | 'store', postalCode: string, city: string) => ({
  id,
  kind,
  name: id,
  address: { line1: '1 Dock', city, postalCode, country: 'US' },
  shipsToHome: kind === 'warehouse',
  pickup: kind === 'store',
});

const stock = async (locationId: string, sku: string, onHand: number) =>
  expect((await oms.request('PUT', `/inventory/${locationId}/${sku}`, { onHand })).status).toBe(200);

/** Available and reserved units of a SKU at one location. */
async function at(sku: string, locationId: string) {
  const reply = await oms.request('GET', `/inventory/${sku}`);
  const row = reply.body.locations.find((entry: { locationId: string }) => entry.locationId === locationId);
  return { available: row?.available ?? 0, reserved: row?.reserved ?? 0 };
}

/** A direct order for `quantity` units of `sku`, placed over HTTP and driven by its workflow to `picking`. */
async function placePicking(sku: string, quantity: number, extra: Record<string, unknown> = {}) {
  sequence += 1;
  const body = directOrder({
    externalId: `ship-change-${Date.now()}-${sequence}`,
    shippingAddress: NYC,
    lines: [{ sku, name: sku, quantity, unitPrice: 1000, discount: 0 }],
    shipping: 500,
    tax: 0,
    discount: 0,
    total: quantity * 1000 + 500,
    ...extra,
  } as never);
  const placed = await oms.request('POST', '/orders', body, {
    'idempotency-key': `place-${body.externalId}`,
  });
  expect(placed.status, placed.text).toBe(201);
  const orderId: string = placed.body.orderId;
  await eventually(async () => ((await view(orderId)).status === 'picking' ? true : undefined));
  return orderId;
}

const view = async (orderId: string) =>
  (await oms.request('GET', `/agent/orders/${orderId}`, undefined, asAgent)).body;

const change = (orderId: string, body: object, key: string) =>
  oms.request('PUT', `/agent/orders/${orderId}/shipping`, body, { ...asAgent, 'idempotency-key': key });

interface Line {
  type: string;
  detail?: Record<string, unknown>;
}

const linesOfType = (order: { timeline: Line[] }, type: string) =>
  order.timeline.filter((line) => line.type === type);

beforeAll(async () => {
  oms = await startTestRuntime({ pickTimeoutSeconds: 1800 });
  const carriers = oms.deps.carriers;
  const createLabel = carriers.createLabel.bind(carriers);
  carriers.createLabel = async (request) => {
    labels.push(request);
    return await createLabel(request);
  };
  for (const spec of [
    location('shp-east', 'warehouse', '07114', 'Newark'),
    location('shp-west', 'warehouse', '89502', 'Reno'),
    location('shp-store', 'store', '10012', 'New York'),
  ]) {
    const reply = await oms.request('POST', '/locations', spec);
    expect(reply.status, reply.text).toBe(201);
  }
  oms.agents.addAgent('sam', 'shipping change 1', ['agent']);
  const session = await oms.request('POST', '/agent/session', {
    username: 'sam',
    password: 'shipping change 1',
  });
  expect(session.status, session.text).toBe(201);
  asAgent = { authorization: `Bearer ${session.body.token}` };
}, 60_000);

afterAll(async () => {
  await oms?.stop();
});

describe('Given an order allocated to the east warehouse and not yet picked', () => {
  describe('When an agent changes the address to another street in the same city', () => {
    it('keeps the origin, shows the new address, re-quotes it and records who, why, before and after', async () => {
      await stock('shp-east', 'SHP-A', 10);
      await stock('shp-west', 'SHP-A', 10);
      const orderId = await placePicking('SHP-A', 2);
      const before = await view(orderId);
      expect(before.allocations.map((a: { locationId: string }) => a.locationId)).toEqual(['shp-east']);
      const newAddress = { ...NYC, line1: '350 5th Ave', postalCode: '10118' };

      const reply = await change(
        orderId,
        { reason: 'customer moved office', address: newAddress },
        'ship-change-a-1',
      );

      expect(reply.status, reply.text).toBe(200);
      expect(reply.body).toMatchObject({
        resourced: false,
        duplicate: false,
        cancelledTickets: [],
        openedTickets: [],
      });
      expect(reply.body.order.shippingAddress).toEqual(newAddress);
      expect(reply.body.quotes).toHaveLength(1);
      expect(reply.body.quotes[0]).toMatchObject({
        locationId: 'shp-east',
        chosen: { carrier: expect.any(String) },
      });
      expect(reply.body.quotes[0].options.length).toBeGreaterThan(0);
      // The same ticket stays with the warehouse, and the stock held did not move.
      expect(reply.body.order.pickTickets).toEqual(before.pickTickets);
      expect(await at('SHP-A', 'shp-east')).toEqual({ available: 8, reserved: 2 });
      expect(await oms.deps.workflows.isRunning(workflowName({ id: orderId }))).toBe(true);

      const after = await view(orderId);
      expect(after.shippingAddress).toEqual(newAddress);
      const [line] = linesOfType(after, 'ShippingAddressChanged');
      expect(line?.detail).toMatchObject({
        by: { username: 'sam' },
        reason: 'customer moved office',
        before: NYC,
        after: newAddress,
        resourced: null,
        shippingCharge: 'unchanged',
        quote: [
          {
            locationId: 'shp-east',
            carrier: reply.body.quotes[0].chosen.carrier,
            meetsPromise: expect.any(Boolean),
          },
        ],
      });
      const audit = await orderAudit(oms.deps, orderId);
      expect(audit).toEqual([
        expect.objectContaining({
          kind: 'order.shipping-changed',
          username: 'sam',
          reason: 'customer moved office',
        }),
      ]);
      expect(audit[0]?.outcome).toMatchObject({ resourced: false });
    });

    it('answers a retry with the same Idempotency-Key from the first change and does nothing twice', async () => {
      await stock('shp-east', 'SHP-R', 10);
      const orderId = await placePicking('SHP-R', 1);
      const body = { reason: 'typo in the street', address: { ...NYC, line1: '224 W 36th St' } };
      const first = await change(orderId, body, 'ship-change-r-1');
      expect(first.status, first.text).toBe(200);

      const retry = await change(orderId, body, 'ship-change-r-1');

      expect(retry.status, retry.text).toBe(200);
      expect(retry.body.duplicate).toBe(true);
      expect(retry.body.quotes).toEqual(first.body.quotes);
      const after = await view(orderId);
      expect(linesOfType(after, 'ShippingAddressChanged')).toHaveLength(1);
      expect(await orderAudit(oms.deps, orderId)).toHaveLength(1);
      expect(await at('SHP-R', 'shp-east')).toEqual({ available: 9, reserved: 1 });
      // The same key with another request is refused, naming the header.
      const other = await change(orderId, { ...body, reason: 'another reason' }, 'ship-change-r-1');
      expect(other.status).toBe(409);
      expect(other.text).toContain('Idempotency-Key');
    });
  });

  describe('When the new address is across the country, nearer the west warehouse', () => {
    it('moves the reservation and the pick ticket west, and the new ticket ships to the new address', async () => {
      await stock('shp-east', 'SHP-M', 10);
      await stock('shp-west', 'SHP-M', 10);
      const orderId = await placePicking('SHP-M', 3);
      const before = await view(orderId);
      const [oldTicket] = before.pickTickets as { id: string; locationId: string }[];
      expect(oldTicket?.locationId).toBe('shp-east');
      expect(await at('SHP-M', 'shp-east')).toEqual({ available: 7, reserved: 3 });

      const reply = await change(
        orderId,
        { reason: 'customer relocated to Reno', address: RENO },
        'ship-change-m-1',
      );

      expect(reply.status, reply.text).toBe(200);
      expect(reply.body.resourced).toBe(true);
      expect(reply.body.cancelledTickets).toEqual([oldTicket?.id]);
      expect(reply.body.openedTickets).toHaveLength(1);
      const newTicketId: string = reply.body.openedTickets[0];
      expect(reply.body.quotes.map((quote: { locationId: string }) => quote.locationId)).toEqual([
        'shp-west',
      ]);
      // The old reservation released exactly, the new one held.
      expect(await at('SHP-M', 'shp-east')).toEqual({ available: 10, reserved: 0 });
      expect(await at('SHP-M', 'shp-west')).toEqual({ available: 7, reserved: 3 });
      const tickets = reply.body.order.pickTickets as { id: string; status: string; locationId: string }[];
      expect(tickets.find((ticket) => ticket.id === oldTicket?.id)?.status).toBe('cancelled');
      expect(tickets.find((ticket) => ticket.id === newTicketId)).toMatchObject({
        status: 'open',
        locationId: 'shp-west',
        firstWave: false,
        lines: [{ sku: 'SHP-M', quantity: 3 }],
      });
      expect(reply.body.order.allocations.map((a: { locationId: string }) => a.locationId)).toEqual([
        'shp-west',
      ]);
      const [line] = linesOfType(reply.body.order, 'ShippingAddressChanged') as {
        detail: Record<string, unknown>;
      }[];
      expect(line?.detail).toMatchObject({
        before: NYC,
        after: RENO,
        resourced: {
          from: ['shp-east'],
          to: ['shp-west'],
          cancelledTickets: [oldTicket?.id],
          openedTickets: [newTicketId],
        },
      });
      // The Standard workflow waited on the cancelled ticket: the change answered it (nothing picked there).
      expect(await oms.deps.workflows.isRunning(workflowName({ id: orderId }))).toBe(false);
      expect(reply.body.order.status).toBe('picking');
      // The old ticket left the east warehouse's queue.
      const queue = await oms.request('GET', '/pick-tickets?locationId=shp-east');
      expect(JSON.stringify(queue.body)).not.toContain(oldTicket?.id);

      const confirmed = await oms.request('POST', `/pick-tickets/${newTicketId}/confirm`, {
        lines: [{ sku: 'SHP-M', quantity: 3 }],
      });
      expect(confirmed.status, confirmed.text).toBe(200);
      const shipped = await eventually(async () => {
        const order = await view(orderId);
        return order.status === 'shipped' || order.status === 'completed' ? order : undefined;
      });
      expect(shipped.shipments).toEqual([
        expect.objectContaining({ locationId: 'shp-west', pickTicketId: newTicketId }),
      ]);
      // The shipping charge did not change: the one shipment captures the whole total, 3 × 1000 + 500.
      expect(shipped.payment).toMatchObject({ status: 'captured', amount: 3500, captured: 3500 });
      expect(labels.filter((label) => label.idempotencyKey.includes(orderId))).toEqual([
        expect.objectContaining({ fromPostalCode: '89502', toPostalCode: '89501', toCountry: 'US' }),
      ]);
      expect(await at('SHP-M', 'shp-west')).toEqual({ available: 7, reserved: 0 });
      expect(await at('SHP-M', 'shp-east')).toEqual({ available: 10, reserved: 0 });
    });
  });
});

describe('Given an order to pick up at a store that does not ship', () => {
  describe('When the customer asks for delivery instead', () => {
    it('moves the units from the store to a warehouse that ships and records the method change', async () => {
      await stock('shp-store', 'SHP-P', 4);
      await stock('shp-east', 'SHP-P', 4);
      const orderId = await placePicking('SHP-P', 2, {
        fulfillment: { type: 'pickup', locationId: 'shp-store' },
      });
      expect(await at('SHP-P', 'shp-store')).toEqual({ available: 2, reserved: 2 });

      const reply = await change(
        orderId,
        { reason: 'cannot get to the store', fulfillment: { type: 'ship' } },
        'ship-change-p-1',
      );

      expect(reply.status, reply.text).toBe(200);
      expect(reply.body.resourced).toBe(true);
      expect(reply.body.order.fulfillment).toEqual({ type: 'ship' });
      expect(reply.body.quotes.map((quote: { locationId: string }) => quote.locationId)).toEqual([
        'shp-east',
      ]);
      expect(await at('SHP-P', 'shp-store')).toEqual({ available: 4, reserved: 0 });
      expect(await at('SHP-P', 'shp-east')).toEqual({ available: 2, reserved: 2 });
      const [line] = linesOfType(reply.body.order, 'FulfillmentMethodChanged') as {
        detail: Record<string, unknown>;
      }[];
      expect(line?.detail).toMatchObject({
        by: { username: 'sam' },
        reason: 'cannot get to the store',
        before: { type: 'pickup', locationId: 'shp-store' },
        after: { type: 'ship' },
        resourced: { from: ['shp-store'], to: ['shp-east'] },
      });
      expect(linesOfType(reply.body.order, 'ShippingAddressChanged')).toEqual([]);
    });
  });

  describe('When the new store has none of the SKU', () => {
    it('refuses with 409 naming the SKU and changes nothing', async () => {
      await stock('shp-east', 'SHP-N', 3);
      const orderId = await placePicking('SHP-N', 1);
      const before = await view(orderId);

      const reply = await change(
        orderId,
        { reason: 'pick up instead', fulfillment: { type: 'pickup', locationId: 'shp-store' } },
        'ship-change-n-1',
      );

      expect(reply.status, reply.text).toBe(409);
      expect(reply.body.error.message).toContain('SHP-N');
      const after = await view(orderId);
      expect(after.fulfillment).toEqual({ type: 'ship' });
      expect(after.pickTickets).toEqual(before.pickTickets);
      expect(after.timeline).toEqual(before.timeline);
      expect(await at('SHP-N', 'shp-east')).toEqual({ available: 2, reserved: 1 });
      expect(await orderAudit(oms.deps, orderId)).toEqual([]);
    });
  });
});

describe('Given an order whose warehouse already picked', () => {
  it('refuses the change with 409 naming the status and changes nothing', async () => {
    await stock('shp-east', 'SHP-X', 5);
    const orderId = await placePicking('SHP-X', 1);
    const [ticket] = (await view(orderId)).pickTickets as { id: string }[];
    const confirmed = await oms.request('POST', `/pick-tickets/${ticket?.id}/confirm`, {
      lines: [{ sku: 'SHP-X', quantity: 1 }],
    });
    expect(confirmed.status, confirmed.text).toBe(200);
    const shipped = await eventually(async () => {
      const order = await view(orderId);
      return order.status === 'shipped' ? order : undefined;
    });

    const reply = await change(orderId, { reason: 'too late', address: RENO }, 'ship-change-x-1');

    expect(reply.status, reply.text).toBe(409);
    expect(reply.body.error.message).toContain('shipped');
    const after = await view(orderId);
    expect(after.shippingAddress).toEqual(NYC);
    // The shipped order's own lines may still arrive (its notification); none of the change's.
    expect(after.timeline.slice(0, shipped.timeline.length)).toEqual(shipped.timeline);
    expect(linesOfType(after, 'ShippingAddressChanged')).toEqual([]);
    expect(await orderAudit(oms.deps, orderId)).toEqual([]);
  });
});

describe('Given a malformed change', () => {
  it('answers 400 naming the field', async () => {
    await stock('shp-east', 'SHP-V', 5);
    const orderId = await placePicking('SHP-V', 1);

    const badCountry = await change(
      orderId,
      { reason: 'move', address: { ...RENO, country: 'usa' } },
      'ship-change-v-1',
    );
    expect(badCountry.status).toBe(400);
    expect(badCountry.body.error.fields.map((field: { field: string }) => field.field)).toEqual([
      'address.country',
    ]);

    const empty = await change(orderId, { reason: 'nothing' }, 'ship-change-v-2');
    expect(empty.status).toBe(400);
    expect(empty.body.error.fields[0].field).toBe('address');

    const noKey = await oms.request(
      'PUT',
      `/agent/orders/${orderId}/shipping`,
      { reason: 'x', address: RENO },
      asAgent,
    );
    expect(noKey.status).toBe(400);
    expect(noKey.body.error.fields[0].field).toBe('Idempotency-Key');

    const unknownField = await change(
      orderId,
      { reason: 'move', address: { ...RENO, zip: '1' } },
      'ship-change-v-3',
    );
    expect(unknownField.status).toBe(400);
    expect((await view(orderId)).shippingAddress).toEqual(NYC);
  });
});

describe('Given a pick confirmed while an agent changes the address', () => {
  describe('When the confirmation’s write lands between the change’s read and its transaction', () => {
    it('fails the change on the ticket that stays (409 naming the pick) and keeps the old address', async () => {
      await stock('shp-east', 'SHP-RACE', 10);
      const orderId = await placePicking('SHP-RACE', 1);
      const before = await view(orderId);
      const [ticket] = before.pickTickets;
      const db = oms.deps.db;
      let fired = false;
      const raced: Deps = {
        ...oms.deps,
        db: new Proxy(db, {
          get: (target, name) =>
            name === 'send'
              ? async (command: Parameters<typeof db.send>[0]) => {
                  if (!fired && command instanceof TransactWriteCommand) {
                    fired = true;
                    // The ticket write of confirm-pick, alone: the order record is not touched by it.
                    await db.send(
                      new UpdateCommand({
                        TableName: oms.deps.tableName,
                        Key: keys.pickTicket(orderId, ticket.id),
                        UpdateExpression: 'SET #status = :confirmed, picked = :picked',
                        ExpressionAttributeNames: { '#status': 'status' },
                        ExpressionAttributeValues: {
                          ':confirmed': 'confirmed',
                          ':picked': [{ sku: 'SHP-RACE', ordered: 1, picked: 1 }],
                        },
                      }),
                    );
                  }
                  return await db.send(command);
                }
              : Reflect.get(target, name),
        }),
      };
      const newAddress = { ...NYC, line1: '350 5th Ave', postalCode: '10118' };
      await expect(
        changeOrderShipping(
          raced,
          {
            agent: { id: 'id-sam', username: 'sam', roles: ['agent'] },
            reason: 'customer moved office',
            idempotencyKey: 'ship-race-0001',
          },
          { orderId, change: { address: newAddress } },
        ),
      ).rejects.toThrow(/already picked \(pick ticket/);
      const after = await view(orderId);
      expect(after.shippingAddress).toEqual(before.shippingAddress);
      expect(await orderAudit(oms.deps, orderId)).toEqual([]);
    });
  });
});
