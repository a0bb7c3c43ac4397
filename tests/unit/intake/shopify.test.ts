import { describe, expect, it } from 'vitest';
import { UnprocessableError, ValidationError } from '../../../shared/domain/errors.js';
import { mapShopifyOrder } from '../../../shared/intake/shopify.js';
import { FIXTURE_TOTALS, shopifyOrder } from '../../support/fixtures.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

function nth<T>(items: T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new Error(`fixture has no item ${index}`);
  return item;
}

/** The fixture re-priced in another currency: two lines, one allocation, one shipping line. */
function repriced(
  currency: string,
  amounts: {
    tshirt: string;
    mug: string;
    allocation: string;
    shipping: string;
    tax: string;
    total: string;
  },
) {
  const order = shopifyOrder({ currency });
  const tshirt = nth(order.line_items, 0);
  tshirt.price = amounts.tshirt;
  nth(order.line_items, 1).price = amounts.mug;
  nth(tshirt.discount_allocations, 0).amount = amounts.allocation;
  order.total_discounts = amounts.allocation;
  const shipping = nth(order.shipping_lines, 0);
  shipping.price = amounts.shipping;
  shipping.discounted_price = amounts.shipping;
  order.total_tax = amounts.tax;
  order.total_price = amounts.total;
  return order;
}

describe('Given a Shopify orders/create webhook', () => {
  describe('When it is mapped', () => {
    it('produces the canonical order in integer minor units', () => {
      const payload = shopifyOrder();
      expect(mapShopifyOrder(payload)).toEqual({
        channel: 'shopify',
        externalId: String(payload.id),
        orderNumber: payload.name,
        currency: 'USD',
        customer: { email: 'ada.lovelace@example.com', name: 'Ada Lovelace' },
        shippingAddress: {
          name: 'Ada Lovelace',
          line1: '224 W 35th St',
          line2: 'Suite 500',
          city: 'New York',
          region: 'NY',
          postalCode: '10001',
          country: 'US',
          phone: '+12125550147',
        },
        lines: [
          { sku: 'SKU-TSHIRT-M', name: 'Classic T-Shirt', quantity: 2, unitPrice: 2500, discount: 500 },
          { sku: 'SKU-MUG', name: 'Ceramic Mug', quantity: 1, unitPrice: 1250, discount: 0 },
        ],
        shipping: FIXTURE_TOTALS.shipping,
        tax: FIXTURE_TOTALS.tax,
        discount: FIXTURE_TOTALS.discount,
        total: FIXTURE_TOTALS.total,
        placedAt: '2024-03-01T12:00:00-05:00',
        fulfillment: { type: 'ship' },
      });
    });
  });

  describe('When the amounts are ones binary floating point cannot hold', () => {
    it('maps them exactly', () => {
      // 19.99 × 100 is 1998.9999999999998 in floating point; 0.10 + 0.20 is 0.30000000000000004.
      const order = mapShopifyOrder(
        repriced('USD', {
          tshirt: '19.99',
          mug: '0.10',
          allocation: '0.20',
          shipping: '0.20',
          tax: '0.10',
          total: '40.18',
        }),
      );
      expect(order.lines.map((line) => line.unitPrice)).toEqual([1999, 10]);
      expect(order.total).toBe(4018);
    });
  });

  describe('When the shop sells in JPY (no minor unit)', () => {
    it('keeps yen as whole units', () => {
      const order = mapShopifyOrder(
        repriced('JPY', {
          tshirt: '2500',
          mug: '1250',
          allocation: '500',
          shipping: '600',
          tax: '510',
          total: '6860',
        }),
      );
      expect(order.lines.map((line) => line.unitPrice)).toEqual([2500, 1250]);
      expect(order).toMatchObject({ currency: 'JPY', discount: 500, shipping: 600, tax: 510, total: 6860 });
    });

    it('refuses sen it cannot represent, naming the field', () => {
      const payload = repriced('JPY', {
        tshirt: '2500.50',
        mug: '1250',
        allocation: '500',
        shipping: '600',
        tax: '510',
        total: '6861',
      });
      const error = thrown(() => mapShopifyOrder(payload));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).fields[0]?.field).toBe('line_items[0].price');
    });
  });

  describe('When the shop sells in KWD (three decimals)', () => {
    it('maps fils exactly', () => {
      const order = mapShopifyOrder(
        repriced('KWD', {
          tshirt: '12.345',
          mug: '1.005',
          allocation: '0.500',
          shipping: '2.000',
          tax: '0.125',
          total: '27.320',
        }),
      );
      expect(order.lines.map((line) => line.unitPrice)).toEqual([12345, 1005]);
      expect(order).toMatchObject({ discount: 500, shipping: 2000, tax: 125, total: 27320 });
    });
  });

  describe('When the stated total does not add up', () => {
    it('refuses it as unprocessable, naming total', () => {
      const error = thrown(() => mapShopifyOrder(shopifyOrder({ total_price: '68.60' })));
      expect(error).toBeInstanceOf(UnprocessableError);
      expect((error as UnprocessableError).details).toMatchObject({
        field: 'total',
        expected: 6859,
        stated: 6860,
      });
      expect((error as Error).message).toMatch(/^total 6860 does not equal/);
    });
  });

  describe('When a line has no SKU', () => {
    it.each([null, '', '  '])('refuses sku %j naming line_items[0].sku', (sku) => {
      const payload = shopifyOrder();
      Object.assign(nth(payload.line_items, 0), { sku });
      const error = thrown(() => mapShopifyOrder(payload));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).fields[0]?.field).toBe('line_items[0].sku');
      expect((error as Error).message).toMatch(/^line_items\[0\]\.sku: required: the OMS fulfils by SKU/);
    });
  });

  describe('When a field breaks a canonical rule', () => {
    it('names the zip under Shopify’s name for it', () => {
      const payload = shopifyOrder();
      payload.shipping_address.zip = '';
      const error = thrown(() => mapShopifyOrder(payload));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).fields.map((issue) => issue.field)).toEqual(['shipping_address.zip']);
      expect((error as Error).message).toMatch(/^shipping_address\.zip: /);
    });

    it('names a zero quantity on the second line', () => {
      const payload = shopifyOrder();
      Object.assign(nth(payload.line_items, 1), { quantity: 0 });
      const error = thrown(() => mapShopifyOrder(payload));
      expect((error as ValidationError).fields[0]?.field).toBe('line_items[1].quantity');
    });

    it('names a SKU with characters the warehouse cannot print', () => {
      const payload = shopifyOrder();
      Object.assign(nth(payload.line_items, 1), { sku: 'MUG/BLUE' });
      const error = thrown(() => mapShopifyOrder(payload));
      expect((error as ValidationError).fields[0]?.field).toBe('line_items[1].sku');
    });

    it('names shipping_address when there is none', () => {
      const error = thrown(() => mapShopifyOrder({ ...shopifyOrder(), shipping_address: null }));
      expect((error as ValidationError).fields[0]?.field).toBe('shipping_address');
    });

    it('names the currency when it is not one the OMS knows', () => {
      const error = thrown(() => mapShopifyOrder(shopifyOrder({ currency: 'XXX' })));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).fields[0]?.field).toBe('currency');
    });

    it('names the email when no email is given anywhere', () => {
      const payload = shopifyOrder({ email: '', contact_email: '' });
      payload.customer.email = '';
      const error = thrown(() => mapShopifyOrder(payload));
      expect((error as ValidationError).fields[0]?.field).toBe('customer.email');
    });

    it('refuses a payload that is not an order at all', () => {
      const error = thrown(() => mapShopifyOrder('webhook_id=1'));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).fields[0]?.field).toBe('(body)');
    });
  });

  describe('When the customer email is only on the customer record', () => {
    it('uses it', () => {
      const payload = shopifyOrder({ contact_email: '' });
      Object.assign(payload, { email: null });
      payload.customer.email = 'grace@example.com';
      expect(mapShopifyOrder(payload).customer.email).toBe('grace@example.com');
    });
  });

  describe('When shipping was discounted', () => {
    it('charges the discounted price', () => {
      const payload = shopifyOrder({ total_price: '65.60' });
      Object.assign(nth(payload.shipping_lines, 0), { price: '5.99', discounted_price: '3.00' });
      expect(mapShopifyOrder(payload).shipping).toBe(300);
    });

    it('falls back to the price when no discounted price is sent', () => {
      const payload = shopifyOrder();
      Object.assign(nth(payload.shipping_lines, 0), { discounted_price: undefined });
      expect(mapShopifyOrder(payload).shipping).toBe(599);
    });

    it('adds several shipping lines', () => {
      const payload = shopifyOrder({ total_price: '70.59' });
      const extra = {
        ...structuredClone(nth(payload.shipping_lines, 0)),
        price: '2.00',
        discounted_price: '2.00',
      };
      payload.shipping_lines.push(extra);
      expect(mapShopifyOrder(payload).shipping).toBe(799);
    });
  });

  describe('When a line has no discount allocations', () => {
    it('takes the line discount from total_discount', () => {
      const payload = shopifyOrder();
      Object.assign(nth(payload.line_items, 0), { discount_allocations: [], total_discount: '5.00' });
      expect(mapShopifyOrder(payload).lines[0]?.discount).toBe(500);
    });

    it('adds several allocations on one line', () => {
      const payload = shopifyOrder({ total_discounts: '7.50', total_price: '66.09' });
      const line = nth(payload.line_items, 0);
      const [first] = line.discount_allocations;
      Object.assign(line, { discount_allocations: [first, { ...first, amount: '2.50' }] });
      expect(mapShopifyOrder(payload).lines[0]?.discount).toBe(750);
    });
  });

  describe('When the id is beyond 2^53 and was rounded by JSON.parse', () => {
    it('takes the exact id from admin_graphql_api_id', () => {
      const payload = JSON.parse(
        JSON.stringify(shopifyOrder()).replace(/"id":\d+,"admin_graphql_api_id":"[^"]+"/, () => {
          return '"id":820982911946154508,"admin_graphql_api_id":"gid://shopify/Order/820982911946154508"';
        }),
      );
      expect(mapShopifyOrder(payload).externalId).toBe('820982911946154508');
    });
  });

  describe('When prices include tax', () => {
    it('refuses it plainly rather than store a tax that means something else', () => {
      const error = thrown(() => mapShopifyOrder(shopifyOrder({ taxes_included: true })));
      expect(error).toBeInstanceOf(UnprocessableError);
      expect((error as Error).message).toMatch(/taxes_included/);
    });
  });
});
