import { beforeAll, describe, expect, it } from 'vitest';
import { searchOrders } from '../../shared/app/order-search.js';
import { orderIdFor, placeOrder } from '../../shared/app/place-order.js';
import { mapStandardOrder } from '../../shared/intake/standard.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { standardOrder } from '../support/fixtures.js';

let deps: TestDeps;
const email = `search.${Date.now()}@example.com`;
const placed: { id: string; externalId: string }[] = [];

beforeAll(async () => {
  deps = await createTestDeps();
  for (let n = 0; n < 2; n += 1) {
    const fixture = standardOrder();
    fixture.data.customer.email = n === 0 ? email : email.toUpperCase();
    const order = mapStandardOrder(fixture);
    const result = await placeOrder(deps, { order });
    placed.push({ id: result.orderId, externalId: order.externalId });
  }
});

describe('Given orders placed through the Standard Webhooks channel', () => {
  it('finds an order by its id', async () => {
    const first = placed[0] as { id: string };
    const found = await searchOrders(deps, ` ${first.id} `);
    expect(found.matchedBy).toEqual(['order-id']);
    expect(found.orders.map((order) => order.id)).toEqual([first.id]);
  });

  it('finds every order of a customer email, whatever its case, newest first', async () => {
    const found = await searchOrders(deps, email);
    expect(found.matchedBy).toEqual(['email']);
    expect(found.orders.map((order) => order.id).sort()).toEqual(placed.map((order) => order.id).sort());
    expect((found.orders[0]?.createdAt ?? '') >= (found.orders[1]?.createdAt ?? '')).toBe(true);
  });

  it('finds an order by the channel’s own id, with or without a leading #', async () => {
    const second = placed[1] as { id: string; externalId: string };
    expect(orderIdFor('standard', second.externalId)).toBe(second.id);
    for (const query of [second.externalId, `#${second.externalId}`]) {
      const found = await searchOrders(deps, query);
      expect(found.matchedBy).toEqual(['external-id']);
      expect(found.orders.map((order) => order.id)).toEqual([second.id]);
    }
  });

  it('answers nothing, not an error, for an unknown query', async () => {
    expect((await searchOrders(deps, 'no-such-order')).orders).toEqual([]);
    expect((await searchOrders(deps, 'nobody@example.com')).orders).toEqual([]);
    expect((await searchOrders(deps, 'ord_000000000000000000000000')).orders).toEqual([]);
  });
});
