import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectAbandonedCarts, recordCartEvent } from '../../shared/app/carts.js';
import { recordMarketingEvent } from '../../shared/app/consumers.js';
import { abandonedCartsOn, customerInterest, productInterest } from '../../shared/app/marketing.js';
import { type CartEvent, CartEventSchema, recoveryCouponCode } from '../../shared/domain/carts.js';
import { emailHash } from '../../shared/domain/email-hash.js';
import { OrderPlaced } from '../../shared/events/catalogue.js';
import type { DomainEvent } from '../../shared/events/envelope.js';
import { getCart } from '../../shared/store/carts.js';
import { putLocation, setOnHand } from '../../shared/store/inventory.js';
import { keys } from '../../shared/store/keys.js';
import { abandonedCartsOn as reportedAbandonedCarts } from '../../shared/store/reporting.js';
import { busEnvelope } from '../support/bus.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { eventually, startTestRuntime, type TestRuntime } from '../support/runtime.js';

let base: TestDeps;
/** The clock every call here sees: the tests move it forward instead of waiting. */
let current = new Date();
let deps: TestDeps;
const minutesAgo = (minutes: number) => new Date(current.getTime() - minutes * 60_000).toISOString();
const advance = (minutes: number) => {
  current = new Date(current.getTime() + minutes * 60_000);
};

let sequence = 0;
/** A storefront event, `minutes` before the current clock. */
const cartEvent = (minutes: number, fields: Record<string, unknown>): CartEvent => {
  sequence += 1;
  return CartEventSchema.parse({ eventId: `ev-${sequence}`, occurredAt: minutesAgo(minutes), ...fields });
};
const addItem = (minutes: number, sku: string, quantity: number, unitPrice: number, email?: string) =>
  cartEvent(minutes, {
    type: 'item-added',
    sku,
    quantity,
    unitPrice,
    currency: 'USD',
    ...(email ? { customer: { email } } : {}),
  });

const cartEventsOf = (events: readonly DomainEvent[], type: string, cartId: string) =>
  events.filter(
    (event) => event.detailType === type && (event.detail.data as { cartId?: string }).cartId === cartId,
  );

const counterItem = async (key: { pk: string; sk: string }) =>
  (await base.db.send(new GetCommand({ TableName: base.tableName, Key: key }))).Item ?? {};

beforeAll(async () => {
  base = await createTestDeps();
  deps = { ...base, clock: { now: () => current } };
  await putLocation(deps, {
    id: 'wh-carts',
    kind: 'warehouse',
    name: 'Carts DC',
    address: { line1: '1 Dock', city: 'Newark', postalCode: '07114', country: 'US' },
    shipsToHome: true,
    pickup: false,
    dailyCapacity: 0,
    cutoffTime: '23:59',
  });
  await setOnHand(deps, 'wh-carts', 'SKU-PLENTY', 100);
  await setOnHand(deps, 'wh-carts', 'SKU-SCARCE', 1);
});

describe('Given storefront events for a cart', () => {
  describe('When they arrive twice and out of order', () => {
    it('applies each once and never moves the cart backwards', async () => {
      const id = 'cart-order';
      const first = addItem(30, 'SKU-PLENTY', 1, 2000);
      const second = addItem(20, 'SKU-PLENTY', 3, 2000);
      const checkout = cartEvent(10, { type: 'checkout-started', customer: { email: 'ada@example.com' } });

      expect((await recordCartEvent(deps, id, checkout)).outcome).toBe('applied');
      expect((await recordCartEvent(deps, id, second)).outcome).toBe('applied');
      expect((await recordCartEvent(deps, id, first)).outcome).toBe('ignored');
      expect((await recordCartEvent(deps, id, second)).outcome).toBe('duplicate');
      // The same event twice at once: one write wins, the other reads again and finds it applied.
      const removed = cartEvent(5, { type: 'item-removed', sku: 'SKU-PLENTY', quantity: 2 });
      const both = await Promise.all([
        recordCartEvent(deps, id, removed),
        recordCartEvent(deps, id, removed),
      ]);
      expect(both.map((result) => result.outcome).sort()).toEqual(['applied', 'duplicate']);

      const cart = await getCart(deps, id, { consistent: true });
      expect(cart).toMatchObject({
        status: 'checking-out',
        lastActivityAt: minutesAgo(5),
        subtotal: 4000,
        lines: [{ sku: 'SKU-PLENTY', quantity: 2, unitPrice: 2000 }],
        signals: { checkoutStartedAt: minutesAgo(10) },
      });
      // Three writes that changed the cart; the ignored, duplicate and losing attempts wrote nothing.
      expect(cart?.version).toBe(3);
    });

    it('refuses what no cart can take: another currency (409), a completed cart (409)', async () => {
      const id = 'cart-refusals';
      await recordCartEvent(deps, id, addItem(10, 'SKU-PLENTY', 1, 100));
      await expect(
        recordCartEvent(deps, id, { ...addItem(9, 'SKU-PLENTY', 1, 100), currency: 'EUR' }),
      ).rejects.toMatchObject({ statusCode: 409 });
      await recordCartEvent(deps, id, cartEvent(8, { type: 'checkout-completed', orderId: 'ord_x' }));
      await expect(recordCartEvent(deps, id, addItem(1, 'SKU-PLENTY', 2, 100))).rejects.toMatchObject({
        statusCode: 409,
      });
      expect((await getCart(deps, id))?.status).toBe('completed');
    });
  });
});

describe('Given carts that went quiet, one per cause', () => {
  const shipping = (
    minutes: number,
    options: { price: number; estimatedDelivery?: string }[],
    date?: string,
  ) =>
    cartEvent(minutes, {
      type: 'shipping-options-shown',
      options: options.map((option, index) => ({ id: `opt-${index}`, carrier: 'UPS', ...option })),
      ...(date ? { requestedDeliveryDate: date } : {}),
    });
  const expected: Record<string, string> = {
    'cart-stock': 'out-of-stock',
    'cart-date': 'delivery-date',
    'cart-shipping': 'shipping-cost',
    'cart-checkout': 'checkout-abandoned',
    'cart-unknown': 'unknown',
  };
  let abandonedDay: string;

  beforeAll(async () => {
    await recordCartEvent(deps, 'cart-stock', addItem(90, 'SKU-SCARCE', 2, 1000, 'stock@example.com'));
    await recordCartEvent(deps, 'cart-date', addItem(90, 'SKU-PLENTY', 1, 5000));
    await recordCartEvent(
      deps,
      'cart-date',
      shipping(85, [{ price: 500, estimatedDelivery: '2099-01-10' }], '2099-01-05'),
    );
    await recordCartEvent(deps, 'cart-shipping', addItem(90, 'SKU-PLENTY', 1, 5000, 'ship@example.com'));
    await recordCartEvent(deps, 'cart-shipping', cartEvent(88, { type: 'checkout-started' }));
    await recordCartEvent(deps, 'cart-shipping', shipping(85, [{ price: 1500 }, { price: 2500 }]));
    await recordCartEvent(deps, 'cart-checkout', addItem(90, 'SKU-PLENTY', 2, 5000, 'checkout@example.com'));
    await recordCartEvent(deps, 'cart-checkout', cartEvent(80, { type: 'checkout-started' }));
    await recordCartEvent(deps, 'cart-unknown', addItem(90, 'SKU-PLENTY', 1, 700));
    // Active within the quiet period, and an emptied cart: neither becomes CartAbandoned.
    await recordCartEvent(deps, 'cart-recent', addItem(5, 'SKU-PLENTY', 1, 700));
    await recordCartEvent(deps, 'cart-empty', addItem(90, 'SKU-PLENTY', 1, 700));
    await recordCartEvent(deps, 'cart-empty', cartEvent(89, { type: 'item-removed', sku: 'SKU-PLENTY' }));

    const run = await detectAbandonedCarts(deps, { quietPeriodMinutes: 60 });
    abandonedDay = current.toISOString().slice(0, 10);
    expect(run).toMatchObject({ abandoned: 5, dropped: 1 });
  });

  it('marks each abandoned with the cause its signals point to, and keeps the signals', async () => {
    for (const [id, cause] of Object.entries(expected)) {
      const cart = await getCart(deps, id, { consistent: true });
      expect({ id, status: cart?.status, cause: cart?.cause }).toEqual({ id, status: 'abandoned', cause });
    }
    expect((await getCart(deps, 'cart-stock'))?.causeSignals?.outOfStock).toEqual([
      { sku: 'SKU-SCARCE', quantity: 2, available: 1 },
    ]);
    expect((await getCart(deps, 'cart-shipping'))?.causeSignals).toEqual({
      shippingCost: { cheapest: 1500, subtotal: 5000, percent: 30 },
      checkoutStartedAt: minutesAgo(88),
    });
    expect((await getCart(deps, 'cart-date'))?.causeSignals?.deliveryDate).toEqual({
      requested: '2099-01-05',
      earliestOffered: '2099-01-10',
    });
    expect((await getCart(deps, 'cart-recent'))?.status).toBe('active');
    expect((await getCart(deps, 'cart-empty'))?.status).toBe('active');
  });

  it('announces CartAbandoned once per cart, with the cause, even when the detector runs again', async () => {
    expect((await detectAbandonedCarts(deps, { quietPeriodMinutes: 60 })).abandoned).toBe(0);
    const events = await deps.outbox();
    for (const [id, cause] of Object.entries(expected)) {
      const announced = cartEventsOf(events, 'CartAbandoned', id);
      expect(announced, id).toHaveLength(1);
      expect(announced[0]?.detail.data).toMatchObject({ cartId: id, cause });
      expect(announced[0]?.detail.metadata.correlationId).toBe(id);
    }
    expect(cartEventsOf(events, 'CartAbandoned', 'cart-empty')).toEqual([]);
    expect(cartEventsOf(events, 'CartAbandoned', 'cart-recent')).toEqual([]);
  });

  it('lists them under the day they were abandoned, for marketing and for the daily report', async () => {
    const listed = await abandonedCartsOn(deps, { date: abandonedDay, limit: 100 });
    expect(listed.items.map((cart) => [cart.cartId, cart.cause]).sort()).toEqual(
      Object.entries(expected).sort(),
    );
    expect(listed.items.find((cart) => cart.cartId === 'cart-stock')?.emailHash).toBe(
      emailHash('stock@example.com'),
    );
    const reported = await reportedAbandonedCarts(deps, abandonedDay);
    expect(reported.map((cart) => [cart.id, cart.status, cart.cause]).sort()).toEqual(
      Object.entries(expected)
        .map(([id, cause]) => [id, 'abandoned', cause])
        .sort(),
    );
    expect(reported.find((cart) => cart.id === 'cart-checkout')).toMatchObject({
      currency: 'USD',
      subtotal: 10000,
      abandonedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
  });

  describe('When the marketing consumer receives a CartAbandoned twice', () => {
    it('counts it once and asks for one recovery, with a coupon code recorded on the cart', async () => {
      const [abandoned] = cartEventsOf(await deps.outbox(), 'CartAbandoned', 'cart-shipping');
      if (!abandoned) throw new Error('no CartAbandoned for cart-shipping');
      const first = await recordMarketingEvent(deps, busEnvelope(abandoned, 'msg-1'));
      const again = await recordMarketingEvent(deps, busEnvelope(abandoned, 'msg-2'));
      expect([first, again]).toEqual(['applied', 'duplicate']);

      const code = recoveryCouponCode('cart-shipping');
      expect((await getCart(deps, 'cart-shipping', { consistent: true }))?.recovery).toMatchObject({
        couponCode: code,
        reason: 'shipping-cost',
      });
      const recoveries = cartEventsOf(await deps.outbox(), 'CartRecoveryRequested', 'cart-shipping');
      expect(recoveries).toHaveLength(1);
      expect(recoveries[0]).toMatchObject({
        source: 'oms.marketing',
        detail: {
          metadata: { correlationId: 'cart-shipping', idempotencyKey: 'cart-shipping:recovery' },
          data: {
            cartId: 'cart-shipping',
            customer: { email: 'ship@example.com' },
            couponCode: code,
            reason: 'shipping-cost',
            currency: 'USD',
            subtotal: 5000,
          },
        },
      });
      expect(await customerInterest(deps, emailHash('ship@example.com'))).toMatchObject({
        abandonedCarts: 1,
        recoveries: 1,
      });
    });

    it('asks for no recovery when a coupon would not help (out of stock) or there is no one to ask', async () => {
      for (const id of ['cart-stock', 'cart-unknown', 'cart-date']) {
        const [abandoned] = cartEventsOf(await deps.outbox(), 'CartAbandoned', id);
        if (!abandoned) throw new Error(`no CartAbandoned for ${id}`);
        expect(await recordMarketingEvent(deps, busEnvelope(abandoned, `msg-${id}`))).toBe('applied');
        expect((await getCart(deps, id, { consistent: true }))?.recovery).toBeUndefined();
      }
      const events = await deps.outbox();
      expect(events.filter((event) => event.detailType === 'CartRecoveryRequested')).toHaveLength(1);
      expect(await productInterest(deps, 'SKU-SCARCE')).toMatchObject({ abandoned: 1, ordered: 0 });
      // cart-date and cart-unknown held SKU-PLENTY; cart-shipping did too (previous test).
      expect(await productInterest(deps, 'SKU-PLENTY')).toMatchObject({ abandoned: 3, carted: 3 });
    });
  });

  describe('When a late event arrives after the abandonment', () => {
    it('brings the cart back, out of the abandoned list, and no coupon is offered for it', async () => {
      const [abandoned] = cartEventsOf(await deps.outbox(), 'CartAbandoned', 'cart-checkout');
      if (!abandoned) throw new Error('no CartAbandoned for cart-checkout');
      advance(1);
      const back = await recordCartEvent(deps, 'cart-checkout', addItem(0, 'SKU-PLENTY', 3, 5000));
      expect(back).toMatchObject({ status: 'checking-out', outcome: 'applied' });
      const cart = await getCart(deps, 'cart-checkout', { consistent: true });
      expect(cart).toMatchObject({ lastAbandonment: { cause: 'checkout-abandoned' }, subtotal: 15000 });
      expect(cart?.abandonedAt).toBeUndefined();

      // Marketing counts the abandonment that happened, but does not chase a customer who came back.
      expect(await recordMarketingEvent(deps, busEnvelope(abandoned, 'msg-late'))).toBe('applied');
      expect((await getCart(deps, 'cart-checkout', { consistent: true }))?.recovery).toBeUndefined();
      const listed = await abandonedCartsOn(deps, { date: abandonedDay, limit: 100 });
      expect(listed.items.map((item) => item.cartId)).not.toContain('cart-checkout');

      // Quiet again: abandoned again, under a new idempotency key.
      advance(61);
      await detectAbandonedCarts(deps, { quietPeriodMinutes: 60 });
      expect((await getCart(deps, 'cart-checkout', { consistent: true }))?.status).toBe('abandoned');
      const announced = cartEventsOf(await deps.outbox(), 'CartAbandoned', 'cart-checkout');
      expect(new Set(announced.map((event) => event.detail.metadata.idempotencyKey)).size).toBe(2);
    });
  });
});

describe('Given an OrderPlaced delivered twice to the marketing consumer', () => {
  it('counts the order once for each SKU and once for the customer, by email hash', async () => {
    const hash = emailHash('buyer@example.com');
    const placed = OrderPlaced.create(
      {
        orderId: 'ord_marketing',
        channel: 'direct',
        externalId: 'm-1',
        currency: 'USD',
        grandTotal: 1000,
        lineCount: 1,
        skus: ['SKU-ORDERED'],
        emailHash: hash,
      },
      { correlationId: 'ord_marketing', idempotencyKey: 'ord_marketing:placed', occurredAt: current },
    );
    expect(await recordMarketingEvent(deps, busEnvelope(placed, 'o-1'))).toBe('applied');
    expect(await recordMarketingEvent(deps, busEnvelope(placed, 'o-2'))).toBe('duplicate');
    expect(await productInterest(deps, 'SKU-ORDERED')).toEqual({
      sku: 'SKU-ORDERED',
      carted: 1,
      abandoned: 0,
      ordered: 1,
      abandonmentRate: 0,
    });
    expect(await counterItem(keys.customerInterest(hash))).toMatchObject({ orders: 1 });
    expect(await customerInterest(deps, hash)).toMatchObject({ carts: 1, orders: 1, abandonedCarts: 0 });
  });
});

describe('Given the local runtime (HTTP, stream, bus, marketing queue)', () => {
  let oms: TestRuntime;
  beforeAll(async () => {
    oms = await startTestRuntime();
  });
  afterAll(async () => {
    await oms?.stop();
  });

  it('turns a cart quiet for 11 hours into CartAbandoned, and marketing into one coupon for it', async () => {
    const quiet = new Date(Date.now() - 11 * 3600 * 1000).toISOString();
    const event = (eventId: string, fields: Record<string, unknown>) =>
      oms.request('POST', '/carts/http-cart/events', { eventId, occurredAt: quiet, ...fields });
    const added = {
      type: 'item-added',
      sku: 'SKU-HTTP-CART',
      quantity: 2,
      unitPrice: 1250,
      currency: 'USD',
      customer: { email: 'http-cart@example.com' },
    };
    expect((await event('h-1', added)).body).toMatchObject({ cartId: 'http-cart', outcome: 'applied' });
    expect((await event('h-1', added)).body).toMatchObject({ outcome: 'duplicate' });
    expect((await event('h-2', { type: 'checkout-started' })).status).toBe(200);
    const refused = await event('h-3', { ...added, quantity: 0 });
    expect(refused.status).toBe(400);
    expect(refused.body.error.fields).toEqual([{ field: 'quantity', message: expect.any(String) }]);
    expect((await event('h-4', { ...added, currency: 'EUR' })).status).toBe(409);
    expect((await oms.request('POST', '/carts/bad%20id/events', added)).status).toBe(400);

    await oms.scheduler.runNow('abandoned-carts');
    const today = new Date().toISOString().slice(0, 10);
    const listed = await eventually(async () => {
      const page = (await oms.request('GET', `/marketing/abandoned-carts?date=${today}`)).body;
      const cart = page.items?.find((item: { cartId: string }) => item.cartId === 'http-cart');
      return cart?.recovery ? cart : undefined;
    });
    expect(listed).toMatchObject({
      cause: 'checkout-abandoned',
      subtotal: 2500,
      emailHash: emailHash('http-cart@example.com'),
      recovery: { couponCode: recoveryCouponCode('http-cart'), reason: 'checkout-abandoned' },
    });
    const customer = await oms.request(
      'GET',
      `/marketing/customers/${emailHash('http-cart@example.com')}/interest`,
    );
    expect(customer.body).toMatchObject({ abandonedCarts: 1, recoveries: 1, orders: 0 });
    const product = await oms.request('GET', '/marketing/products/SKU-HTTP-CART/interest');
    expect(product.body).toMatchObject({ carted: 1, abandoned: 1, ordered: 0, abandonmentRate: 100 });
    expect((await oms.request('GET', '/marketing/customers/not-a-hash/interest')).status).toBe(400);
  });
});
