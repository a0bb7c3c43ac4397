import { beforeAll, describe, expect, it } from 'vitest';
import { allocateOrder } from '../../shared/app/allocate-order.js';
import { releaseAllocation } from '../../shared/app/compensate.js';
import { confirmPick } from '../../shared/app/confirm-pick.js';
import {
  addScheduledReceipt,
  adjustStockAndAnnounce,
  availability,
  setStock,
} from '../../shared/app/inventory.js';
import { placeOrder } from '../../shared/app/place-order.js';
import { releaseBackorders } from '../../shared/app/release-backorders.js';
import { reserveOrder } from '../../shared/app/reserve-order.js';
import type { CanonicalOrder } from '../../shared/domain/order.js';
import { listMovements, setStockBuckets, stockBuckets, stockForSku } from '../../shared/store/inventory.js';
import { type LocationRecord, putLocation } from '../../shared/store/locations.js';
import { getOrderAggregate, getOrderRecord } from '../../shared/store/orders.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';

let deps: TestDeps;
let sequence = 0;

const location = (id: string, overrides: Partial<LocationRecord> = {}): LocationRecord => ({
  id,
  kind: 'warehouse',
  name: id,
  address: { line1: '1 Dock', city: 'Newark', postalCode: '07114', country: 'US' },
  shipsToHome: true,
  pickup: false,
  dailyCapacity: 0,
  cutoffTime: '23:59',
  ...overrides,
});

const order = (
  lines: { sku: string; quantity: number }[],
  overrides: Partial<CanonicalOrder> = {},
): CanonicalOrder => {
  sequence += 1;
  const subtotal = lines.reduce((sum, line) => sum + line.quantity * 1000, 0);
  return {
    channel: 'direct',
    externalId: `src-${Date.now()}-${sequence}`,
    currency: 'USD',
    customer: { email: 'sourcing@example.com' },
    shippingAddress: { line1: '1 Main St', city: 'New York', postalCode: '10001', country: 'US' },
    lines: lines.map((line) => ({ ...line, unitPrice: 1000, discount: 0 })),
    shipping: 0,
    tax: 0,
    discount: 0,
    total: subtotal,
    fulfillment: { type: 'ship' },
    ...overrides,
  };
};

const place = async (canonical: CanonicalOrder) => (await placeOrder(deps, { order: canonical })).orderId;
const allocate = (orderId: string) => allocateOrder(deps, { orderId, taskToken: `token-${orderId}` });
const statusOf = async (orderId: string) => (await getOrderRecord(deps, orderId))?.status;

/** on-hand must equal the sum of the movements, and reserved the units held by reservations. */
async function expectConsistent(sku: string, orderIds: string[]) {
  const stock = await stockForSku(deps, sku);
  const movements = await listMovements(deps, sku);
  for (const row of stock) {
    const moved = movements
      .filter((m) => m.locationId === row.locationId)
      .reduce((sum, m) => sum + m.delta, 0);
    expect(moved, `movements of ${sku} at ${row.locationId}`).toBe(row.onHand);
  }
  const held = new Map<string, number>();
  for (const id of orderIds) {
    for (const reservation of (await getOrderAggregate(deps, id))?.reservations ?? []) {
      if (reservation.status !== 'held') continue;
      for (const line of reservation.lines.filter((l) => l.sku === sku)) {
        held.set(reservation.locationId, (held.get(reservation.locationId) ?? 0) + line.quantity);
      }
    }
  }
  for (const row of stock)
    expect(row.reserved, `reserved ${sku} at ${row.locationId}`).toBe(held.get(row.locationId) ?? 0);
}

beforeAll(async () => {
  deps = await createTestDeps();
  await putLocation(deps, location('wh-newark'));
  await putLocation(
    deps,
    location('wh-reno', { address: { line1: '2 Way', city: 'Reno', postalCode: '89502', country: 'US' } }),
  );
  await putLocation(
    deps,
    location('store-soho', {
      kind: 'store',
      pickup: true,
      address: { line1: '500 Broadway', city: 'New York', postalCode: '10012', country: 'US' },
    }),
  );
});

describe('Given 50 units of a SKU over three locations', () => {
  describe('When 200 single-unit orders allocate at the same time', () => {
    it('allocates exactly 50, backorders 150, and stock stays consistent with the movements', async () => {
      await setStock(deps, { locationId: 'wh-newark', sku: 'SKU-FLASH', onHand: 20 });
      await setStock(deps, { locationId: 'wh-reno', sku: 'SKU-FLASH', onHand: 20 });
      await setStock(deps, { locationId: 'store-soho', sku: 'SKU-FLASH', onHand: 10 });
      const ids = await Promise.all(
        Array.from({ length: 200 }, () => place(order([{ sku: 'SKU-FLASH', quantity: 1 }]))),
      );
      const outcomes = await Promise.allSettled(ids.map(allocate));
      const statuses = await Promise.all(ids.map(statusOf));
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(50);
      expect(statuses.filter((status) => status === 'picking')).toHaveLength(50);
      expect(statuses.filter((status) => status === 'backordered')).toHaveLength(150);
      const stock = await stockForSku(deps, 'SKU-FLASH');
      expect(stock.reduce((sum, row) => sum + row.reserved, 0)).toBe(50);
      expect(stock.every((row) => row.available === 0 && row.reserved === row.onHand)).toBe(true);
      await expectConsistent('SKU-FLASH', ids);
    }, 120_000);
  });
});

describe('Given a hot SKU spread over four stock buckets', () => {
  it('sells exactly what is there under concurrency and adds the buckets up', async () => {
    await setStockBuckets(deps, 'SKU-HOT4', 4);
    await adjustStockAndAnnounce(deps, {
      locationId: 'wh-newark',
      sku: 'SKU-HOT4',
      type: 'receipt',
      quantity: 30,
      reason: 'flash sale stock',
    });
    const buckets = await stockBuckets(deps, 'SKU-HOT4');
    expect(buckets.map((bucket) => bucket.onHand).sort()).toEqual([7, 7, 8, 8]);
    const ids = await Promise.all(
      Array.from({ length: 40 }, () => place(order([{ sku: 'SKU-HOT4', quantity: 1 }]))),
    );
    await Promise.allSettled(ids.map(allocate));
    const statuses = await Promise.all(ids.map(statusOf));
    expect(statuses.filter((status) => status === 'picking')).toHaveLength(30);
    expect(await stockForSku(deps, 'SKU-HOT4')).toEqual([
      {
        sku: 'SKU-HOT4',
        locationId: 'wh-newark',
        onHand: 30,
        reserved: 30,
        safetyStock: 0,
        available: 0,
        buckets: 4,
      },
    ]);
    await expectConsistent('SKU-HOT4', ids);
  }, 60_000);
});

describe('Given an order one location can fill', () => {
  it('is never split, even when two cheaper locations could share it', async () => {
    await setStock(deps, { locationId: 'wh-reno', sku: 'SKU-NS-A', onHand: 5 });
    await setStock(deps, { locationId: 'wh-reno', sku: 'SKU-NS-B', onHand: 5 });
    await setStock(deps, { locationId: 'wh-newark', sku: 'SKU-NS-A', onHand: 5 });
    await setStock(deps, { locationId: 'store-soho', sku: 'SKU-NS-B', onHand: 5 });
    const id = await place(
      order([
        { sku: 'SKU-NS-A', quantity: 1 },
        { sku: 'SKU-NS-B', quantity: 1 },
      ]),
    );
    await allocate(id);
    const aggregate = await getOrderAggregate(deps, id);
    expect(aggregate?.order.allocations.map((allocation) => allocation.locationId)).toEqual(['wh-reno']);
    expect(aggregate?.order.allocations[0]?.rule).toBe('single-location');
    expect(aggregate?.pickTickets).toHaveLength(1);
  });
});

describe('Given lines no single location has', () => {
  it('splits into one shipment and pick ticket per location, and the wait completes with the last pick', async () => {
    await setStock(deps, { locationId: 'wh-newark', sku: 'SKU-SP-A', onHand: 3 });
    await setStock(deps, { locationId: 'wh-reno', sku: 'SKU-SP-B', onHand: 3 });
    const id = await place(
      order([
        { sku: 'SKU-SP-A', quantity: 2 },
        { sku: 'SKU-SP-B', quantity: 1 },
      ]),
    );
    await allocate(id);
    const aggregate = await getOrderAggregate(deps, id);
    expect(aggregate?.order.allocations.map((allocation) => allocation.locationId).sort()).toEqual([
      'wh-newark',
      'wh-reno',
    ]);
    expect(aggregate?.order.allocations[0]?.rule).toBe('fewest-shipments');
    const tickets = aggregate?.pickTickets ?? [];
    expect(tickets).toHaveLength(2);
    const before = deps.callbacks.length;
    const [first, second] = tickets;
    if (!first || !second) throw new Error('two tickets expected');
    const one = await confirmPick(deps, { pickTicketId: first.id, lines: first.lines });
    expect(one.waitingFor).toEqual([second.id]);
    expect(deps.callbacks.length).toBe(before);
    await confirmPick(deps, { pickTicketId: second.id, lines: second.lines });
    expect(deps.callbacks.slice(before)).toEqual([
      expect.objectContaining({ token: `token-${id}`, outcome: 'success' }),
    ]);
  });
});

describe('Given a buy-online-pick-up-in-store order', () => {
  it('reserves at the pickup store even when a warehouse is cheaper', async () => {
    await setStock(deps, { locationId: 'store-soho', sku: 'SKU-BOPIS', onHand: 2 });
    await setStock(deps, { locationId: 'wh-newark', sku: 'SKU-BOPIS', onHand: 50 });
    const id = await place(
      order([{ sku: 'SKU-BOPIS', quantity: 2 }], {
        fulfillment: { type: 'pickup', locationId: 'store-soho' },
      }),
    );
    await allocate(id);
    const aggregate = await getOrderAggregate(deps, id);
    expect(aggregate?.order.allocations).toEqual([
      expect.objectContaining({ locationId: 'store-soho', rule: 'pickup-store' }),
    ]);
  });

  it('is refused with the reason when the store cannot fill it', async () => {
    const id = await place(
      order([{ sku: 'SKU-BOPIS', quantity: 1 }], {
        fulfillment: { type: 'pickup', locationId: 'store-soho' },
      }),
    );
    await expect(allocate(id)).rejects.toMatchObject({ name: 'OutOfStockError' });
    const record = await getOrderRecord(deps, id);
    expect(record?.status).toBe('backordered');
    expect(record?.backorder?.reason).toMatch(/store-soho/);
    expect(record?.backorder?.reason).toMatch(/SKU-BOPIS/);
  });

  it('is refused at intake when the location does not offer pickup', async () => {
    await expect(
      placeOrder(deps, {
        order: order([{ sku: 'SKU-BOPIS', quantity: 1 }], {
          fulfillment: { type: 'pickup', locationId: 'wh-newark' },
        }),
      }),
    ).rejects.toMatchObject({ statusCode: 422, details: { field: 'fulfillment.locationId' } });
  });
});

describe('Given three backordered orders', () => {
  it('a receipt fills them oldest first and starts their workflows', async () => {
    await setStock(deps, { locationId: 'wh-newark', sku: 'SKU-BO', onHand: 0 });
    const ids: string[] = [];
    for (let index = 0; index < 3; index += 1) {
      const id = await place(order([{ sku: 'SKU-BO', quantity: 1 }]));
      await expect(allocate(id)).rejects.toMatchObject({ name: 'OutOfStockError' });
      ids.push(id);
      await new Promise((done) => setTimeout(done, 5));
    }
    await adjustStockAndAnnounce(deps, {
      locationId: 'wh-newark',
      sku: 'SKU-BO',
      type: 'receipt',
      quantity: 2,
      reason: 'PO-1',
    });
    expect((await deps.outbox()).at(-1)).toMatchObject({
      detailType: 'StockReceived',
      detail: { data: { sku: 'SKU-BO', quantity: 2 } },
    });
    const started = deps.started.length;
    const result = await releaseBackorders(deps, { sku: 'SKU-BO' });
    expect(result.allocated).toEqual([ids[0], ids[1]]);
    expect(result.stillBackordered).toEqual([ids[2]]);
    expect(await Promise.all(ids.map(statusOf))).toEqual(['allocated', 'allocated', 'backordered']);
    expect(deps.started.slice(started).map((start) => start.name)).toEqual([`${ids[0]}.r1`, `${ids[1]}.r1`]);

    // The re-driven workflow's first step finds the stock reserved and only opens the pick ticket.
    const first = ids[0] ?? '';
    const opened = await allocateOrder(deps, { orderId: first, taskToken: 'redrive-token' });
    expect(opened.outcome).toBe('allocated');
    expect((await getOrderAggregate(deps, first))?.pickTickets.map((ticket) => ticket.taskToken)).toEqual([
      'redrive-token',
    ]);

    // The same message again changes nothing.
    const again = await releaseBackorders(deps, { sku: 'SKU-BO' });
    expect(again.allocated).toEqual([]);
    expect((await stockForSku(deps, 'SKU-BO'))[0]).toMatchObject({ onHand: 2, reserved: 2, available: 0 });
  });
});

describe('Given an order too large for one transaction', () => {
  it('reserves in chunks and releases exactly what it took', async () => {
    const lines = Array.from({ length: 7 }, (_, index) => ({ sku: `SKU-CH-${index}`, quantity: index + 1 }));
    for (const line of lines) await setStock(deps, { locationId: 'wh-newark', sku: line.sku, onHand: 10 });
    const id = await place(order(lines));
    const record = await getOrderRecord(deps, id);
    if (!record) throw new Error('order missing');
    const result = await reserveOrder(deps, record, { payment: record.payment, chunkSize: 3 });
    expect(result.outcome).toBe('reserved');
    const aggregate = await getOrderAggregate(deps, id);
    expect(aggregate?.order.status).toBe('allocated');
    expect(aggregate?.reservations.map((reservation) => reservation.chunk).sort()).toEqual([0, 1, 2]);
    for (const line of lines) {
      expect((await stockForSku(deps, line.sku))[0]).toMatchObject({
        reserved: line.quantity,
        available: 10 - line.quantity,
      });
    }
    await releaseAllocation(deps, { orderId: id });
    await releaseAllocation(deps, { orderId: id });
    for (const line of lines) {
      expect((await stockForSku(deps, line.sku))[0]).toMatchObject({
        onHand: 10,
        reserved: 0,
        available: 10,
      });
    }
  });
});

describe('Given safety stock and a purchase order due', () => {
  it('answers available-to-promise per location and for the network, with receipts by date', async () => {
    await setStock(deps, { locationId: 'wh-newark', sku: 'SKU-ATP', onHand: 10, safetyStock: 3 });
    await setStock(deps, { locationId: 'store-soho', sku: 'SKU-ATP', onHand: 4 });
    await addScheduledReceipt(deps, {
      sku: 'SKU-ATP',
      locationId: 'wh-newark',
      quantity: 20,
      dueDate: '2030-01-10',
    });
    const ship = await availability(deps, {
      sku: 'SKU-ATP',
      fulfillment: 'ship',
      postalCode: '10001',
      date: '2030-01-15',
    });
    const newark = ship.locations.find((row) => row.locationId === 'wh-newark');
    expect(newark).toMatchObject({
      onHand: 10,
      safetyStock: 3,
      atp: 7,
      scheduledReceipts: 20,
      atpByDate: 27,
    });
    expect(ship.network).toMatchObject({ atp: 11, atpByDate: 31 });
    const early = await availability(deps, { sku: 'SKU-ATP', fulfillment: 'ship', date: '2030-01-01' });
    expect(early.network).toMatchObject({ atp: 11, atpByDate: 11 });
    const pickup = await availability(deps, { sku: 'SKU-ATP', fulfillment: 'pickup' });
    expect(pickup.network.atp).toBe(4);
    expect(pickup.locations.find((row) => row.locationId === 'wh-newark')).toMatchObject({
      eligible: false,
      reason: 'does not offer pickup',
    });
  });
});
