import { z } from 'zod';
import { CouponCodesSchema } from '../domain/coupons.js';
import { type CanonicalOrder, CanonicalOrderSchema, deriveTotals } from '../domain/order.js';
import { parseWith, validationErrorFrom } from '../domain/validation.js';

/**
 * The format we document for any storefront: a Standard Webhooks payload whose `data` is the canonical
 * order without `channel`, amounts already in integer minor units. `POST /orders` takes the same `data`.
 */
export const OrderDataSchema = CanonicalOrderSchema.omit({ channel: true });
export type OrderData = z.input<typeof OrderDataSchema>;

export const StandardOrderCreatedSchema = z.object({
  type: z.literal('order.created'),
  timestamp: z.iso.datetime({ offset: true }),
  data: OrderDataSchema,
});
export type StandardOrderCreated = z.input<typeof StandardOrderCreatedSchema>;

const DirectOrderSchema = OrderDataSchema.extend({ externalId: OrderDataSchema.shape.externalId.optional() });
export type DirectOrder = z.input<typeof DirectOrderSchema>;

/** `POST /orders` may name coupon codes; the OMS then prices the lines itself (docs/coupons.md). */
const DirectOrderWithCodesSchema = DirectOrderSchema.extend({ couponCodes: CouponCodesSchema.optional() });

export function mapStandardOrder(payload: unknown): CanonicalOrder {
  const { data } = parseWith(StandardOrderCreatedSchema, payload);
  const order: CanonicalOrder = { channel: 'standard', ...data };
  deriveTotals(order);
  return order;
}

/**
 * `POST /orders`. A caller without an order id of its own relies on its Idempotency-Key, which then
 * becomes the external id, so a retried request maps to the same order.
 */
export function mapDirectOrder(body: unknown, fallbackExternalId?: string): CanonicalOrder {
  const { externalId, ...data } = parseWith(DirectOrderSchema, body);
  const order: CanonicalOrder = {
    channel: 'direct',
    externalId: externalId ?? idempotencyKeyAsId(fallbackExternalId),
    ...data,
  };
  deriveTotals(order);
  return order;
}

/**
 * `POST /orders` with optional `couponCodes` (normalised to upper case, 1–5, distinct). With codes the totals
 * are checked after pricing (shared/app/place-order.ts), since the discount is the OMS's to compute.
 */
export function parseDirectOrder(
  body: unknown,
  fallbackExternalId?: string,
): { order: CanonicalOrder; couponCodes: string[] } {
  const { externalId, couponCodes = [], ...data } = parseWith(DirectOrderWithCodesSchema, body);
  const order: CanonicalOrder = {
    channel: 'direct',
    externalId: externalId ?? idempotencyKeyAsId(fallbackExternalId),
    ...data,
  };
  if (couponCodes.length === 0) deriveTotals(order);
  return { order, couponCodes };
}

function idempotencyKeyAsId(key: string | undefined): string {
  if (key === undefined || key === '') {
    throw validationErrorFrom([{ field: 'externalId', message: 'required when no Idempotency-Key is sent' }]);
  }
  return parseWith(OrderDataSchema.shape.externalId, key, 'Idempotency-Key');
}
