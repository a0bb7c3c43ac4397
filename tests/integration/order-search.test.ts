import { beforeAll, describe, expect, it } from 'vitest';
import { searchOrders } from '../../shared/app/order-search.js';
import { orderIdFor, placeOrder } from '../../shared/app/place-order.js';
import { mapStandardOrder } from '../../shared/intake/standard.js';
import { getOrderRecord, statusUpdateItem, transact } from '../../shared/store/orders.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { standardOrder, uniqueNumber } from '../support/fixtures.js';

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
      // The fixture's order number is its external id in upper case (`sf-1` / `SF-1`): both indexes find it.
      expect(found.matchedBy).toEqual(['order-number', 'external-id']);
      expect(found.orders.map((order) => order.id)).toEqual([second.id]);
    }
  });

  it('finds an order by a channel id made of digits, which also reads as a phone number', async () => {
    // Shopify and WooCommerce ids are long numbers (`5094688296510`).
    const fixture = standardOrder();
    fixture.data.externalId = String(uniqueNumber());
    const order = mapStandardOrder(fixture);
    const { orderId } = await placeOrder(deps, { order: { ...order, orderNumber: '#7' } });
    const found = await searchOrders(deps, fixture.data.externalId);
    expect(found.matchedBy).toEqual(['external-id']);
    expect(found.orders.map((row) => row.id)).toEqual([orderId]);
  });

  it('answers nothing, not an error, for an unknown query', async () => {
    expect((await searchOrders(deps, 'no-such-order')).orders).toEqual([]);
    expect((await searchOrders(deps, 'nobody@example.com')).orders).toEqual([]);
    expect((await searchOrders(deps, 'ord_000000000000000000000000')).orders).toEqual([]);
  });
});

describe('Given orders with a phone number and a displayed order number', () => {
  const local = `${uniqueNumber() % 10_000_000}`.padStart(7, '0');
  const phone = `+1 (646) ${local.slice(0, 3)}-${local.slice(3)}`;
  // Shopify shows `#1001`; the table is this file's own, so no other order has that number.
  const orderNumber = '#1001';
  // London numbers: 20 and 8 digits (+44 20 xxxx xxxx), 020 xxxx xxxx at home.
  const london = `${local}8`;
  const ukPhone = `+44 20 ${london.slice(0, 4)} ${london.slice(4)}`;
  let byCustomerPhone: string;
  let byAddressPhone: string;

  beforeAll(async () => {
    const first = standardOrder();
    first.data.customer.phone = phone;
    first.data.orderNumber = orderNumber;
    byCustomerPhone = (await placeOrder(deps, { order: mapStandardOrder(first) })).orderId;
    // No customer phone: the shipping address's is indexed instead.
    const second = standardOrder();
    const { phone: _none, ...customer } = second.data.customer;
    second.data.customer = customer as typeof second.data.customer;
    second.data.shippingAddress.phone = ukPhone;
    byAddressPhone = (await placeOrder(deps, { order: mapStandardOrder(second) })).orderId;
  });

  it('finds the order by its phone however the number is written', async () => {
    const digits = `646${local}`;
    for (const query of [
      phone,
      digits,
      `1${digits}`,
      `+1${digits}`,
      `001 646 ${local}`,
      `646.${local.slice(0, 3)}.${local.slice(3)}`,
    ]) {
      const found = await searchOrders(deps, query);
      expect(found.matchedBy, query).toEqual(['phone']);
      expect(
        found.orders.map((order) => order.id),
        query,
      ).toEqual([byCustomerPhone]);
    }
  });

  it('finds an order by its shipping address phone, international or national', async () => {
    for (const query of [ukPhone, `0044 20 ${london}`, `020 ${london}`]) {
      const found = await searchOrders(deps, query);
      expect(found.matchedBy, query).toEqual(['phone']);
      expect(
        found.orders.map((order) => order.id),
        query,
      ).toEqual([byAddressPhone]);
    }
  });

  it('finds the order by its displayed number, with or without the #', async () => {
    for (const query of [orderNumber, orderNumber.slice(1), ` ${orderNumber} `]) {
      const found = await searchOrders(deps, query);
      expect(found.matchedBy, query).toEqual(['order-number']);
      expect(
        found.orders.map((order) => order.id),
        query,
      ).toEqual([byCustomerPhone]);
    }
  });

  it('keeps the phone and number entries when the order changes status', async () => {
    const order = await getOrderRecord(deps, byCustomerPhone);
    if (!order) throw new Error('order missing');
    expect(await transact(deps, [statusUpdateItem(deps, order, 'failed', ['placed'])])).toBe(true);
    const found = await searchOrders(deps, phone);
    expect(found.orders.map((row) => [row.id, row.status])).toEqual([[byCustomerPhone, 'failed']]);
  });

  it('finds nothing for a phone no order has, or too few digits to be one', async () => {
    expect(await searchOrders(deps, '+1 (999) 555-0000')).toEqual({ matchedBy: [], orders: [] });
    expect((await searchOrders(deps, '555-01')).orders).toEqual([]);
  });
});
