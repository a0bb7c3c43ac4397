import { describe, expect, it } from 'vitest';
import { UnprocessableError } from '../../../shared/domain/errors.js';
import { type CanonicalOrder, CanonicalOrderSchema, deriveTotals } from '../../../shared/domain/order.js';

/** 2 × TSHIRT at 25.00 with 5.00 off, 1 × MUG at 12.50, shipping 5.99, tax 5.10: total 68.59 USD. */
function orderInput(): Record<string, unknown> & { lines: Record<string, unknown>[] } {
  return {
    channel: 'direct',
    externalId: 'ext-1',
    currency: 'USD',
    customer: { email: 'ada@example.com' },
    shippingAddress: { line1: '1 Main St', city: 'New York', postalCode: '10001', country: 'US' },
    lines: [
      { sku: 'SKU-TSHIRT-M', quantity: 2, unitPrice: 2500, discount: 500 },
      { sku: 'SKU-MUG', quantity: 1, unitPrice: 1250 },
    ],
    shipping: 599,
    tax: 510,
    discount: 500,
    total: 6859,
  };
}

const order = (overrides: Partial<CanonicalOrder> = {}): CanonicalOrder => ({
  ...CanonicalOrderSchema.parse(orderInput()),
  ...overrides,
});

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

function issuePaths(input: unknown): string[] {
  const result = CanonicalOrderSchema.safeParse(input);
  if (result.success) throw new Error('expected the order to be refused');
  // A value can break several rules at once ('usd' fails the pattern and the known-currency check).
  return [...new Set(result.error.issues.map((issue) => issue.path.join('.')))];
}

describe('Given an order whose parts add up', () => {
  describe('When its totals are derived', () => {
    it('returns subtotal, discount, shipping, tax and the grand total', () => {
      expect(deriveTotals(order())).toEqual({
        subtotal: 6250,
        discount: 500,
        shipping: 599,
        tax: 510,
        grand: 6859,
      });
    });

    it('adds up an order with no discount, shipping or tax', () => {
      const lines = [{ sku: 'A', quantity: 3, unitPrice: 333, discount: 0 }];
      expect(deriveTotals(order({ lines, discount: 0, shipping: 0, tax: 0, total: 999 }))).toEqual({
        subtotal: 999,
        discount: 0,
        shipping: 0,
        tax: 0,
        grand: 999,
      });
    });

    it('accepts a discount equal to the subtotal', () => {
      const totals = deriveTotals(order({ discount: 6250, shipping: 0, tax: 0, total: 0 }));
      expect(totals.grand).toBe(0);
    });

    it('accepts an order-level discount larger than the line allocations', () => {
      expect(deriveTotals(order({ discount: 700, total: 6659 })).grand).toBe(6659);
    });
  });
});

describe('Given an order whose stated total disagrees with its parts', () => {
  describe('When its totals are derived', () => {
    it('refuses with 422 and tells the expected and stated totals', () => {
      const error = thrown(() => deriveTotals(order({ total: 6860 })));
      expect(error).toBeInstanceOf(UnprocessableError);
      expect((error as UnprocessableError).statusCode).toBe(422);
      expect((error as UnprocessableError).details).toEqual({ field: 'total', expected: 6859, stated: 6860 });
      expect((error as Error).message).toBe(
        'total 6860 does not equal lines 6250 − discount 500 + shipping 599 + tax 510 = 6859 (minor units of USD)',
      );
    });
  });
});

describe('Given line discounts above the order discount', () => {
  describe('When its totals are derived', () => {
    it('refuses, naming the discount field', () => {
      const error = thrown(() => deriveTotals(order({ discount: 400, total: 6959 })));
      expect(error).toBeInstanceOf(UnprocessableError);
      expect((error as UnprocessableError).details).toEqual({ field: 'discount' });
      expect((error as Error).message).toBe('line discounts (500) exceed the order discount (400)');
    });
  });
});

describe('Given a discount above the subtotal', () => {
  describe('When its totals are derived', () => {
    it('refuses rather than produce a negative sale', () => {
      const error = thrown(() => deriveTotals(order({ discount: 6251, shipping: 1000, tax: 0, total: 999 })));
      expect(error).toBeInstanceOf(UnprocessableError);
      expect((error as UnprocessableError).details).toEqual({ field: 'discount' });
      expect((error as Error).message).toBe('discount (6251) exceeds the subtotal (6250)');
    });
  });
});

describe('Given the canonical order schema', () => {
  describe('When a valid order is parsed', () => {
    it('fills omitted amounts with zero', () => {
      const input = orderInput();
      delete input.shipping;
      delete input.tax;
      delete input.discount;
      const parsed = CanonicalOrderSchema.parse({
        ...input,
        lines: [{ sku: 'A', quantity: 1, unitPrice: 10 }],
      });
      expect(parsed).toMatchObject({ shipping: 0, tax: 0, discount: 0 });
      expect(parsed.lines[0]?.discount).toBe(0);
    });

    it('accepts JPY and KWD', () => {
      expect(CanonicalOrderSchema.parse({ ...orderInput(), currency: 'JPY' }).currency).toBe('JPY');
      expect(CanonicalOrderSchema.parse({ ...orderInput(), currency: 'KWD' }).currency).toBe('KWD');
    });

    it('accepts exactly 100 lines', () => {
      const lines = Array.from({ length: 100 }, (_, index) => ({
        sku: `SKU-${index}`,
        quantity: 1,
        unitPrice: 1,
      }));
      expect(CanonicalOrderSchema.parse({ ...orderInput(), lines }).lines).toHaveLength(100);
    });
  });

  describe('When the currency is not an upper-case known ISO 4217 code', () => {
    it.each(['usd', 'Usd', 'XYZ', 'US', 'USDD'])('refuses %j', (currency) => {
      expect(issuePaths({ ...orderInput(), currency })).toEqual(['currency']);
    });
  });

  describe('When the country is not an upper-case ISO 3166-1 alpha-2 code', () => {
    it.each(['us', 'USA', 'U', '12'])('refuses %j', (country) => {
      const input = orderInput();
      const paths = issuePaths({
        ...input,
        shippingAddress: { ...(input.shippingAddress as object), country },
      });
      expect(paths).toEqual(['shippingAddress.country']);
    });
  });

  describe('When a line quantity is not a positive integer', () => {
    it.each([0, -1, 1.5, 10_001])('refuses %d', (quantity) => {
      const input = orderInput();
      const lines = [{ ...input.lines[0], quantity }, input.lines[1]];
      expect(issuePaths({ ...input, lines })).toEqual(['lines.0.quantity']);
    });
  });

  describe('When there are more than 100 lines', () => {
    it('refuses the lines', () => {
      const lines = Array.from({ length: 101 }, (_, index) => ({
        sku: `SKU-${index}`,
        quantity: 1,
        unitPrice: 1,
      }));
      expect(issuePaths({ ...orderInput(), lines })).toEqual(['lines']);
    });
  });

  describe('When there are no lines', () => {
    it('refuses the lines', () => {
      expect(issuePaths({ ...orderInput(), lines: [] })).toEqual(['lines']);
    });
  });

  describe('When an amount is not integer minor units', () => {
    it.each([
      ['total', 68.59],
      ['shipping', -1],
      ['tax', 5.1],
    ])('refuses %s = %d', (field, value) => {
      expect(issuePaths({ ...orderInput(), [field]: value })).toEqual([field]);
    });
  });
});

describe('Given a line whose own discount is more than its price', () => {
  it('refuses with 422 naming that line, so no shipment of it can bill a negative amount', () => {
    const base = order();
    const lines = base.lines.map((line, index) =>
      index === 0 ? { ...line, discount: line.unitPrice * line.quantity + 1 } : { ...line, discount: 0 },
    );
    const discount = lines.reduce((sum, line) => sum + line.discount, 0);
    const subtotal = lines.reduce((sum, line) => sum + line.unitPrice * line.quantity, 0);
    const error = thrown(() =>
      deriveTotals(order({ lines, discount, total: subtotal - discount + base.shipping + base.tax })),
    );
    expect(error).toBeInstanceOf(UnprocessableError);
    expect((error as UnprocessableError).details).toEqual({ field: 'lines[0].discount' });
  });
});
