import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectAbandonedCarts, recordCartEvent } from '../../shared/app/carts.js';
import { markOrderFailed } from '../../shared/app/compensate.js';
import { recordMarketingEvent } from '../../shared/app/consumers.js';
import { createCoupon, getCouponView, previewDiscounts, updateCoupon } from '../../shared/app/coupons.js';
import { toOrderView } from '../../shared/app/order-view.js';
import { orderIdFor, placeOrder } from '../../shared/app/place-order.js';
import { CartEventSchema, recoveryCouponCode } from '../../shared/domain/carts.js';
import { type CouponDefinition, CouponDefinitionSchema } from '../../shared/domain/coupons.js';
import { emailHash } from '../../shared/domain/email-hash.js';
import { ConflictError, UnprocessableError } from '../../shared/domain/errors.js';
import { saleEntry } from '../../shared/domain/ledger.js';
import type { CanonicalOrder } from '../../shared/domain/order.js';
import { CartAbandoned } from '../../shared/events/catalogue.js';
import { mapShopifyOrder } from '../../shared/intake/shopify.js';
import { mapStandardOrder, parseDirectOrder } from '../../shared/intake/standard.js';
import { mapWooCommerceOrder } from '../../shared/intake/woocommerce.js';
import { getCart } from '../../shared/store/carts.js';
import { couponsAndUses, getCoupon } from '../../shared/store/coupons.js';
import { getOrderAggregate, getOrderRecord } from '../../shared/store/orders.js';
import { busEnvelope } from '../support/bus.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { directOrder, shopifyOrder, standardOrder, uniqueNumber, wooOrder } from '../support/fixtures.js';
import { startTestRuntime, type TestRuntime } from '../support/runtime.js';

let deps: TestDeps;

beforeAll(async () => {
  deps = await createTestDeps();
});

const define = (fields: Record<string, unknown>): CouponDefinition => CouponDefinitionSchema.parse(fields);
let codeSequence = 0;
const freshCode = (prefix: string) => {
  codeSequence += 1;
  return `${prefix}-${uniqueNumber()}-${codeSequence}`;
};

/**
 * A direct order (2 × SKU-TSHIRT-M at 25.00, 1 × SKU-MUG at 12.50, shipping 5.99, tax 5.10) with no discount
 * of its own, its total stated as the checkout would after a preview: 62.50 − `discount` + 5.99 + 5.10.
 */
function orderWithCodes(codes: string[], discount: number, overrides: Record<string, unknown> = {}) {
  const body = {
    ...directOrder(),
    lines: [
      { sku: 'SKU-TSHIRT-M', quantity: 2, unitPrice: 2500 },
      { sku: 'SKU-MUG', quantity: 1, unitPrice: 1250 },
    ],
    discount: 0,
    total: 6250 - discount + 599 + 510,
    couponCodes: codes,
    ...overrides,
  };
  return { body, ...parseDirectOrder(body) };
}

const place = (codes: string[], discount: number, overrides: Record<string, unknown> = {}) => {
  const { order, couponCodes } = orderWithCodes(codes, discount, overrides);
  return placeOrder(deps, { order, couponCodes });
};

const usage = async (code: string) => (await getCoupon(deps, code, { consistent: true }))?.usageCount;

describe('Given a coupon with 3 uses left', () => {
  describe('When 10 checkouts race for them at once', () => {
    it('places exactly 3 orders; the other 7 get a 409 naming the code and the limit, and write nothing', async () => {
      const code = freshCode('LAST3');
      await createCoupon(deps, define({ code, type: 'fixed', amount: 500, currency: 'USD', usageLimit: 3 }));
      const orders = Array.from({ length: 10 }, () => orderWithCodes([code], 500));
      const attempts = await Promise.allSettled(
        orders.map(({ order, couponCodes }) => placeOrder(deps, { order, couponCodes })),
      );
      const placed = attempts.filter((attempt) => attempt.status === 'fulfilled');
      const refused = attempts.flatMap((attempt) => (attempt.status === 'rejected' ? [attempt.reason] : []));
      expect(placed).toHaveLength(3);
      expect(refused).toHaveLength(7);
      for (const error of refused) {
        expect(error).toBeInstanceOf(ConflictError);
        expect(error.message).toContain(code);
        expect(error.details).toMatchObject({ field: 'couponCodes', code, reason: 'usage-limit-reached' });
      }
      expect(await usage(code)).toBe(3);
      // Nothing half-written: only the winners' orders exist.
      const stored = await Promise.all(
        orders.map(({ order }) => getOrderRecord(deps, orderIdFor('direct', order.externalId))),
      );
      expect(stored.filter((record) => record !== undefined)).toHaveLength(3);
      expect(stored.filter((record) => record?.coupons?.[0]?.code === code)).toHaveLength(3);
      expect((await getCouponView(deps, code)).remaining).toBe(0);
    });
  });
});

describe('Given a coupon limited to one use per customer', () => {
  describe('When the same customer places 5 orders with it at once', () => {
    it('places exactly one; the others are refused with customer-limit-reached; another customer still can', async () => {
      const code = freshCode('ONEEACH');
      await createCoupon(
        deps,
        define({ code, type: 'percentage', basisPoints: 1000, perCustomerLimit: 1, usageLimit: 100 }),
      );
      const email = `racer-${uniqueNumber()}@example.com`;
      const customer = { email, name: 'Racer' };
      const attempts = await Promise.allSettled(
        Array.from({ length: 5 }, () => place([code], 625, { customer })),
      );
      expect(attempts.filter((attempt) => attempt.status === 'fulfilled')).toHaveLength(1);
      const refused = attempts.flatMap((attempt) => (attempt.status === 'rejected' ? [attempt.reason] : []));
      expect(refused).toHaveLength(4);
      for (const error of refused) {
        expect(error).toBeInstanceOf(ConflictError);
        expect(error.details).toMatchObject({ code, reason: 'customer-limit-reached' });
      }
      expect(await usage(code)).toBe(1);
      const { uses } = await couponsAndUses(deps, [code], emailHash(email), { consistent: true });
      expect(uses.get(code)).toBe(1);
      // The email's case does not make another customer.
      await expect(place([code], 625, { customer: { email: email.toUpperCase() } })).rejects.toMatchObject({
        details: { reason: 'customer-limit-reached' },
      });
      await expect(place([code], 625, { customer: { email: `other-${email}` } })).resolves.toMatchObject({
        duplicate: false,
      });
      expect(await usage(code)).toBe(2);
    });
  });
});

describe('Given a direct order placed with a coupon', () => {
  let code: string;
  let order: CanonicalOrder;
  let orderId: string;

  beforeAll(async () => {
    code = freshCode('TENOFF');
    await createCoupon(deps, define({ code, type: 'percentage', basisPoints: 1000, usageLimit: 1 }));
    const built = orderWithCodes([code.toLowerCase()], 625);
    order = built.order;
    orderId = (
      await placeOrder(deps, {
        order,
        couponCodes: built.couponCodes,
        idempotencyKey: 'k1',
        requestHash: 'h1',
      })
    ).orderId;
  });

  it('records the code, its discount and each line’s share, and totals that add up for the ledger', async () => {
    const record = await getOrderRecord(deps, orderId);
    expect(record?.coupons).toEqual([
      { code, type: 'percentage', discount: 625, lines: [500, 125], perCustomer: false },
    ]);
    expect(record?.lines.map((line) => line.discount)).toEqual([500, 125]);
    expect(record?.totals).toEqual({ subtotal: 6250, discount: 625, shipping: 599, tax: 510, grand: 6734 });
    expect(record?.payment.amount).toBe(6734);
    const entry = saleEntry({
      id: 'je_test',
      postedAt: new Date().toISOString(),
      currency: 'USD',
      orderId,
      paymentId: 'cap_test',
      totals: record?.totals ?? { subtotal: 0, discount: 0, shipping: 0, tax: 0, grand: 0 },
    });
    expect(entry.lines).toContainEqual({ account: '4900-sales-discounts', debit: 625, credit: 0 });
    const aggregate = await getOrderAggregate(deps, orderId);
    if (!aggregate) throw new Error('order not found');
    expect(toOrderView(aggregate).coupons).toEqual([
      { code, type: 'percentage', discount: 625, lines: [500, 125] },
    ]);
  });

  describe('When the same order is delivered again (same idempotency key) after it took the last use', () => {
    it('answers duplicate and counts nothing twice', async () => {
      const again = await placeOrder(deps, {
        order,
        couponCodes: [code],
        idempotencyKey: 'k1',
        requestHash: 'h1',
      });
      expect(again).toEqual({ orderId, duplicate: true });
      expect(await usage(code)).toBe(1);
    });

    it('still refuses the same key with a different body (409)', async () => {
      await expect(
        placeOrder(deps, { order, couponCodes: [code], idempotencyKey: 'k1', requestHash: 'other' }),
      ).rejects.toThrow(/Idempotency-Key/);
    });
  });

  describe('When the order fails (workflow compensation marks it failed)', () => {
    it('gives the use back once, however often it is marked failed', async () => {
      expect(await usage(code)).toBe(1);
      await markOrderFailed(deps, { orderId, error: { Error: 'PaymentDeclinedError' } });
      await markOrderFailed(deps, { orderId, error: { Error: 'PaymentDeclinedError' } });
      expect(await usage(code)).toBe(0);
      // The released use can be redeemed by someone else.
      await expect(place([code], 625)).resolves.toMatchObject({ duplicate: false });
      expect(await usage(code)).toBe(1);
    });
  });
});

describe('Given a direct order whose codes do not apply', () => {
  it('refuses it with 422 and the reason, and counts no use', async () => {
    const expired = freshCode('GONE');
    await createCoupon(
      deps,
      define({ code: expired, type: 'percentage', basisPoints: 1000, startsAt: '2026-01-01T00:00:00Z' }),
    );
    await updateCoupon(deps, expired, { endsAt: new Date(Date.now() - 1000).toISOString() });
    await expect(place([expired], 625)).rejects.toMatchObject({
      constructor: UnprocessableError,
      details: { code: expired, reason: 'expired' },
    });

    const minimum = freshCode('MIN');
    await createCoupon(
      deps,
      define({ code: minimum, type: 'fixed', amount: 1000, currency: 'USD', minimumSubtotal: 10_000 }),
    );
    await expect(place([minimum], 1000)).rejects.toMatchObject({ details: { reason: 'below-minimum' } });

    const shoes = freshCode('SHOES');
    await createCoupon(
      deps,
      define({ code: shoes, type: 'percentage', basisPoints: 1000, entitledSkus: ['SHOE'] }),
    );
    await expect(place([shoes], 0)).rejects.toMatchObject({ details: { reason: 'not-entitled' } });

    const alone = freshCode('ALONE');
    const stack = freshCode('STACK');
    await createCoupon(deps, define({ code: alone, type: 'percentage', basisPoints: 1000 }));
    await createCoupon(
      deps,
      define({ code: stack, type: 'fixed', amount: 100, currency: 'USD', stackable: true }),
    );
    await expect(place([alone, stack], 725)).rejects.toMatchObject({
      details: { code: alone, reason: 'not-stackable' },
    });

    const euro = freshCode('EURO');
    await createCoupon(deps, define({ code: euro, type: 'fixed', amount: 500, currency: 'EUR' }));
    await expect(place([euro], 500)).rejects.toMatchObject({ details: { reason: 'currency-mismatch' } });

    for (const code of [expired, minimum, shoes, alone, stack, euro]) expect(await usage(code)).toBe(0);
  });

  it('refuses a total that does not take the codes’ discount into account (422), writing nothing', async () => {
    const code = freshCode('TOTAL');
    await createCoupon(deps, define({ code, type: 'fixed', amount: 500, currency: 'USD' }));
    const { order, couponCodes } = orderWithCodes([code], 0);
    await expect(placeOrder(deps, { order, couponCodes })).rejects.toMatchObject({
      details: { field: 'total', expected: 6859 },
    });
    expect(await usage(code)).toBe(0);
    expect(await getOrderRecord(deps, orderIdFor('direct', order.externalId))).toBeUndefined();
  });

  it('combines stackable codes in the documented order (percentage, then fixed)', async () => {
    const percent = freshCode('PCT');
    const fixed = freshCode('FIX');
    await createCoupon(
      deps,
      define({ code: percent, type: 'percentage', basisPoints: 1000, stackable: true }),
    );
    await createCoupon(
      deps,
      define({
        code: fixed,
        type: 'fixed',
        amount: 300,
        currency: 'USD',
        stackable: true,
        entitledSkus: ['SKU-MUG'],
      }),
    );
    const { orderId } = await place([fixed, percent], 925);
    const record = await getOrderRecord(deps, orderId);
    expect(record?.coupons?.map((coupon) => [coupon.code, coupon.discount])).toEqual([
      [percent, 625],
      [fixed, 300],
    ]);
    expect(record?.lines.map((line) => line.discount)).toEqual([500, 425]);
  });
});

describe('Given channel orders that bring their own discount allocations', () => {
  it('keeps Shopify’s discount_allocations as given and redeems no coupon of the same name', async () => {
    // The fixture's 5.00 code is allocated wholly to the T-shirts (a proportional split would be 4.00 / 1.00).
    await createCoupon(
      deps,
      define({ code: 'TSHIRT5', type: 'fixed', amount: 500, currency: 'USD', usageLimit: 1 }),
    );
    const order = mapShopifyOrder(shopifyOrder());
    expect(order.lines.map((line) => line.discount)).toEqual([500, 0]);
    const { orderId } = await placeOrder(deps, { order });
    const record = await getOrderRecord(deps, orderId);
    expect(record?.lines.map((line) => line.discount)).toEqual([500, 0]);
    expect(record?.totals.discount).toBe(500);
    expect(record?.coupons).toBeUndefined();
    expect(await usage('TSHIRT5')).toBe(0);
  });

  it('keeps WooCommerce and Standard Webhooks allocations as given too', async () => {
    for (const order of [mapWooCommerceOrder(wooOrder()), mapStandardOrder(standardOrder())]) {
      const { orderId } = await placeOrder(deps, { order });
      const record = await getOrderRecord(deps, orderId);
      expect(record?.lines.map((line) => line.discount)).toEqual(order.lines.map((line) => line.discount));
      expect(record?.lines.map((line) => line.discount)).toEqual([500, 0]);
      expect(record?.coupons).toBeUndefined();
    }
  });
});

describe('Given a preview request', () => {
  it('answers the allocation intake would apply, or the reason per code', async () => {
    const code = freshCode('PREVIEW');
    await createCoupon(deps, define({ code, type: 'percentage', basisPoints: 1500, currency: 'JPY' }));
    const ok = await previewDiscounts(deps, {
      codes: [code],
      currency: 'JPY',
      lines: [
        { sku: 'A', quantity: 2, unitPrice: 410 },
        { sku: 'B', quantity: 1, unitPrice: 414 },
      ],
    });
    // 15 % of ¥1 234 = 185.1 → ¥185; split 820:414 → 122.92 / 62.08 → 123 / 62.
    expect(ok).toMatchObject({ applicable: true, discount: 185, subtotal: 1234 });
    expect(ok.lines.map((line) => line.discount)).toEqual([123, 62]);
    const wrong = await previewDiscounts(deps, {
      codes: [code, 'NO-SUCH-CODE'],
      currency: 'USD',
      lines: [{ sku: 'A', quantity: 1, unitPrice: 100 }],
    });
    expect(wrong.applicable).toBe(false);
    expect(wrong.codes.map((outcome) => (outcome.applies ? 'applies' : outcome.reason))).toEqual([
      'currency-mismatch',
      'unknown-code',
    ]);
  });
});

describe('Given an abandoned cart that marketing wins back with a code', () => {
  it('makes the code a real single-use coupon, once, that redeems at checkout', async () => {
    const now = new Date();
    const later = { ...deps, clock: { now: () => new Date(now.getTime() + 3 * 3600_000) } };
    const cartId = `cart-coupon-${uniqueNumber()}`;
    const email = `cart-${uniqueNumber()}@example.com`;
    const at = (minutes: number) => new Date(now.getTime() - minutes * 60_000).toISOString();
    await recordCartEvent(
      deps,
      cartId,
      CartEventSchema.parse({
        eventId: 'e1',
        occurredAt: at(30),
        type: 'item-added',
        sku: 'SKU-MUG',
        quantity: 1,
        unitPrice: 1250,
        currency: 'USD',
        customer: { email },
      }),
    );
    await recordCartEvent(
      deps,
      cartId,
      CartEventSchema.parse({ eventId: 'e2', occurredAt: at(20), type: 'checkout-started' }),
    );
    await detectAbandonedCarts(later, { quietPeriodMinutes: 60 });
    const cart = await getCart(deps, cartId, { consistent: true });
    expect(cart?.status).toBe('abandoned');
    const abandoned = CartAbandoned.create(
      {
        cartId,
        cause: 'checkout-abandoned',
        signals: {},
        abandonedAt: cart?.abandonedAt ?? '',
        lastActivityAt: cart?.lastActivityAt ?? '',
        currency: 'USD',
        subtotal: 1250,
        lines: [{ sku: 'SKU-MUG', quantity: 1, unitPrice: 1250 }],
        emailHash: emailHash(email),
      },
      { correlationId: cartId, idempotencyKey: `${cartId}:abandoned`, occurredAt: now },
    );
    expect(await recordMarketingEvent(deps, busEnvelope(abandoned, 'm1'))).toBe('applied');
    expect(await recordMarketingEvent(deps, busEnvelope(abandoned, 'm2'))).toBe('duplicate');

    const code = recoveryCouponCode(cartId);
    const coupon = await getCouponView(deps, code);
    expect(coupon).toMatchObject({
      code,
      type: 'percentage',
      basisPoints: 1000,
      currency: 'USD',
      usageLimit: 1,
      perCustomerLimit: 1,
      stackable: false,
      usageCount: 0,
      origin: { kind: 'cart-recovery', cartId },
    });
    // The checkout redeems it once (10 % of 62.50 = 6.25), a second order is refused.
    await expect(place([code], 625, { customer: { email } })).resolves.toMatchObject({ duplicate: false });
    await expect(place([code], 625, { customer: { email } })).rejects.toBeInstanceOf(ConflictError);
    expect(await usage(code)).toBe(1);
  });
});

describe('Given the coupon routes over HTTP', () => {
  let oms: TestRuntime;
  beforeAll(async () => {
    oms = await startTestRuntime();
  });
  afterAll(async () => {
    await oms?.stop();
  });

  it('creates (201, then 409), reads with usage, changes, previews and redeems through POST /orders', async () => {
    const code = freshCode('HTTP');
    const created = await oms.request('POST', '/coupons', {
      code: code.toLowerCase(),
      type: 'fixed',
      amount: 500,
      currency: 'USD',
      usageLimit: 1,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ code, usageCount: 0, remaining: 1 });
    expect(
      (await oms.request('POST', '/coupons', { code, type: 'percentage', basisPoints: 10 })).status,
    ).toBe(409);
    expect((await oms.request('POST', '/coupons', { code: 'X', type: 'fixed' })).status).toBe(400);
    expect((await oms.request('GET', '/coupons/NOPE-NOPE')).status).toBe(404);

    const preview = await oms.request('POST', '/discounts/preview', {
      codes: [code],
      currency: 'USD',
      lines: [{ sku: 'SKU-MUG', quantity: 1, unitPrice: 1250 }],
      customerEmail: 'http@example.com',
    });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ applicable: true, discount: 500, lines: [{ discount: 500 }] });

    const { body } = orderWithCodes([code], 500);
    const first = await oms.request('POST', '/orders', body, {
      'idempotency-key': `coupon-http-${uniqueNumber()}`,
    });
    expect(first.status).toBe(201);
    const second = await oms.request('POST', '/orders', orderWithCodes([code], 500).body, {
      'idempotency-key': `coupon-http-${uniqueNumber()}`,
    });
    expect(second.status).toBe(409);
    expect(second.body.error.message).toContain(code);
    expect(second.body.error.details).toMatchObject({ code, reason: 'usage-limit-reached' });
    expect((await oms.request('GET', `/coupons/${code.toLowerCase()}`)).body).toMatchObject({
      usageCount: 1,
      remaining: 0,
    });

    const disabled = await oms.request('PUT', `/coupons/${code}`, { status: 'disabled' });
    expect(disabled.status).toBe(200);
    expect(disabled.body.status).toBe('disabled');
    expect((await oms.request('PUT', `/coupons/${code}`, {})).status).toBe(400);
  });
});
