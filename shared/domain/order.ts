import { z } from 'zod';
import { UnprocessableError } from './errors.js';
import { isKnownCurrency } from './money.js';

/**
 * The canonical order every channel maps to (Shopify, WooCommerce, Standard Webhooks, direct API).
 * Every amount is integer minor units of `currency` (ISO 4217 exponent: JPY 0, USD 2, KWD 3).
 */
const minor = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const AddressSchema = z.object({
  name: z.string().max(200).optional(),
  line1: z.string().min(1).max(200),
  line2: z.string().max(200).optional(),
  city: z.string().min(1).max(100),
  region: z.string().max(100).optional(),
  postalCode: z.string().min(1).max(20),
  country: z
    .string()
    .length(2)
    .regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2 country code, upper case'),
  phone: z.string().max(40).optional(),
  /** A company name marks a business address (no residential surcharge unless `residential` says so). */
  company: z.string().max(200).optional(),
  /** Whether carriers deliver to a residence; absent: residential unless `company` is given (docs/shipping.md). */
  residential: z.boolean().optional(),
});
export type Address = z.infer<typeof AddressSchema>;

export const OrderLineSchema = z.object({
  sku: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash and underscore only'),
  name: z.string().max(300).optional(),
  quantity: z.number().int().positive().max(10_000),
  unitPrice: minor,
  /** The part of the order's discount allocated to this line, as the channel stated it. */
  discount: minor.default(0),
});
export type OrderLine = z.infer<typeof OrderLineSchema>;

export const FulfillmentSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ship') }),
  z.object({
    type: z.literal('pickup'),
    locationId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'not a location id'),
  }),
]);
export type FulfillmentChoice = z.infer<typeof FulfillmentSchema>;

export const CHANNELS = ['shopify', 'woocommerce', 'standard', 'direct'] as const;
export type Channel = (typeof CHANNELS)[number];

export const CanonicalOrderSchema = z.object({
  channel: z.enum(CHANNELS),
  externalId: z.string().min(1).max(100),
  orderNumber: z.string().max(100).optional(),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'ISO 4217 code, upper case')
    .refine(isKnownCurrency, 'unknown or unsupported currency'),
  customer: z.object({
    email: z.email().max(254),
    phone: z.string().max(40).optional(),
    name: z.string().max(200).optional(),
  }),
  shippingAddress: AddressSchema,
  lines: z.array(OrderLineSchema).min(1).max(100),
  /** Shipping charged to the customer, after shipping discounts. */
  shipping: minor.default(0),
  tax: minor.default(0),
  /** Order-level discount total (line allocations included). */
  discount: minor.default(0),
  total: minor,
  placedAt: z.iso.datetime({ offset: true }).optional(),
  /** Ship to the address (default), or pick up at a store (BOPIS). */
  fulfillment: FulfillmentSchema.default({ type: 'ship' }),
  /**
   * Parts of the total paid with a gift card or store credit (already taken by the channel); the card is
   * authorized for the rest. Absent: the card pays everything (docs/payments.md).
   */
  tenders: z.object({ giftCard: minor.optional(), storeCredit: minor.optional() }).optional(),
});
export type CanonicalOrder = z.infer<typeof CanonicalOrderSchema>;

export interface OrderTotals {
  subtotal: number;
  discount: number;
  shipping: number;
  tax: number;
  grand: number;
}

/**
 * Derives the totals and checks that the stated total is what the parts add up to:
 * Σ(unit price × quantity) − discount + shipping + tax = total. A channel that disagrees with itself is
 * refused (422) rather than silently corrected.
 */
export function deriveTotals(order: CanonicalOrder): OrderTotals {
  const subtotal = order.lines.reduce((sum, line) => sum + line.unitPrice * line.quantity, 0);
  const lineDiscounts = order.lines.reduce((sum, line) => sum + line.discount, 0);
  // A line's discount above its own price would make its shipment's capture negative (docs/fulfillment.md).
  const overLine = order.lines.findIndex((line) => line.discount > line.unitPrice * line.quantity);
  if (overLine >= 0) {
    const line = order.lines[overLine];
    throw new UnprocessableError(
      `lines[${overLine}].discount (${line?.discount}) exceeds the line's price (${(line?.unitPrice ?? 0) * (line?.quantity ?? 0)})`,
      { field: `lines[${overLine}].discount` },
    );
  }
  if (lineDiscounts > order.discount) {
    throw new UnprocessableError(
      `line discounts (${lineDiscounts}) exceed the order discount (${order.discount})`,
      { field: 'discount' },
    );
  }
  if (order.discount > subtotal) {
    throw new UnprocessableError(`discount (${order.discount}) exceeds the subtotal (${subtotal})`, {
      field: 'discount',
    });
  }
  const grand = subtotal - order.discount + order.shipping + order.tax;
  if (!Number.isSafeInteger(grand) || grand !== order.total) {
    throw new UnprocessableError(
      `total ${order.total} does not equal lines ${subtotal} − discount ${order.discount} + shipping ${order.shipping} + tax ${order.tax} = ${grand} (minor units of ${order.currency})`,
      { field: 'total', expected: grand, stated: order.total },
    );
  }
  return { subtotal, discount: order.discount, shipping: order.shipping, tax: order.tax, grand };
}

export const ORDER_STATUSES = [
  'placed',
  'allocated',
  'picking',
  /** Part of the order shipped (and was captured); the rest is still to pick, re-routed or backordered. */
  'partially_shipped',
  'shipped',
  'completed',
  'backordered',
  'cancelled',
  'failed',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const PAYMENT_STATUSES = [
  'pending',
  'authorized',
  'captured',
  'voided',
  'refunded',
  'declined',
  /** The authorization timed out and was voided by its key (or never existed): nothing was taken. */
  'failed',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export interface Tenders {
  giftCard?: number;
  storeCredit?: number;
}

/**
 * What the card pays: the grand total less gift card and store credit. Tenders that cover the whole total
 * or more are refused (422): there would be nothing to authorize.
 */
export function cardAmount(totals: Pick<OrderTotals, 'grand'>, tenders: Tenders | undefined): number {
  const other = (tenders?.giftCard ?? 0) + (tenders?.storeCredit ?? 0);
  if (other > 0 && other >= totals.grand) {
    throw new UnprocessableError(
      `gift card and store credit (${other}) must leave something for the card to pay (total ${totals.grand})`,
      { field: 'tenders' },
    );
  }
  return totals.grand - other;
}
