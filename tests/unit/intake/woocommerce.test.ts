import { describe, expect, it } from 'vitest';
import { UnprocessableError, ValidationError } from '../../../shared/domain/errors.js';
import { isWooCommercePing, mapWooCommerceOrder } from '../../../shared/intake/woocommerce.js';
import { FIXTURE_TOTALS, wooOrder } from '../../support/fixtures.js';

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

function fieldsOf(error: unknown): string[] {
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).fields.map((issue) => issue.field);
}

/** The fixture re-priced: amounts per line are [subtotal, total], quantities stay 2 and 1. */
function repriced(
  currency: string,
  amounts: {
    tshirt: [string, string];
    mug: [string, string];
    discount: string;
    shipping: string;
    tax: string;
    total: string;
  },
) {
  const order = wooOrder({
    currency,
    discount_total: amounts.discount,
    shipping_total: amounts.shipping,
    total_tax: amounts.tax,
    total: amounts.total,
  });
  Object.assign(nth(order.line_items, 0), { subtotal: amounts.tshirt[0], total: amounts.tshirt[1] });
  Object.assign(nth(order.line_items, 1), { subtotal: amounts.mug[0], total: amounts.mug[1] });
  return order;
}

describe('Given a WooCommerce order.created webhook', () => {
  describe('When it is mapped', () => {
    it('produces the canonical order in integer minor units', () => {
      const payload = wooOrder();
      expect(mapWooCommerceOrder(payload)).toEqual({
        channel: 'woocommerce',
        externalId: String(payload.id),
        orderNumber: payload.number,
        currency: 'USD',
        customer: { email: 'ada.lovelace@example.com', phone: '+12125550147', name: 'Ada Lovelace' },
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
          { sku: 'SKU-TSHIRT-M', name: 'Classic T-Shirt - M', quantity: 2, unitPrice: 2500, discount: 500 },
          { sku: 'SKU-MUG', name: 'Ceramic Mug', quantity: 1, unitPrice: 1250, discount: 0 },
        ],
        shipping: FIXTURE_TOTALS.shipping,
        tax: FIXTURE_TOTALS.tax,
        discount: FIXTURE_TOTALS.discount,
        total: FIXTURE_TOTALS.total,
        // date_created_gmt has no offset; it is UTC.
        placedAt: '2024-03-01T17:00:00Z',
        fulfillment: { type: 'ship' },
      });
    });

    it('takes the unit price from the subtotal, not from the discounted price field', () => {
      // The fixture's t-shirt price is 22.5 (after the coupon); the unit price is 25.00.
      expect(mapWooCommerceOrder(wooOrder()).lines[0]?.unitPrice).toBe(2500);
    });
  });

  describe('When shipping is taxed', () => {
    it('counts shipping tax once, as part of total_tax', () => {
      const order = mapWooCommerceOrder(
        wooOrder({ shipping_tax: '0.53', total_tax: '5.63', total: '69.12' }),
      );
      expect(order.tax).toBe(563);
      expect(order.shipping).toBe(599);
    });
  });

  describe('When the store sells in JPY (no minor unit)', () => {
    it('keeps yen as whole units', () => {
      const order = mapWooCommerceOrder(
        repriced('JPY', {
          tshirt: ['5000', '4500'],
          mug: ['1250', '1250'],
          discount: '500',
          shipping: '600',
          tax: '510',
          total: '6860',
        }),
      );
      expect(order.lines.map((line) => [line.unitPrice, line.discount])).toEqual([
        [2500, 500],
        [1250, 0],
      ]);
      expect(order.total).toBe(6860);
    });
  });

  describe('When the store sells in KWD (three decimals)', () => {
    it('maps fils exactly', () => {
      const order = mapWooCommerceOrder(
        repriced('KWD', {
          tshirt: ['24.690', '24.190'],
          mug: ['1.005', '1.005'],
          discount: '0.500',
          shipping: '2.000',
          tax: '0.125',
          total: '27.320',
        }),
      );
      expect(order.lines.map((line) => [line.unitPrice, line.discount])).toEqual([
        [12345, 500],
        [1005, 0],
      ]);
      expect(order).toMatchObject({ discount: 500, shipping: 2000, tax: 125, total: 27320 });
    });
  });

  describe('When a line subtotal is not quantity × a whole unit price', () => {
    it('refuses it, naming the subtotal and both ways it tried', () => {
      const payload = wooOrder({ total: '58.59' });
      // 10.00 for three is 3.333…: no whole-cent unit price reproduces it, and WooCommerce's float price does not.
      Object.assign(nth(payload.line_items, 1), {
        quantity: 3,
        subtotal: '10.00',
        total: '10.00',
        price: 3.3333333333333335,
      });
      const error = thrown(() => mapWooCommerceOrder(payload));
      expect(fieldsOf(error)).toEqual(['line_items[1].subtotal']);
      expect((error as Error).message).toBe(
        'line_items[1].subtotal: subtotal 10.00 USD is not 3 × a whole unit price, and price 3.3333333333333335 × 3 does not equal it',
      );
    });
  });

  describe('When the stated total does not add up', () => {
    it('refuses it as unprocessable, naming total', () => {
      const error = thrown(() => mapWooCommerceOrder(wooOrder({ total: '68.58' })));
      expect(error).toBeInstanceOf(UnprocessableError);
      expect((error as UnprocessableError).details).toMatchObject({
        field: 'total',
        expected: 6859,
        stated: 6858,
      });
    });

    it('refuses a discount_total smaller than the line discounts', () => {
      const error = thrown(() => mapWooCommerceOrder(wooOrder({ discount_total: '4.00', total: '69.59' })));
      expect(error).toBeInstanceOf(UnprocessableError);
      expect((error as UnprocessableError).details).toMatchObject({ field: 'discount' });
    });
  });

  describe('When a line has no SKU', () => {
    it.each([null, ''])('refuses sku %j naming line_items[0].sku', (sku) => {
      const payload = wooOrder();
      Object.assign(nth(payload.line_items, 0), { sku });
      const error = thrown(() => mapWooCommerceOrder(payload));
      expect(fieldsOf(error)).toEqual(['line_items[0].sku']);
      expect((error as Error).message).toMatch(/^line_items\[0\]\.sku: required/);
    });
  });

  describe('When a field breaks a canonical rule', () => {
    it('names the billing email', () => {
      const payload = wooOrder();
      payload.billing.email = 'not-an-email';
      expect(fieldsOf(thrown(() => mapWooCommerceOrder(payload)))).toEqual(['billing.email']);
    });

    it('names the shipping postcode', () => {
      const payload = wooOrder();
      payload.shipping.postcode = '';
      expect(fieldsOf(thrown(() => mapWooCommerceOrder(payload)))).toEqual(['shipping.postcode']);
    });

    it('names a line whose total exceeds its subtotal', () => {
      const payload = wooOrder();
      Object.assign(nth(payload.line_items, 1), { total: '13.50' });
      expect(fieldsOf(thrown(() => mapWooCommerceOrder(payload)))).toEqual(['line_items[1].total']);
    });

    it('names a zero quantity', () => {
      const payload = wooOrder();
      Object.assign(nth(payload.line_items, 1), { quantity: 0 });
      expect(fieldsOf(thrown(() => mapWooCommerceOrder(payload)))).toContain('line_items[1].quantity');
    });

    it('names an amount with more decimals than the currency has', () => {
      expect(fieldsOf(thrown(() => mapWooCommerceOrder(wooOrder({ shipping_total: '5.995' }))))).toEqual([
        'shipping_total',
      ]);
    });
  });
});

describe('Given a request to the WooCommerce webhook endpoint', () => {
  describe('When it is the ping WooCommerce sends on webhook creation', () => {
    it.each([
      ['application/x-www-form-urlencoded', 'webhook_id=12'],
      ['application/x-www-form-urlencoded; charset=UTF-8', 'webhook_id=12\n'],
      ['Application/X-WWW-Form-Urlencoded', 'webhook_id=7'],
    ])('recognises %s with body %j', (contentType, body) => {
      expect(isWooCommercePing(contentType, body)).toBe(true);
    });
  });

  describe('When it is anything else', () => {
    it.each([
      ['application/json', 'webhook_id=12'],
      [undefined, 'webhook_id=12'],
      ['application/x-www-form-urlencoded', 'webhook_id=12&id=4821'],
      ['application/x-www-form-urlencoded', 'webhook_id=abc'],
      ['application/x-www-form-urlencoded', ''],
      ['application/json', JSON.stringify({ id: 4821, webhook_id: 12 })],
    ])('does not treat %s with body %j as a ping', (contentType, body) => {
      expect(isWooCommercePing(contentType, body)).toBe(false);
    });
  });
});
