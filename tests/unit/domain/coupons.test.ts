import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allocateProportionally,
  type Coupon,
  CouponCodesSchema,
  CouponDefinitionSchema,
  newCoupon,
  type PricingLine,
  percentageOf,
  priceBasket,
} from '../../../shared/domain/coupons.js';

const NOW = new Date('2026-11-27T10:00:00.000Z');

const coupon = (overrides: Partial<Coupon> & Pick<Coupon, 'code' | 'type'>): Coupon => ({
  minimumSubtotal: 0,
  startsAt: '2026-01-01T00:00:00.000Z',
  stackable: false,
  status: 'active',
  usageCount: 0,
  origin: { kind: 'api' },
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...overrides,
});

const price = (
  currency: string,
  lines: PricingLine[],
  coupons: Coupon[],
  codes = coupons.map((c) => c.code),
  customerUses?: Map<string, number>,
) =>
  priceBasket({
    basket: { currency, lines },
    codes,
    coupons: new Map(coupons.map((c) => [c.code, c])),
    now: NOW,
    ...(customerUses ? { customerUses } : {}),
  });

describe('Given a discount to spread over lines', () => {
  describe('When the weights divide it unevenly', () => {
    it('gives the left-over units to the largest remainders, ties to the earlier line', () => {
      // 100 over three lines of 1 000 → 33.33 each: 34 to the first (tie, earliest), 33, 33.
      expect(allocateProportionally(100, [1000, 1000, 1000])).toEqual([34, 33, 33]);
      // 10 over 300, 200, 100 (W 600): exact 5, 3.33, 1.67 → 5, 3, 2 (largest remainder .67 gets the unit).
      expect(allocateProportionally(10, [300, 200, 100])).toEqual([5, 3, 2]);
    });
  });

  describe('When the discount is larger than what the lines are worth', () => {
    it('refuses rather than give a line more than its price', () => {
      expect(() => allocateProportionally(11, [5, 5])).toThrow(/cannot allocate/);
    });
  });

  describe('When random lines and discounts are allocated (property)', () => {
    it('sums exactly to the discount, keeps each share within its line and is deterministic', () => {
      fc.assert(
        fc.property(
          fc.constantFrom('USD', 'JPY', 'KWD'),
          fc.array(
            fc.record({
              quantity: fc.integer({ min: 1, max: 50 }),
              unitPrice: fc.integer({ min: 0, max: 5_000_000 }),
            }),
            { minLength: 1, maxLength: 30 },
          ),
          fc.double({ min: 0, max: 1, noNaN: true }),
          (currency, raw, share) => {
            const lines = raw.map((line, index) => ({ sku: `SKU-${index}`, ...line }));
            const weights = lines.map((line) => line.quantity * line.unitPrice);
            const total = weights.reduce((sum, weight) => sum + weight, 0);
            const discount = Math.floor(total * share);
            const shares = allocateProportionally(discount, weights);
            expect(shares.reduce((sum, value) => sum + value, 0)).toBe(discount);
            shares.forEach((value, index) => {
              expect(Number.isInteger(value)).toBe(true);
              expect(value).toBeGreaterThanOrEqual(0);
              expect(value).toBeLessThanOrEqual(weights[index] ?? 0);
            });
            expect(allocateProportionally(discount, weights)).toEqual(shares);
            // The same through a fixed coupon in that currency.
            const fixed = coupon({ code: 'FIXED', type: 'fixed', amount: Math.max(1, discount), currency });
            const result = price(currency, lines, [fixed]);
            if (total === 0) {
              expect(result.applicable).toBe(true);
              expect(result.discount).toBe(0);
            } else {
              expect(result.discount).toBe(Math.min(Math.max(1, discount), total));
              expect(result.lines.reduce((sum, line) => sum + line.discount, 0)).toBe(result.discount);
              for (const line of result.lines) expect(line.discount).toBeLessThanOrEqual(line.price);
            }
          },
        ),
        { numRuns: 300 },
      );
    });

    it('rounds a random percentage half up on the entitled total and allocates it exactly (property)', () => {
      fc.assert(
        fc.property(
          fc.constantFrom('USD', 'JPY', 'KWD'),
          fc.array(
            fc.record({
              quantity: fc.integer({ min: 1, max: 20 }),
              unitPrice: fc.integer({ min: 0, max: 2_000_000 }),
              entitled: fc.boolean(),
            }),
            { minLength: 1, maxLength: 20 },
          ),
          fc.integer({ min: 1, max: 10_000 }),
          (currency, raw, basisPoints) => {
            const lines = raw.map((line, index) => ({
              sku: `SKU-${index}`,
              quantity: line.quantity,
              unitPrice: line.unitPrice,
            }));
            const entitledSkus = lines.filter((_, index) => raw[index]?.entitled).map((line) => line.sku);
            const percent = coupon({
              code: 'PCT',
              type: 'percentage',
              basisPoints,
              ...(entitledSkus.length > 0 ? { entitledSkus } : {}),
            });
            const result = price(currency, lines, [percent]);
            const base = result.lines
              .filter((line) => entitledSkus.length === 0 || entitledSkus.includes(line.sku))
              .reduce((sum, line) => sum + line.price, 0);
            // Half up, computed independently: the exact value times 2, compared with the floor.
            const exact = (BigInt(base) * BigInt(basisPoints)) / 10_000n;
            const remainder = (BigInt(base) * BigInt(basisPoints)) % 10_000n;
            const expected = Number(remainder * 2n >= 10_000n ? exact + 1n : exact);
            expect(result.discount).toBe(expected);
            expect(result.lines.reduce((sum, line) => sum + line.discount, 0)).toBe(expected);
            for (const line of result.lines) {
              expect(line.discount).toBeLessThanOrEqual(line.price);
              if (entitledSkus.length > 0 && !entitledSkus.includes(line.sku)) expect(line.discount).toBe(0);
            }
            expect(price(currency, lines, [percent])).toEqual(result);
          },
        ),
        { numRuns: 300 },
      );
    });
  });
});

describe('Given percentage coupons', () => {
  describe('When the rounding falls between minor units', () => {
    it('rounds half up on the total: JPY ¥1 234 × 15 % = 185.1 → ¥185', () => {
      const result = price(
        'JPY',
        [{ sku: 'A', quantity: 1, unitPrice: 1234 }],
        [coupon({ code: 'P15', type: 'percentage', basisPoints: 1500 })],
      );
      expect(result.discount).toBe(185);
    });

    it('rounds half up on the total: JPY ¥1 230 × 5 % = 61.5 → ¥62, then allocates 41 / 21', () => {
      // Lines ¥820 and ¥410 (2:1): exact 41.33 and 20.67 → 41 and 20, the left-over yen to the .67 → 41 / 21.
      const result = price(
        'JPY',
        [
          { sku: 'A', quantity: 2, unitPrice: 410 },
          { sku: 'B', quantity: 1, unitPrice: 410 },
        ],
        [coupon({ code: 'P5', type: 'percentage', basisPoints: 500 })],
      );
      expect(result.discount).toBe(62);
      expect(result.lines.map((line) => line.discount)).toEqual([41, 21]);
    });

    it('rounds to the fils for KWD: 12.345 KWD × 15 % = 1.85175 → 1.852 KWD', () => {
      const result = price(
        'KWD',
        [{ sku: 'A', quantity: 1, unitPrice: 12_345 }],
        [coupon({ code: 'P15', type: 'percentage', basisPoints: 1500 })],
      );
      expect(result.discount).toBe(1852);
    });

    it('rounds exactly half up: 0.5 fils becomes a fils (KWD 0.005 × 10 % = 0.5 fils → 1 fils)', () => {
      expect(percentageOf(5, 1000)).toBe(1);
      expect(percentageOf(4, 1000)).toBe(0);
    });

    it('stays exact beyond 2^53 intermediate products', () => {
      expect(percentageOf(9_000_000_000_000_000, 3333)).toBe(2_999_700_000_000_000);
    });
  });
});

describe('Given coupons that do not apply', () => {
  const lines = [
    { sku: 'TSHIRT', quantity: 2, unitPrice: 2500 },
    { sku: 'MUG', quantity: 1, unitPrice: 1250 },
  ];

  it('refuses an expired code with the reason', () => {
    const result = price('USD', lines, [
      coupon({ code: 'OLD', type: 'percentage', basisPoints: 1000, endsAt: '2026-11-01T00:00:00.000Z' }),
    ]);
    expect(result.applicable).toBe(false);
    expect(result.codes[0]).toMatchObject({ code: 'OLD', applies: false, reason: 'expired' });
    expect(result.discount).toBe(0);
  });

  it('refuses a code that has not started yet', () => {
    const result = price('USD', lines, [
      coupon({ code: 'SOON', type: 'percentage', basisPoints: 1000, startsAt: '2026-12-01T00:00:00.000Z' }),
    ]);
    expect(result.codes[0]).toMatchObject({ applies: false, reason: 'not-started' });
  });

  it('refuses an order below the minimum subtotal, naming both amounts', () => {
    const result = price('USD', lines, [
      coupon({ code: 'MIN100', type: 'fixed', amount: 1000, currency: 'USD', minimumSubtotal: 10_000 }),
    ]);
    expect(result.codes[0]).toMatchObject({ applies: false, reason: 'below-minimum' });
    expect(result.codes[0]).toHaveProperty('message', expect.stringContaining('100.00 USD'));
    expect(result.codes[0]).toHaveProperty('message', expect.stringContaining('62.50 USD'));
  });

  it('refuses a code whose SKUs are not in the order', () => {
    const result = price('USD', lines, [
      coupon({ code: 'SHOES', type: 'percentage', basisPoints: 2000, entitledSkus: ['SHOE-1'] }),
    ]);
    expect(result.codes[0]).toMatchObject({ applies: false, reason: 'not-entitled' });
  });

  it('refuses a fixed coupon in another currency', () => {
    const result = price('EUR', lines, [
      coupon({ code: 'FIVE', type: 'fixed', amount: 500, currency: 'USD' }),
    ]);
    expect(result.codes[0]).toMatchObject({ applies: false, reason: 'currency-mismatch' });
    expect(result.codes[0]).toHaveProperty('message', 'coupon FIVE is in USD, the order in EUR');
  });

  it('refuses a non-stackable code combined with another, and applies the stackable one', () => {
    const result = price('USD', lines, [
      coupon({ code: 'ALONE', type: 'percentage', basisPoints: 1000 }),
      coupon({ code: 'STACK', type: 'fixed', amount: 100, currency: 'USD', stackable: true }),
    ]);
    expect(result.applicable).toBe(false);
    expect(result.codes).toEqual([
      expect.objectContaining({ code: 'STACK', applies: true, discount: 100 }),
      expect.objectContaining({ code: 'ALONE', applies: false, reason: 'not-stackable' }),
    ]);
  });

  it('refuses a code at its usage limit, and at the customer limit only when the customer is known', () => {
    const spent = coupon({
      code: 'ONCE',
      type: 'fixed',
      amount: 100,
      currency: 'USD',
      usageLimit: 1,
      usageCount: 1,
    });
    expect(price('USD', lines, [spent]).codes[0]).toMatchObject({ reason: 'usage-limit-reached' });
    const perCustomer = coupon({
      code: 'MINE',
      type: 'fixed',
      amount: 100,
      currency: 'USD',
      perCustomerLimit: 1,
    });
    expect(price('USD', lines, [perCustomer]).applicable).toBe(true);
    expect(price('USD', lines, [perCustomer], ['MINE'], new Map([['MINE', 1]])).codes[0]).toMatchObject({
      reason: 'customer-limit-reached',
    });
  });

  it('refuses a disabled and an unknown code', () => {
    const result = price(
      'USD',
      lines,
      [coupon({ code: 'OFF', type: 'percentage', basisPoints: 100, status: 'disabled' })],
      ['OFF', 'NOPE'],
    );
    expect(result.codes.map((c) => (c.applies ? 'applies' : c.reason))).toEqual(['disabled', 'unknown-code']);
  });
});

describe('Given stackable codes and entitled SKUs', () => {
  describe('When a percentage and a fixed code apply together', () => {
    it('takes the percentage first, then the fixed one from what is left, only on entitled lines', () => {
      // TSHIRT 2 × 25.00 = 50.00 and MUG 12.50. P10 on everything: 5.00 + 1.25. F3 on MUG only: 3.00.
      const result = price(
        'USD',
        [
          { sku: 'TSHIRT', quantity: 2, unitPrice: 2500 },
          { sku: 'MUG', quantity: 1, unitPrice: 1250 },
        ],
        [
          coupon({
            code: 'F3',
            type: 'fixed',
            amount: 300,
            currency: 'USD',
            stackable: true,
            entitledSkus: ['MUG'],
          }),
          coupon({ code: 'P10', type: 'percentage', basisPoints: 1000, stackable: true }),
        ],
      );
      expect(result.applicable).toBe(true);
      expect(result.codes.map((c) => c.code)).toEqual(['P10', 'F3']);
      expect(result.codes[0]).toMatchObject({ discount: 625, lines: [500, 125] });
      expect(result.codes[1]).toMatchObject({ discount: 300, lines: [0, 300] });
      expect(result.lines.map((line) => line.discount)).toEqual([500, 425]);
      expect(result.discount).toBe(925);
    });
  });

  describe('When a fixed code is worth more than the entitled lines', () => {
    it('caps the discount at their price', () => {
      const result = price(
        'USD',
        [
          { sku: 'A', quantity: 1, unitPrice: 400 },
          { sku: 'B', quantity: 1, unitPrice: 1000 },
        ],
        [coupon({ code: 'BIG', type: 'fixed', amount: 1000, currency: 'USD', entitledSkus: ['A'] })],
      );
      expect(result.lines.map((line) => line.discount)).toEqual([400, 0]);
    });
  });
});

describe('Given a coupon definition', () => {
  it('normalises the code to upper case and defaults startsAt to now', () => {
    const definition = CouponDefinitionSchema.parse({
      code: ' summer-10 ',
      type: 'percentage',
      basisPoints: 1000,
    });
    const created = newCoupon(definition, NOW, { kind: 'api' });
    expect(created).toMatchObject({
      code: 'SUMMER-10',
      startsAt: NOW.toISOString(),
      usageCount: 0,
      stackable: false,
    });
  });

  it('requires an amount and a currency for a fixed coupon', () => {
    const result = CouponDefinitionSchema.safeParse({ code: 'FIX', type: 'fixed' });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['amount', 'currency']);
  });

  it('refuses the same code twice in one list, whatever the case', () => {
    expect(CouponCodesSchema.safeParse(['save10', 'SAVE10']).success).toBe(false);
    expect(CouponCodesSchema.parse(['save10', 'Extra'])).toEqual(['SAVE10', 'EXTRA']);
  });
});
