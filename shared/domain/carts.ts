import { createHash } from 'node:crypto';
import { z } from 'zod';
import { cartSettings } from '../config/carts.js';
import { emailHash } from './email-hash.js';
import { ConflictError, UnprocessableError, ValidationError } from './errors.js';
import { isKnownCurrency } from './money.js';

/**
 * Carts from storefronts (docs/carts-and-marketing.md): what the storefront reports happened to a cart, how
 * each report changes the cart, and why a cart that went quiet was abandoned. Pure: the store reads and
 * writes, the detector supplies the clock and the stock.
 */

export const CART_STATUSES = ['active', 'checking-out', 'completed', 'abandoned'] as const;
export type CartStatus = (typeof CART_STATUSES)[number];
/** Carts that can still be abandoned: indexed by last activity (gsi2 `CARTS#ACTIVE#<n>`). */
export const isOpen = (status: CartStatus): boolean => status === 'active' || status === 'checking-out';

export const ABANDON_CAUSES = [
  'out-of-stock',
  'delivery-date',
  'shipping-cost',
  'checkout-abandoned',
  'unknown',
] as const;
export type AbandonCause = (typeof ABANDON_CAUSES)[number];

export const CartIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, dot, dash and underscore only');

const sku = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash and underscore only');
const minor = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

const ShippingOptionSchema = z.strictObject({
  id: z.string().min(1).max(100),
  carrier: z.string().max(100).optional(),
  service: z.string().max(100).optional(),
  /** What the customer would pay for shipping, minor units of the cart's currency. */
  price: minor,
  /** The delivery date the storefront promised for this option. */
  estimatedDelivery: z.iso.date().optional(),
});
export type ShippingOption = z.infer<typeof ShippingOptionSchema>;

const common = {
  /** The storefront's id of the event: a repeated delivery is answered as a duplicate. */
  eventId: z.string().regex(/^[A-Za-z0-9._:-]{1,100}$/, '1–100 of A-Z a-z 0-9 . _ : -'),
  /** When it happened at the storefront; orders the events of a cart, whatever order they arrive in. */
  occurredAt: z.iso.datetime({ offset: true }),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'ISO 4217 code, upper case')
    .refine(isKnownCurrency, 'unknown or unsupported currency')
    .optional(),
  customer: z.strictObject({ email: z.email().max(254) }).optional(),
};

/** `POST /carts/{id}/events`: one storefront event. Quantities are what the line holds after the event. */
export const CartEventSchema = z.discriminatedUnion('type', [
  z.strictObject({
    ...common,
    type: z.literal('item-added'),
    sku,
    /** The line's quantity after the addition (not the number added): a repeat or a reordering cannot double it. */
    quantity: z.number().int().min(1).max(10_000),
    unitPrice: minor,
  }),
  z.strictObject({
    ...common,
    type: z.literal('item-removed'),
    sku,
    /** What is left on the line; 0 (the default) removes it. */
    quantity: z.number().int().min(0).max(10_000).default(0),
  }),
  z.strictObject({ ...common, type: z.literal('checkout-started') }),
  z.strictObject({
    ...common,
    type: z.literal('shipping-options-shown'),
    options: z.array(ShippingOptionSchema).max(cartSettings.maxShippingOptions),
    /** The date the customer asked to receive the goods by, when the storefront asks. */
    requestedDeliveryDate: z.iso.date().optional(),
  }),
  z.strictObject({
    ...common,
    type: z.literal('checkout-completed'),
    orderId: z.string().min(1).max(100).optional(),
  }),
]);
export type CartEvent = z.output<typeof CartEventSchema>;

export interface CartLine {
  sku: string;
  /** 0 once removed: the line stays (with the time) so an older "added" arriving late cannot revive it. */
  quantity: number;
  unitPrice: number;
  /** `occurredAt` of the event that set the line. */
  at: string;
}

/** What the storefront told us that the cause rules read. */
export interface CartSignals {
  checkoutStartedAt?: string;
  shippingShownAt?: string;
  requestedDeliveryDate?: string;
}

/** The evidence behind an abandonment cause: every rule that held, not only the one that won. */
export interface CauseSignals {
  outOfStock?: { sku: string; quantity: number; available: number }[];
  deliveryDate?: { requested: string; earliestOffered?: string };
  shippingCost?: { cheapest: number; subtotal: number; percent: number };
  checkoutStartedAt?: string;
}

export interface Cart {
  id: string;
  status: CartStatus;
  currency?: string;
  customer?: { email: string; emailHash: string };
  lines: CartLine[];
  /** Σ quantity × unitPrice of the lines, minor units of `currency`. */
  subtotal: number;
  /** The options shown last. */
  shippingOptions: ShippingOption[];
  signals: CartSignals;
  /** The latest `occurredAt` applied: never moves back. */
  lastActivityAt: string;
  createdAt: string;
  updatedAt: string;
  /** The storefront's last event ids, newest last. */
  recentEventIds: string[];
  /** Bumped by every write; each write is conditional on the version it read. */
  version: number;
  completedAt?: string;
  orderId?: string;
  abandonedAt?: string;
  cause?: AbandonCause;
  causeSignals?: CauseSignals;
  /** The abandonment a later event undid. */
  lastAbandonment?: { at: string; cause: AbandonCause };
  /** Set by marketing when it asked for a recovery (shared/app/consumers.ts). */
  recovery?: { couponCode: string; reason: AbandonCause; requestedAt: string };
}

export type CartEventOutcome = 'applied' | 'duplicate' | 'ignored';

const iso = (at: string) => new Date(at).toISOString();
const later = (a: string | undefined, b: string) => (a === undefined || b > a ? b : a);

/** Σ quantity × unitPrice over the lines. */
export const cartSubtotal = (lines: readonly CartLine[]): number =>
  lines.reduce((sum, line) => sum + line.quantity * line.unitPrice, 0);

export const liveLines = (cart: Pick<Cart, 'lines'>): CartLine[] =>
  cart.lines.filter((line) => line.quantity > 0);

/**
 * The cart after one storefront event, or why it stays as it is. The outcome is `duplicate` when the event id
 * was seen, `ignored` when the event changes nothing (it is older than what the cart holds, or arrives after
 * the checkout completed), `applied` otherwise. Events are ordered by `occurredAt`, not by arrival: a line
 * keeps the newest event about it, the activity time and the status only move forward, and an event newer
 * than the last activity brings an abandoned cart back.
 */
export function applyCartEvent(
  cart: Cart | undefined,
  event: CartEvent,
  context: { cartId: string; now: Date },
): { cart: Cart; outcome: CartEventOutcome } {
  const at = iso(event.occurredAt);
  const now = context.now.toISOString();
  if (Date.parse(at) > context.now.getTime() + cartSettings.maxClockSkewSeconds * 1000) {
    throw new ValidationError('occurredAt is in the future', [
      { field: 'occurredAt', message: `more than ${cartSettings.maxClockSkewSeconds} s ahead of the server` },
    ]);
  }
  if (cart?.recentEventIds.includes(event.eventId)) return { cart, outcome: 'duplicate' };

  const next: Cart = cart
    ? structuredClone(cart)
    : {
        id: context.cartId,
        status: 'active',
        lines: [],
        subtotal: 0,
        shippingOptions: [],
        signals: {},
        lastActivityAt: at,
        createdAt: now,
        updatedAt: now,
        recentEventIds: [],
        version: 0,
      };
  if (next.status === 'completed') {
    if (at > (next.completedAt ?? '')) {
      throw new ConflictError(`cart ${next.id} completed its checkout; a new cart needs a new id`);
    }
    return { cart: next, outcome: 'ignored' };
  }

  const priced = event.type === 'item-added' || event.type === 'shipping-options-shown';
  if (event.currency && next.currency && event.currency !== next.currency) {
    throw new ConflictError(`cart ${next.id} is in ${next.currency}, not ${event.currency}`);
  }
  if (priced && !event.currency && !next.currency) {
    throw new ValidationError('currency is required until the cart has one', [
      { field: 'currency', message: 'required with the first priced event' },
    ]);
  }

  let changed = cart === undefined;
  if (event.currency && !next.currency) {
    next.currency = event.currency;
    changed = true;
  }
  if (event.customer && (!next.customer || at >= next.lastActivityAt)) {
    if (next.customer?.email !== event.customer.email) changed = true;
    next.customer = { email: event.customer.email, emailHash: emailHash(event.customer.email) };
  }
  if (at > next.lastActivityAt) {
    if (next.status === 'abandoned') {
      if (next.abandonedAt && next.cause) next.lastAbandonment = { at: next.abandonedAt, cause: next.cause };
      delete next.abandonedAt;
      delete next.cause;
      delete next.causeSignals;
      next.status = next.signals.checkoutStartedAt ? 'checking-out' : 'active';
    }
    next.lastActivityAt = at;
    changed = true;
  }

  switch (event.type) {
    case 'item-added':
    case 'item-removed': {
      const index = next.lines.findIndex((line) => line.sku === event.sku);
      const line = next.lines[index];
      if (line && line.at >= at) break;
      if (!line && next.lines.length >= cartSettings.maxLines) {
        throw new UnprocessableError(`a cart holds at most ${cartSettings.maxLines} SKUs`, {
          sku: event.sku,
        });
      }
      const unitPrice = event.type === 'item-added' ? event.unitPrice : (line?.unitPrice ?? 0);
      const updated: CartLine = { sku: event.sku, quantity: event.quantity, unitPrice, at };
      if (line) next.lines[index] = updated;
      else next.lines.push(updated);
      changed = true;
      break;
    }
    case 'checkout-started': {
      const started = later(next.signals.checkoutStartedAt, at);
      if (started !== next.signals.checkoutStartedAt) {
        next.signals.checkoutStartedAt = started;
        changed = true;
      }
      if (next.status === 'active') {
        next.status = 'checking-out';
        changed = true;
      }
      break;
    }
    case 'shipping-options-shown': {
      if (next.signals.shippingShownAt !== undefined && next.signals.shippingShownAt >= at) break;
      next.shippingOptions = event.options;
      next.signals.shippingShownAt = at;
      if (event.requestedDeliveryDate) next.signals.requestedDeliveryDate = event.requestedDeliveryDate;
      else delete next.signals.requestedDeliveryDate;
      changed = true;
      break;
    }
    case 'checkout-completed': {
      next.status = 'completed';
      next.completedAt = at;
      if (event.orderId) next.orderId = event.orderId;
      changed = true;
      break;
    }
  }

  if (!changed) return { cart: next, outcome: 'ignored' };
  next.subtotal = cartSubtotal(next.lines);
  next.recentEventIds = [...next.recentEventIds, event.eventId].slice(-cartSettings.recentEventIds);
  next.updatedAt = now;
  return { cart: next, outcome: 'applied' };
}

/**
 * Why a quiet cart was abandoned, from its signals and the stock now. Every rule is evaluated and kept as
 * evidence; the cause is the first that holds, in this order (docs/carts-and-marketing.md):
 *
 * 1. `out-of-stock`: a line asks for more than the network can promise now (ATP over the locations that
 *    ship to home). SKUs the OMS holds no stock rows for are not judged.
 * 2. `delivery-date`: options were shown for a requested delivery date and none promised it by then.
 * 3. `shipping-cost`: the cheapest option shown costs more than `shippingCostPercent` (20 %) of the subtotal.
 * 4. `checkout-abandoned`: the checkout was started and never completed.
 * 5. `unknown`: none of the above.
 *
 * A blocker the customer could not get past comes before a price they did not like, and both before the
 * bare fact that they left the checkout.
 */
export function abandonmentCause(
  cart: Pick<Cart, 'lines' | 'shippingOptions' | 'signals'>,
  available: ReadonlyMap<string, number>,
  settings: { shippingCostPercent: number } = cartSettings,
): { cause: AbandonCause; signals: CauseSignals } {
  const signals: CauseSignals = {};
  const lines = liveLines(cart);
  const short = lines.flatMap((line) => {
    const atp = available.get(line.sku);
    return atp !== undefined && atp < line.quantity
      ? [{ sku: line.sku, quantity: line.quantity, available: atp }]
      : [];
  });
  if (short.length > 0) signals.outOfStock = short;

  const { requestedDeliveryDate: requested, shippingShownAt } = cart.signals;
  if (requested && shippingShownAt) {
    const dates = cart.shippingOptions.flatMap((option) =>
      option.estimatedDelivery ? [option.estimatedDelivery] : [],
    );
    if (!dates.some((date) => date <= requested)) {
      const earliest = [...dates].sort()[0];
      signals.deliveryDate = { requested, ...(earliest ? { earliestOffered: earliest } : {}) };
    }
  }

  const subtotal = cartSubtotal(lines);
  if (cart.shippingOptions.length > 0 && subtotal > 0) {
    const cheapest = Math.min(...cart.shippingOptions.map((option) => option.price));
    // Integers only: cheapest / subtotal > p / 100 without a rounding question at the boundary.
    if (cheapest * 100 > subtotal * settings.shippingCostPercent) {
      signals.shippingCost = { cheapest, subtotal, percent: Math.round((cheapest / subtotal) * 1000) / 10 };
    }
  }
  if (cart.signals.checkoutStartedAt) signals.checkoutStartedAt = cart.signals.checkoutStartedAt;

  const cause: AbandonCause = signals.outOfStock
    ? 'out-of-stock'
    : signals.deliveryDate
      ? 'delivery-date'
      : signals.shippingCost
        ? 'shipping-cost'
        : signals.checkoutStartedAt
          ? 'checkout-abandoned'
          : 'unknown';
  return { cause, signals };
}

/**
 * The single-use coupon code marketing offers to win a cart back: derived from the cart id, so every attempt
 * to request a recovery for the cart names the same code. The coupon service honours a code only for the cart
 * that carries it (`recovery.couponCode` on the cart item), once.
 */
export const recoveryCouponCode = (cartId: string): string =>
  `CART-${createHash('sha256').update(`cart-recovery:${cartId}`).digest('hex').slice(0, 10).toUpperCase()}`;

/** Which partition of the open-cart index a cart's entry lives in. */
export const activeCartShard = (cartId: string, shards: number = cartSettings.activeShards): number =>
  (createHash('sha256').update(cartId).digest()[0] ?? 0) % shards;
