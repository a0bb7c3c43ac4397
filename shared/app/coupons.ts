import { z } from 'zod';
import {
  type AppliedCoupon,
  type CodeOutcome,
  type Coupon,
  type CouponChange,
  CouponCodesSchema,
  type CouponDefinition,
  checkCouponChange,
  type DiscountResult,
  isLimitReason,
  newCoupon,
  priceBasket,
} from '../domain/coupons.js';
import { emailHash } from '../domain/email-hash.js';
import { ConflictError, NotFoundError, UnprocessableError } from '../domain/errors.js';
import { type CanonicalOrder, CanonicalOrderSchema, OrderLineSchema } from '../domain/order.js';
import type { Deps } from '../runtime/deps.js';
import { changeCoupon, couponsAndUses, getCoupon, putNewCoupon } from '../store/coupons.js';

/** Coupon routes and the pricing of orders with codes (docs/coupons.md). */

export interface CouponView extends Coupon {
  /** Uses left (`usageLimit − usageCount`), null when unlimited. */
  remaining: number | null;
}

const view = (coupon: Coupon): CouponView => ({
  ...coupon,
  remaining: coupon.usageLimit === undefined ? null : Math.max(0, coupon.usageLimit - coupon.usageCount),
});

/** `POST /coupons`: 409 when the code (in any letter case) exists. */
export async function createCoupon(deps: Deps, definition: CouponDefinition): Promise<CouponView> {
  const coupon = newCoupon(definition, deps.clock.now(), { kind: 'api' });
  if (!(await putNewCoupon(deps, coupon))) {
    throw new ConflictError(`coupon ${coupon.code} already exists`, { field: 'code' });
  }
  return view(coupon);
}

export async function getCouponView(deps: Deps, code: string): Promise<CouponView> {
  const coupon = await getCoupon(deps, code, { consistent: true });
  if (!coupon) throw new NotFoundError(`coupon ${code} does not exist`);
  return view(coupon);
}

/** `PUT /coupons/{code}`: disable or re-enable it, move or clear its end. */
export async function updateCoupon(deps: Deps, code: string, change: CouponChange): Promise<CouponView> {
  const current = await getCoupon(deps, code, { consistent: true });
  if (!current) throw new NotFoundError(`coupon ${code} does not exist`);
  checkCouponChange(current, change);
  const changed = await changeCoupon(deps, code, change, deps.clock.now());
  if (!changed) throw new NotFoundError(`coupon ${code} does not exist`);
  return view(changed);
}

export const PreviewSchema = z.strictObject({
  codes: CouponCodesSchema,
  currency: CanonicalOrderSchema.shape.currency,
  lines: z
    .array(OrderLineSchema.pick({ sku: true, quantity: true, unitPrice: true }))
    .min(1)
    .max(100),
  customerEmail: z.email().max(254).optional(),
});
export type PreviewRequest = z.infer<typeof PreviewSchema>;

/**
 * `POST /discounts/preview`: what intake would apply to this basket, or why a code does not apply. Without
 * `customerEmail` per-customer limits are not checked. A preview reserves nothing: the order's own
 * redemption decides, and may still find the last use taken.
 */
export async function previewDiscounts(deps: Deps, request: PreviewRequest): Promise<DiscountResult> {
  const hash = request.customerEmail ? emailHash(request.customerEmail) : undefined;
  return priceWithFreshRefusals(deps, request.codes, hash, (coupons, uses) =>
    priceBasket({
      basket: { currency: request.currency, lines: request.lines },
      codes: request.codes,
      coupons,
      now: deps.clock.now(),
      ...(hash ? { customerUses: uses } : {}),
    }),
  );
}

/**
 * Prices from an eventually consistent read and, only when a code is refused, once more from a strongly
 * consistent one: a coupon created or re-enabled a moment ago is not refused for a stale read, and the
 * common case (every code applies) pays half a read unit per item.
 */
async function priceWithFreshRefusals(
  deps: Deps,
  codes: readonly string[],
  hash: string | undefined,
  price: (coupons: Map<string, Coupon>, uses: Map<string, number>) => DiscountResult,
): Promise<DiscountResult> {
  const first = await couponsAndUses(deps, codes, hash);
  const result = price(first.coupons, first.uses);
  if (result.applicable) return result;
  const fresh = await couponsAndUses(deps, codes, hash, { consistent: true });
  return price(fresh.coupons, fresh.uses);
}

/** The error intake answers for a code that does not apply: 409 for a limit (a race), 422 otherwise. */
export function rejectionError(outcomes: readonly CodeOutcome[]): ConflictError | UnprocessableError {
  const rejected = outcomes.flatMap((outcome) =>
    outcome.applies ? [] : [{ code: outcome.code, reason: outcome.reason, message: outcome.message }],
  );
  const [first] = rejected;
  if (!first) return new UnprocessableError('a coupon code does not apply', { field: 'couponCodes' });
  const details = { field: 'couponCodes', code: first.code, reason: first.reason, rejected };
  const message = `coupon ${first.code} does not apply (${first.reason}): ${first.message}`;
  return isLimitReason(first.reason)
    ? new ConflictError(message, details)
    : new UnprocessableError(message, details);
}

/**
 * A direct order with codes, priced: the codes' discount allocated to its lines, the order discount set to
 * their sum. The caller's line discounts must be absent (zero) or exactly the allocation, and its order
 * discount zero or the codes' total; its `total` is checked afterwards by `deriveTotals` like any order's.
 */
export async function priceOrderWithCoupons(
  deps: Deps,
  order: CanonicalOrder,
  codes: readonly string[],
): Promise<{ order: CanonicalOrder; applied: AppliedCoupon[] } | { rejected: CodeOutcome[] }> {
  const hash = emailHash(order.customer.email);
  let read: Map<string, Coupon> = new Map();
  const result = await priceWithFreshRefusals(deps, codes, hash, (coupons, uses) => {
    read = coupons;
    return priceBasket({
      basket: { currency: order.currency, lines: order.lines },
      codes,
      coupons,
      now: deps.clock.now(),
      customerUses: uses,
    });
  });
  const coupons = read;
  if (!result.applicable) return { rejected: result.codes };
  const stated = order.lines.map((line) => line.discount);
  const computed = result.lines.map((line) => line.discount);
  if (stated.some((value) => value !== 0) && stated.some((value, index) => value !== computed[index])) {
    throw new UnprocessableError(
      `line discounts [${stated.join(', ')}] are not what the codes allocate [${computed.join(', ')}]; leave them out`,
      { field: 'lines.discount', expected: computed },
    );
  }
  if (order.discount !== 0 && order.discount !== result.discount) {
    throw new UnprocessableError(
      `discount ${order.discount} is not what the codes give (${result.discount} minor units of ${order.currency})`,
      { field: 'discount', expected: result.discount },
    );
  }
  const applied: AppliedCoupon[] = result.codes.flatMap((outcome) => {
    if (!outcome.applies) return [];
    const coupon = coupons.get(outcome.code);
    const perCustomerLimit = coupon?.perCustomerLimit;
    return [
      {
        code: outcome.code,
        type: outcome.type,
        discount: outcome.discount,
        lines: outcome.lines,
        perCustomer: perCustomerLimit !== undefined,
        ...(perCustomerLimit !== undefined ? { perCustomerLimit } : {}),
      },
    ];
  });
  return {
    order: {
      ...order,
      discount: result.discount,
      lines: order.lines.map((line, index) => ({ ...line, discount: computed[index] ?? 0 })),
    },
    applied,
  };
}

/**
 * Why the redemption of `code` failed when the transaction said so: the coupon (and customer counter) read
 * again, strongly consistent, and judged. A coupon that reads as fine again (released in between) is
 * reported as its limit, the one condition that can flip back and forth.
 */
export async function explainRedemptionFailure(
  deps: Deps,
  order: CanonicalOrder,
  applied: readonly AppliedCoupon[],
): Promise<ConflictError | UnprocessableError> {
  const codes = applied.map((coupon) => coupon.code);
  const hash = emailHash(order.customer.email);
  const { coupons, uses } = await couponsAndUses(deps, codes, hash, { consistent: true });
  const result = priceBasket({
    basket: { currency: order.currency, lines: order.lines },
    codes,
    coupons,
    now: deps.clock.now(),
    customerUses: uses,
  });
  if (!result.applicable) return rejectionError(result.codes);
  const [first] = codes;
  return new ConflictError(`coupon ${first} reached its usage limit while this order was placed; retry`, {
    field: 'couponCodes',
    code: first,
    reason: 'usage-limit-reached',
  });
}
