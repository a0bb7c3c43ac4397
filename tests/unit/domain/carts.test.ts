import { describe, expect, it } from 'vitest';
import {
  abandonmentCause,
  activeCartShard,
  applyCartEvent,
  type Cart,
  type CartEvent,
  CartEventSchema,
  recoveryCouponCode,
} from '../../../shared/domain/carts.js';
import { emailHash } from '../../../shared/domain/email-hash.js';
import { withChange } from '../../../shared/store/outbox.js';

const now = new Date('2026-05-01T12:00:00.000Z');
const at = (minutes: number) => new Date(now.getTime() + minutes * 60_000).toISOString();

const event = (input: Record<string, unknown>): CartEvent => CartEventSchema.parse(input);
const added = (id: string, minutes: number, sku: string, quantity: number, unitPrice = 1000) =>
  event({
    eventId: id,
    occurredAt: at(minutes),
    type: 'item-added',
    sku,
    quantity,
    unitPrice,
    currency: 'USD',
  });

/** Applies events in the order given, as the cart route would. */
function replay(events: CartEvent[], start?: Cart) {
  let cart = start;
  const outcomes: string[] = [];
  for (const item of events) {
    const result = applyCartEvent(cart, item, { cartId: 'c1', now });
    cart = result.cart;
    outcomes.push(result.outcome);
  }
  return { cart: cart as Cart, outcomes };
}

const cartWith = (overrides: Partial<Cart>): Cart => ({
  ...replay([added('e1', -600, 'MUG', 2, 2500)]).cart,
  ...overrides,
});

describe('Given storefront events about a cart', () => {
  it('builds the cart: lines, subtotal, customer by email hash, status', () => {
    const { cart, outcomes } = replay([
      event({
        eventId: 'e1',
        occurredAt: at(-30),
        type: 'item-added',
        sku: 'MUG',
        quantity: 2,
        unitPrice: 2500,
        currency: 'USD',
        customer: { email: 'Ada@Example.com' },
      }),
      added('e2', -20, 'TEE', 1, 1500),
      event({ eventId: 'e3', occurredAt: at(-10), type: 'checkout-started' }),
    ]);
    expect(outcomes).toEqual(['applied', 'applied', 'applied']);
    expect(cart).toMatchObject({
      status: 'checking-out',
      currency: 'USD',
      subtotal: 6500,
      lastActivityAt: at(-10),
      customer: { email: 'Ada@Example.com', emailHash: emailHash('ada@example.com') },
      signals: { checkoutStartedAt: at(-10) },
    });
  });

  it('answers a repeated event id as a duplicate and changes nothing', () => {
    const first = replay([added('e1', -30, 'MUG', 2)]);
    const again = applyCartEvent(first.cart, added('e1', -30, 'MUG', 2), { cartId: 'c1', now });
    expect(again.outcome).toBe('duplicate');
    expect(again.cart).toEqual(first.cart);
  });

  describe('When they arrive out of order', () => {
    it('keeps the newest state of a line and never moves the activity time back', () => {
      const { cart, outcomes } = replay([
        added('e2', -10, 'MUG', 3),
        event({ eventId: 'e3', occurredAt: at(-5), type: 'item-removed', sku: 'TEE' }),
        added('e1', -20, 'MUG', 1),
        added('e0', -25, 'TEE', 4),
      ]);
      expect(outcomes).toEqual(['applied', 'applied', 'ignored', 'ignored']);
      expect(cart.lines.map(({ sku, quantity }) => [sku, quantity])).toEqual([
        ['MUG', 3],
        ['TEE', 0],
      ]);
      expect(cart.subtotal).toBe(3000);
      expect(cart.lastActivityAt).toBe(at(-5));
    });

    it('completes the cart whatever order the completion comes in, and takes nothing newer after it', () => {
      const { cart } = replay([
        event({ eventId: 'e9', occurredAt: at(-1), type: 'checkout-completed', orderId: 'ord_1' }),
        event({ eventId: 'e8', occurredAt: at(-2), type: 'checkout-started' }),
      ]);
      expect(cart.status).toBe('completed');
      expect(() => applyCartEvent(cart, added('e10', 0, 'MUG', 1), { cartId: 'c1', now })).toThrow(
        /completed/,
      );
    });

    it('brings an abandoned cart back with an event newer than its last activity, not with an older one', () => {
      const abandoned = cartWith({
        status: 'abandoned',
        abandonedAt: at(-1),
        cause: 'unknown',
        lastActivityAt: at(-600),
      });
      const older = applyCartEvent(abandoned, added('old', -700, 'TEE', 1), { cartId: 'c1', now });
      expect(older.cart.status).toBe('abandoned');
      const newer = applyCartEvent(abandoned, added('new', 0, 'TEE', 1), { cartId: 'c1', now });
      expect(newer.cart).toMatchObject({
        status: 'active',
        lastAbandonment: { at: at(-1), cause: 'unknown' },
      });
      expect(newer.cart.abandonedAt).toBeUndefined();
    });
  });

  it('refuses a priced event without a currency, another currency, and a time far in the future', () => {
    expect(() =>
      applyCartEvent(
        undefined,
        event({ eventId: 'e', occurredAt: at(0), type: 'item-added', sku: 'A', quantity: 1, unitPrice: 1 }),
        { cartId: 'c1', now },
      ),
    ).toThrow(/currency/);
    const cart = replay([added('e1', -10, 'MUG', 1)]).cart;
    expect(() =>
      applyCartEvent(cart, { ...added('e2', -5, 'MUG', 1), currency: 'EUR' }, { cartId: 'c1', now }),
    ).toThrow(/USD/);
    expect(() => applyCartEvent(cart, added('e3', 60, 'MUG', 1), { cartId: 'c1', now })).toThrow(/future/);
  });
});

describe('Given a quiet cart and the cause rules', () => {
  const stock = (entries: Record<string, number> = {}) => new Map(Object.entries(entries));
  const shown = (
    options: { price: number; estimatedDelivery?: string }[],
    requestedDeliveryDate?: string,
  ) => ({
    shippingOptions: options.map((option, index) => ({ id: `o${index}`, ...option })),
    signals: {
      shippingShownAt: at(-700),
      ...(requestedDeliveryDate ? { requestedDeliveryDate } : {}),
    },
  });

  it('says out-of-stock when a line asks for more than the network can promise', () => {
    const { cause, signals } = abandonmentCause(cartWith({}), stock({ MUG: 1 }));
    expect(cause).toBe('out-of-stock');
    expect(signals.outOfStock).toEqual([{ sku: 'MUG', quantity: 2, available: 1 }]);
  });

  it('does not judge a SKU the OMS holds no stock for', () => {
    expect(abandonmentCause(cartWith({}), stock()).cause).toBe('unknown');
  });

  it('says delivery-date when no option shown met the requested date', () => {
    const cart = cartWith(shown([{ price: 100, estimatedDelivery: '2026-05-09' }], '2026-05-05'));
    const { cause, signals } = abandonmentCause(cart, stock({ MUG: 10 }));
    expect(cause).toBe('delivery-date');
    expect(signals.deliveryDate).toEqual({ requested: '2026-05-05', earliestOffered: '2026-05-09' });
    const met = cartWith(shown([{ price: 100, estimatedDelivery: '2026-05-05' }], '2026-05-05'));
    expect(abandonmentCause(met, stock({ MUG: 10 })).cause).toBe('unknown');
  });

  it('says shipping-cost when the cheapest option shown is above 20 % of the subtotal, not at it', () => {
    // Subtotal 5000: 1000 is exactly 20 %, 1001 is above.
    const at20 = abandonmentCause(cartWith(shown([{ price: 1000 }, { price: 3000 }])), stock());
    expect(at20.cause).toBe('unknown');
    const above = abandonmentCause(cartWith(shown([{ price: 1001 }, { price: 3000 }])), stock());
    expect(above.cause).toBe('shipping-cost');
    expect(above.signals.shippingCost).toEqual({ cheapest: 1001, subtotal: 5000, percent: 20 });
  });

  it('says checkout-abandoned when the checkout started and never completed', () => {
    const cart = cartWith({ signals: { checkoutStartedAt: at(-650) } });
    expect(abandonmentCause(cart, stock()).cause).toBe('checkout-abandoned');
  });

  it('keeps every rule that held and names the first, in the documented order', () => {
    const cart = cartWith({
      ...shown([{ price: 4000, estimatedDelivery: '2026-05-20' }], '2026-05-05'),
      signals: {
        checkoutStartedAt: at(-650),
        shippingShownAt: at(-640),
        requestedDeliveryDate: '2026-05-05',
      },
    });
    const all = abandonmentCause(cart, stock({ MUG: 0 }));
    expect(all.cause).toBe('out-of-stock');
    expect(Object.keys(all.signals).sort()).toEqual([
      'checkoutStartedAt',
      'deliveryDate',
      'outOfStock',
      'shippingCost',
    ]);
    expect(abandonmentCause(cart, stock({ MUG: 5 })).cause).toBe('delivery-date');
    const noDate = { ...cart, signals: { ...cart.signals, requestedDeliveryDate: undefined } };
    expect(abandonmentCause(noDate, stock({ MUG: 5 })).cause).toBe('shipping-cost');
  });
});

describe('Given the helpers', () => {
  it('derives one coupon code per cart, and spreads carts over the index shards', () => {
    expect(recoveryCouponCode('c1')).toBe(recoveryCouponCode('c1'));
    expect(recoveryCouponCode('c1')).not.toBe(recoveryCouponCode('c2'));
    expect(recoveryCouponCode('c1')).toMatch(/^CART-[0-9A-F]{10}$/);
    const shards = new Set(Array.from({ length: 100 }, (_, n) => activeCartShard(`cart-${n}`, 4)));
    expect([...shards].sort()).toEqual([0, 1, 2, 3]);
  });

  it('withChange joins the outbox removal to an update that removes attributes itself', () => {
    const deps = { ids: { next: () => 'ob_1' } } as never;
    const update = withChange(deps, { UpdateExpression: 'SET a = :a REMOVE b, c' }, {});
    expect(update.UpdateExpression).toBe('SET a = :a REMOVE b, c, outbox, outboxId');
    const withEvents = withChange(
      deps,
      { UpdateExpression: 'SET a = :a REMOVE b' },
      { events: [{ source: 's', detailType: 'X', detail: {} as never }] },
    );
    expect(withEvents.UpdateExpression).toBe('SET a = :a, outbox = :_outbox, outboxId = :_outboxId REMOVE b');
  });
});
