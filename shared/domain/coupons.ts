import { z } from 'zod';
import { UnprocessableError, ValidationError } from './errors.js';
import { currencyExponent, formatMinorUnits, isKnownCurrency } from './money.js';

/**
 * Coupon codes and the discounts they give (docs/coupons.md). Pure rules: which codes apply to a basket,
 * why the others do not, how much each takes off and how that amount is spread over the lines, in integer
 * minor units that always add up.
 */

/** Codes are case-insensitive: stored and compared in upper case, letters, digits, `-` and `_`. */
export const COUPON_CODE = /^[A-Z0-9_-]{3,40}$/;

export const normalizeCouponCode = (code: string): string => code.trim().toUpperCase();

export const CouponCodeSchema = z
  .string()
  .transform(normalizeCouponCode)
  .pipe(z.string().regex(COUPON_CODE, '3-40 letters, digits, "-" or "_" (case-insensitive)'));

export const MAX_CODES_PER_ORDER = 5;

/** A list of codes as a checkout sends it: normalised, 1–5, none repeated (in any letter case). */
export const CouponCodesSchema = z
  .array(CouponCodeSchema)
  .min(1)
  .max(MAX_CODES_PER_ORDER)
  .refine((codes) => new Set(codes).size === codes.length, 'a code is listed twice');

const minor = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const currency = z
  .string()
  .regex(/^[A-Z]{3}$/, 'ISO 4217 code, upper case')
  .refine(isKnownCurrency, 'unknown or unsupported currency');
const sku = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash and underscore only');

/**
 * What `POST /coupons` takes. `fixed`: `amount` minor units of `currency` off the entitled lines (capped at
 * their price); `percentage`: `basisPoints` (1–10 000; 1 500 = 15 %) of them. `currency` is required for a
 * fixed value or a minimum; a coupon with a currency applies only to orders in that currency.
 */
export const CouponDefinitionSchema = z
  .strictObject({
    code: CouponCodeSchema,
    type: z.enum(['fixed', 'percentage']),
    amount: minor.min(1).optional(),
    basisPoints: z.number().int().min(1).max(10_000).optional(),
    currency: currency.optional(),
    /** Order subtotal (every line, before any discount) the order must reach, in `currency`. */
    minimumSubtotal: minor.default(0),
    startsAt: z.iso.datetime({ offset: true }).optional(),
    endsAt: z.iso.datetime({ offset: true }).optional(),
    /** Redemptions in total; absent = unlimited. 1 = a single-use code. */
    usageLimit: z.number().int().min(1).max(100_000_000).optional(),
    /** Redemptions per customer (by email hash); absent = unlimited. */
    perCustomerLimit: z.number().int().min(1).max(1_000).optional(),
    /** The discount applies only to these SKUs' lines; absent = every line. */
    entitledSkus: z
      .array(sku)
      .min(1)
      .max(100)
      .refine((skus) => new Set(skus).size === skus.length, 'a SKU is listed twice')
      .optional(),
    /** A stackable code combines with other stackable codes; a non-stackable one stands alone. */
    stackable: z.boolean().default(false),
    description: z.string().max(500).optional(),
  })
  .superRefine((value, context) => {
    const issue = (path: string, message: string) =>
      context.addIssue({ code: 'custom', path: [path], message });
    if (value.type === 'fixed') {
      if (value.amount === undefined) issue('amount', 'required for a fixed coupon (minor units)');
      if (value.currency === undefined) issue('currency', 'required for a fixed coupon');
      if (value.basisPoints !== undefined) issue('basisPoints', 'only for a percentage coupon');
    } else {
      if (value.basisPoints === undefined) issue('basisPoints', 'required for a percentage coupon (1-10000)');
      if (value.amount !== undefined) issue('amount', 'only for a fixed coupon');
    }
    if (value.minimumSubtotal > 0 && value.currency === undefined) {
      issue('currency', 'required with a minimumSubtotal');
    }
    if (value.startsAt && value.endsAt && Date.parse(value.endsAt) <= Date.parse(value.startsAt)) {
      issue('endsAt', 'must be after startsAt');
    }
    if (value.usageLimit !== undefined && value.perCustomerLimit !== undefined) {
      if (value.perCustomerLimit > value.usageLimit) issue('perCustomerLimit', 'cannot exceed usageLimit');
    }
  });
export type CouponDefinition = z.infer<typeof CouponDefinitionSchema>;

export type CouponStatus = 'active' | 'disabled';

export interface Coupon {
  code: string;
  type: 'fixed' | 'percentage';
  amount?: number;
  basisPoints?: number;
  currency?: string;
  minimumSubtotal: number;
  /** ISO instants, normalised to UTC (`…Z`) so a condition can compare them as strings. */
  startsAt: string;
  endsAt?: string;
  usageLimit?: number;
  perCustomerLimit?: number;
  entitledSkus?: string[];
  stackable: boolean;
  status: CouponStatus;
  /** Redemptions held by orders (placed, not failed). */
  usageCount: number;
  description?: string;
  /** Who made it: an operator through the API, or marketing for an abandoned cart. */
  origin: { kind: 'api' } | { kind: 'cart-recovery'; cartId: string };
  createdAt: string;
  updatedAt: string;
}

/** A coupon from its definition; dates become UTC instants, `startsAt` defaults to now. */
export function newCoupon(definition: CouponDefinition, now: Date, origin: Coupon['origin']): Coupon {
  const at = now.toISOString();
  const coupon: Coupon = {
    code: definition.code,
    type: definition.type,
    minimumSubtotal: definition.minimumSubtotal,
    startsAt: definition.startsAt ? utc(definition.startsAt) : at,
    stackable: definition.stackable,
    status: 'active',
    usageCount: 0,
    origin,
    createdAt: at,
    updatedAt: at,
  };
  if (definition.amount !== undefined) coupon.amount = definition.amount;
  if (definition.basisPoints !== undefined) coupon.basisPoints = definition.basisPoints;
  if (definition.currency !== undefined) coupon.currency = definition.currency;
  if (definition.endsAt !== undefined) coupon.endsAt = utc(definition.endsAt);
  if (definition.usageLimit !== undefined) coupon.usageLimit = definition.usageLimit;
  if (definition.perCustomerLimit !== undefined) coupon.perCustomerLimit = definition.perCustomerLimit;
  if (definition.entitledSkus !== undefined) coupon.entitledSkus = definition.entitledSkus;
  if (definition.description !== undefined) coupon.description = definition.description;
  return coupon;
}

export const utc = (instant: string): string => new Date(Date.parse(instant)).toISOString();

/** `PUT /coupons/{code}`: disable (or re-enable) a code, move or clear its end. */
export const CouponChangeSchema = z
  .strictObject({
    status: z.enum(['active', 'disabled']).optional(),
    endsAt: z.iso.datetime({ offset: true }).nullable().optional(),
  })
  .refine((value) => value.status !== undefined || value.endsAt !== undefined, {
    message: 'give status and/or endsAt',
    path: ['(body)'],
  });
export type CouponChange = z.infer<typeof CouponChangeSchema>;

export function checkCouponChange(coupon: Coupon, change: CouponChange): void {
  if (change.endsAt && Date.parse(change.endsAt) <= Date.parse(coupon.startsAt)) {
    throw new ValidationError(`endsAt must be after the coupon's startsAt (${coupon.startsAt})`, [
      { field: 'endsAt', message: 'must be after startsAt' },
    ]);
  }
}

// ——— Why a code does not apply ———

export const REJECTION_REASONS = [
  'unknown-code',
  'disabled',
  'not-started',
  'expired',
  'currency-mismatch',
  'below-minimum',
  'not-entitled',
  'usage-limit-reached',
  'customer-limit-reached',
  'not-stackable',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** Limits are a race another checkout can win (409); every other reason is about this basket (422). */
export const isLimitReason = (reason: RejectionReason): boolean =>
  reason === 'usage-limit-reached' || reason === 'customer-limit-reached';

export interface PricingLine {
  sku: string;
  quantity: number;
  /** Minor units of the basket's currency. */
  unitPrice: number;
}

export interface Basket {
  currency: string;
  lines: readonly PricingLine[];
}

export type CodeOutcome =
  | {
      code: string;
      applies: true;
      type: Coupon['type'];
      /** What this code takes off, minor units. */
      discount: number;
      /** Its discount per basket line, by line index (zeros on lines it is not entitled to). */
      lines: number[];
    }
  | { code: string; applies: false; reason: RejectionReason; message: string };

export interface DiscountResult {
  currency: string;
  /** Σ quantity × unit price, before any discount. */
  subtotal: number;
  /** Σ of the applied codes' discounts. */
  discount: number;
  /** True when every code asked for applies. */
  applicable: boolean;
  /** One per code asked for, in the order of application; codes that do not apply last, in the order asked. */
  codes: CodeOutcome[];
  /** Each basket line with the discount allocated to it (all applied codes together). */
  lines: (PricingLine & { price: number; discount: number })[];
}

const linePrice = (line: PricingLine) => line.quantity * line.unitPrice;

/**
 * Why `coupon` does not apply to the basket at `now`, or undefined when it does (stacking is judged across
 * codes, in `priceBasket`). `customerUses` is how often this customer already redeemed it; undefined when
 * the customer is not known (a preview without an email), which skips the per-customer check.
 */
export function rejectionOf(
  coupon: Coupon | undefined,
  basket: Basket,
  now: Date,
  customerUses?: number,
): { reason: RejectionReason; message: string } | undefined {
  if (!coupon) return { reason: 'unknown-code', message: 'no such coupon code' };
  const { code } = coupon;
  if (coupon.status !== 'active') return { reason: 'disabled', message: `coupon ${code} is disabled` };
  const at = now.getTime();
  if (at < Date.parse(coupon.startsAt)) {
    return { reason: 'not-started', message: `coupon ${code} is valid from ${coupon.startsAt}` };
  }
  if (coupon.endsAt && at >= Date.parse(coupon.endsAt)) {
    return { reason: 'expired', message: `coupon ${code} expired at ${coupon.endsAt}` };
  }
  if (coupon.currency && coupon.currency !== basket.currency) {
    return {
      reason: 'currency-mismatch',
      message: `coupon ${code} is in ${coupon.currency}, the order in ${basket.currency}`,
    };
  }
  const subtotal = basket.lines.reduce((sum, line) => sum + linePrice(line), 0);
  if (coupon.minimumSubtotal > 0 && subtotal < coupon.minimumSubtotal) {
    const money = (value: number) => `${formatMinorUnits(value, basket.currency)} ${basket.currency}`;
    return {
      reason: 'below-minimum',
      message: `coupon ${code} needs a subtotal of ${money(coupon.minimumSubtotal)}; the order has ${money(subtotal)}`,
    };
  }
  if (entitledIndexes(coupon, basket.lines).length === 0) {
    return { reason: 'not-entitled', message: `coupon ${code} applies to none of the order's SKUs` };
  }
  if (coupon.usageLimit !== undefined && coupon.usageCount >= coupon.usageLimit) {
    return {
      reason: 'usage-limit-reached',
      message: `coupon ${code} has been used ${coupon.usageCount} of ${coupon.usageLimit} times`,
    };
  }
  if (coupon.perCustomerLimit !== undefined && customerUses !== undefined) {
    if (customerUses >= coupon.perCustomerLimit) {
      return {
        reason: 'customer-limit-reached',
        message: `coupon ${code} is limited to ${coupon.perCustomerLimit} use(s) per customer`,
      };
    }
  }
  return undefined;
}

const entitledIndexes = (coupon: Coupon, lines: readonly PricingLine[]): number[] => {
  const entitled = coupon.entitledSkus ? new Set(coupon.entitledSkus) : undefined;
  return lines.flatMap((line, index) => (entitled && !entitled.has(line.sku) ? [] : [index]));
};

/**
 * Order of application of stackable codes: percentage codes first, then fixed ones, each group by code.
 * Every code works on what the codes before it left of each line, so a percentage is never taken of an
 * amount a fixed code already removed twice, and the result does not depend on the order the codes came in.
 */
const applicationOrder = (a: Coupon, b: Coupon): number =>
  a.type === b.type ? a.code.localeCompare(b.code) : a.type === 'percentage' ? -1 : 1;

/**
 * Prices a basket with codes: each code is checked (`rejectionOf`), then stacking is judged among the codes
 * that pass: when more than one passes, the non-stackable ones are refused (`not-stackable`). The rest apply
 * in `applicationOrder`, each on the entitled lines' remaining amounts:
 *
 * - percentage: basisPoints / 10 000 of the entitled remaining total, rounded half up to the currency's
 *   minor unit (which the amounts already are: cents, yen, fils), then allocated;
 * - fixed: its amount, capped at the entitled remaining total, then allocated.
 *
 * Allocation is `allocateProportionally`: in proportion to each entitled line's remaining amount, largest
 * remainder, ties to the earlier line. A line's total discount therefore never exceeds its price.
 */
export function priceBasket(input: {
  basket: Basket;
  codes: readonly string[];
  coupons: ReadonlyMap<string, Coupon>;
  now: Date;
  /** Per code, how often this customer already used it; absent when the customer is unknown. */
  customerUses?: ReadonlyMap<string, number>;
}): DiscountResult {
  const { basket } = input;
  currencyExponent(basket.currency);
  const rejected: CodeOutcome[] = [];
  const passing: Coupon[] = [];
  for (const code of input.codes) {
    const coupon = input.coupons.get(code);
    const uses = input.customerUses ? (input.customerUses.get(code) ?? 0) : undefined;
    const rejection = rejectionOf(coupon, basket, input.now, uses);
    if (rejection || !coupon) {
      const { reason, message } = rejection ?? {
        reason: 'unknown-code' as const,
        message: 'no such coupon code',
      };
      rejected.push({ code, applies: false, reason, message });
    } else passing.push(coupon);
  }
  const applying: Coupon[] = [];
  for (const coupon of passing) {
    if (passing.length > 1 && !coupon.stackable) {
      rejected.push({
        code: coupon.code,
        applies: false,
        reason: 'not-stackable',
        message: `coupon ${coupon.code} cannot be combined with another code`,
      });
    } else applying.push(coupon);
  }
  applying.sort(applicationOrder);

  const remaining = basket.lines.map(linePrice);
  const applied: CodeOutcome[] = applying.map((coupon) => {
    const entitled = entitledIndexes(coupon, basket.lines);
    const weights = entitled.map((index) => remaining[index] ?? 0);
    const base = weights.reduce((sum, weight) => sum + weight, 0);
    const discount =
      coupon.type === 'percentage'
        ? percentageOf(base, coupon.basisPoints ?? 0)
        : Math.min(coupon.amount ?? 0, base);
    const shares = allocateProportionally(discount, weights);
    const lines = basket.lines.map(() => 0);
    entitled.forEach((index, position) => {
      const share = shares[position] ?? 0;
      lines[index] = share;
      remaining[index] = (remaining[index] ?? 0) - share;
    });
    return { code: coupon.code, applies: true, type: coupon.type, discount, lines };
  });

  const lines = basket.lines.map((line, index) => ({
    ...line,
    price: linePrice(line),
    discount: applied.reduce((sum, outcome) => sum + (outcome.applies ? (outcome.lines[index] ?? 0) : 0), 0),
  }));
  return {
    currency: basket.currency,
    subtotal: lines.reduce((sum, line) => sum + line.price, 0),
    discount: lines.reduce((sum, line) => sum + line.discount, 0),
    applicable: rejected.length === 0,
    codes: [...applied, ...rejected],
    lines,
  };
}

/**
 * `basisPoints` of `amount` (minor units), rounded half up: ⌊(amount × bp + 5 000) / 10 000⌋. Exact in
 * BigInt, so large amounts do not lose digits. JPY: 15 % of ¥1 234 = 185.1 → ¥185; KWD: 15 % of 12.345 KWD
 * (12 345 fils) = 1 851.75 → 1 852 fils (1.852 KWD).
 */
export function percentageOf(amount: number, basisPoints: number): number {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new UnprocessableError(`bad amount ${amount}`);
  return Number((BigInt(amount) * BigInt(basisPoints) + 5_000n) / 10_000n);
}

/**
 * Splits `amount` over `weights` in proportion, in whole minor units: each share is ⌊amount × w / W⌋, and the
 * units left over go one each to the largest remainders, ties to the earlier weight. The shares always add up
 * to `amount` exactly, and none exceeds its weight while `amount` ≤ W (a share can gain a unit only where the
 * exact share had a fraction, i.e. was below its weight). Deterministic: same inputs, same shares.
 */
export function allocateProportionally(amount: number, weights: readonly number[]): number[] {
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  if (!Number.isSafeInteger(amount) || amount < 0) throw new UnprocessableError(`bad amount ${amount}`);
  if (weights.some((weight) => !Number.isSafeInteger(weight) || weight < 0)) {
    throw new UnprocessableError('weights must be non-negative integers');
  }
  if (amount > total)
    throw new UnprocessableError(`cannot allocate ${amount} over weights summing to ${total}`);
  if (amount === 0 || total === 0) return weights.map(() => 0);
  const big = BigInt(amount);
  const whole = BigInt(total);
  const parts = weights.map((weight, index) => {
    const exact = big * BigInt(weight);
    return { index, share: exact / whole, remainder: exact % whole };
  });
  let left = big - parts.reduce((sum, part) => sum + part.share, 0n);
  const byRemainder = [...parts].sort((a, b) =>
    a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1,
  );
  for (const part of byRemainder) {
    if (left === 0n) break;
    part.share += 1n;
    left -= 1n;
  }
  return parts.map((part) => Number(part.share));
}

/** What an order records of each code it redeemed (`OrderRecord.coupons`). */
export interface AppliedCoupon {
  code: string;
  type: Coupon['type'];
  /** Minor units of the order's currency. */
  discount: number;
  /** This code's share of each order line, by line index. */
  lines: number[];
  /** The code has a per-customer limit: a customer counter was taken (and is given back on release). */
  perCustomer: boolean;
  perCustomerLimit?: number;
}

/**
 * The single-use coupon that wins an abandoned cart back (`CartRecoveryRequested`): `basisPoints` off every
 * line, used once, not combinable, from `requestedAt` for `validDays`, in the cart's currency if it had one.
 */
export function cartRecoveryCoupon(input: {
  code: string;
  cartId: string;
  currency?: string;
  requestedAt: Date;
  basisPoints: number;
  validDays: number;
}): Coupon {
  const endsAt = new Date(input.requestedAt.getTime() + input.validDays * 24 * 3600 * 1000);
  return newCoupon(
    {
      code: input.code,
      type: 'percentage',
      basisPoints: input.basisPoints,
      ...(input.currency ? { currency: input.currency } : {}),
      minimumSubtotal: 0,
      endsAt: endsAt.toISOString(),
      usageLimit: 1,
      perCustomerLimit: 1,
      stackable: false,
      description: `Cart recovery for ${input.cartId}`,
    },
    input.requestedAt,
    { kind: 'cart-recovery', cartId: input.cartId },
  );
}
