import { beforeAll, describe, expect, it } from 'vitest';
import { allocateOrder } from '../../shared/app/allocate-order.js';
import { releaseAllocation } from '../../shared/app/compensate.js';
import { placeOrder } from '../../shared/app/place-order.js';
import { OutOfStockError } from '../../shared/domain/errors.js';
import type { CanonicalOrder } from '../../shared/domain/order.js';
import { putLocation, setOnHand, stockForSku } from '../../shared/store/inventory.js';
import { getOrderAggregate } from '../../shared/store/orders.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';

let deps: TestDeps;

const order = (
  externalId: string,
  sku: string,
  quantity: number,
  email = 'it@example.com',
): CanonicalOrder => ({
  channel: 'direct',
  externalId,
  currency: 'USD',
  customer: { email },
  shippingAddress: { line1: '1 Main St', city: 'New York', postalCode: '10001', country: 'US' },
  lines: [{ sku, quantity, unitPrice: 1000, discount: 0 }],
  shipping: 0,
  tax: 0,
  discount: 0,
  total: 1000 * quantity,
  fulfillment: { type: 'ship' },
});

beforeAll(async () => {
  deps = await createTestDeps();
  await putLocation(deps, {
    id: 'wh-1',
    kind: 'warehouse',
    name: 'Only warehouse',
    address: { line1: '1 Dock', city: 'Newark', postalCode: '07114', country: 'US' },
    shipsToHome: true,
    pickup: false,
    dailyCapacity: 0,
    cutoffTime: '23:59',
  });
  await putLocation(deps, {
    id: 'store-1',
    kind: 'store',
    name: 'Store',
    address: { line1: '2 High St', city: 'New York', postalCode: '10012', country: 'US' },
    shipsToHome: true,
    pickup: true,
    dailyCapacity: 0,
    cutoffTime: '23:59',
  });
});

describe('Given five units of a SKU across the network', () => {
  describe('When twenty single-unit orders allocate at the same time', () => {
    it('reserves exactly five and backorders the rest: nothing is oversold', async () => {
      await setOnHand(deps, 'wh-1', 'SKU-HOT', 3);
      await setOnHand(deps, 'store-1', 'SKU-HOT', 2);
      const ids = await Promise.all(
        Array.from(
          { length: 20 },
          async (_, index) =>
            (await placeOrder(deps, { order: order(`hot-${index}`, 'SKU-HOT', 1) })).orderId,
        ),
      );
      const outcomes = await Promise.allSettled(
        ids.map((orderId) => allocateOrder(deps, { orderId, taskToken: `t-${orderId}` })),
      );
      const allocated = outcomes.filter((outcome) => outcome.status === 'fulfilled');
      const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
      expect(allocated).toHaveLength(5);
      for (const outcome of refused)
        expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(OutOfStockError);

      const stock = await stockForSku(deps, 'SKU-HOT');
      expect(
        stock.map(({ locationId, onHand, reserved, available }) => ({
          locationId,
          onHand,
          reserved,
          available,
        })),
      ).toEqual([
        { locationId: 'store-1', onHand: 2, reserved: 2, available: 0 },
        { locationId: 'wh-1', onHand: 3, reserved: 3, available: 0 },
      ]);
      const statuses = await Promise.all(
        ids.map(async (id) => (await getOrderAggregate(deps, id))?.order.status),
      );
      expect(statuses.filter((status) => status === 'picking')).toHaveLength(5);
      expect(statuses.filter((status) => status === 'backordered')).toHaveLength(15);
    });
  });
});

describe('Given an allocated order', () => {
  let orderId: string;

  beforeAll(async () => {
    await setOnHand(deps, 'wh-1', 'SKU-REL', 10);
    orderId = (await placeOrder(deps, { order: order('rel-1', 'SKU-REL', 4) })).orderId;
    await allocateOrder(deps, { orderId, taskToken: 'token-1' });
  });

  it('re-attaches a new task token instead of reserving twice when the step runs again', async () => {
    const again = await allocateOrder(deps, { orderId, taskToken: 'token-2' });
    expect(again.outcome).toBe('already-allocated');
    const aggregate = await getOrderAggregate(deps, orderId);
    expect(aggregate?.pickTickets.map((ticket) => ticket.taskToken)).toEqual(['token-2']);
    expect((await stockForSku(deps, 'SKU-REL'))[0]).toMatchObject({ onHand: 10, reserved: 4, available: 6 });
  });

  describe('When the release arrives twice, even concurrently', () => {
    it('restores exactly what was reserved, once', async () => {
      const results = await Promise.all([
        releaseAllocation(deps, { orderId }),
        releaseAllocation(deps, { orderId }),
        releaseAllocation(deps, { orderId }),
      ]);
      expect(results.flatMap((result) => result.released)).toEqual([
        { locationId: 'wh-1', sku: 'SKU-REL', quantity: 4 },
      ]);
      expect((await stockForSku(deps, 'SKU-REL'))[0]).toMatchObject({
        onHand: 10,
        reserved: 0,
        available: 10,
      });
    });
  });
});

describe('Given the same external order delivered ten times at once', () => {
  it('stores one order and starts its workflow once per stored order', async () => {
    const before = deps.started.length;
    const results = await Promise.all(
      Array.from({ length: 10 }, () => placeOrder(deps, { order: order('dup-1', 'SKU-REL', 1) })),
    );
    expect(new Set(results.map((result) => result.orderId)).size).toBe(1);
    expect(results.filter((result) => !result.duplicate)).toHaveLength(1);
    const starts = deps.started.slice(before);
    expect(starts.every((start) => start.name === results[0]?.orderId)).toBe(true);
    // The announcement is written with the order itself (the outbox), so repeats add none.
    const placed = (await deps.outbox()).filter(
      (event) =>
        event.detailType === 'OrderPlaced' &&
        (event.detail.data as { orderId: string }).orderId === results[0]?.orderId,
    );
    expect(placed).toHaveLength(1);
    expect(new Set(placed.map((event) => event.detail.metadata.idempotencyKey))).toEqual(
      new Set([`${results[0]?.orderId}:placed`]),
    );
  });
});

describe('Given a count below what is reserved', () => {
  it('refuses it with a conflict and leaves the stock as it was', async () => {
    await setOnHand(deps, 'wh-1', 'SKU-CNT', 5);
    const { orderId } = await placeOrder(deps, { order: order('cnt-1', 'SKU-CNT', 3) });
    await allocateOrder(deps, { orderId, taskToken: 'x' });
    await expect(setOnHand(deps, 'wh-1', 'SKU-CNT', 2)).rejects.toMatchObject({ statusCode: 409 });
    expect((await stockForSku(deps, 'SKU-CNT'))[0]).toMatchObject({ onHand: 5, reserved: 3, available: 2 });
  });
});
