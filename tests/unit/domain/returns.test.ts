import { describe, expect, it } from 'vitest';
import { amountOfLines } from '../../../shared/app/payments.js';
import { returnPolicy } from '../../../shared/config/returns.js';
import { ACCOUNTS } from '../../../shared/domain/ledger.js';
import { CanonicalOrderSchema, cardAmount, deriveTotals } from '../../../shared/domain/order.js';
import {
  assertEvenExchange,
  assertReceipt,
  assertReturnable,
  assertStep,
  assertWithinPolicy,
  capSettlement,
  claimedBySku,
  exchangeExternalId,
  exchangeOrder,
  nonReturnableRule,
  type ReceiptRow,
  type SkuQuantity,
  settle,
  shippedBySku,
  storeCreditEntry,
  windowEndsOn,
} from '../../../shared/domain/returns.js';

// The fixture order: 2 × A at 25.00 with 5.00 off, 1 × B at 12.50; tax 5.10, shipping 5.99.
const order = {
  lines: [
    { sku: 'A', quantity: 2, unitPrice: 2500, discount: 500 },
    { sku: 'B', quantity: 1, unitPrice: 1250, discount: 0 },
  ],
  totals: { subtotal: 6250, discount: 500, shipping: 599, tax: 510, grand: 6859 },
};
const worthOf = (lines: readonly SkuQuantity[]) => amountOfLines(order, lines);
const worthBeforeTax = (lines: readonly SkuQuantity[]) =>
  amountOfLines({ ...order, totals: { ...order.totals, tax: 0 } }, lines);

const shipped = shippedBySku([
  { locationId: 'wh-1', shipDay: '2026-03-01', lines: [{ sku: 'A', quantity: 1 }] },
  {
    locationId: 'wh-2',
    shipDay: '2026-03-04',
    lines: [
      { sku: 'A', quantity: 1 },
      { sku: 'B', quantity: 1 },
    ],
  },
]);

const rule = (fn: () => void) => {
  try {
    fn();
  } catch (error) {
    return (error as { statusCode?: number; details?: { rule?: string; field?: string } }).details;
  }
  return undefined;
};

describe('Given an order shipped in two parcels', () => {
  it('adds up shipped units per SKU, with the latest ship day and its origin', () => {
    expect(shipped.get('A')).toEqual({ quantity: 2, lastShipDay: '2026-03-04', originLocationId: 'wh-2' });
    expect(shipped.get('B')).toEqual({ quantity: 1, lastShipDay: '2026-03-04', originLocationId: 'wh-2' });
  });

  describe('When the window is counted', () => {
    it('ends windowDays after the ship day, inclusive, across month ends', () => {
      expect(windowEndsOn('2026-03-04', 30)).toBe('2026-04-03');
      expect(windowEndsOn('2026-12-15', 30)).toBe('2027-01-14');
    });

    it('accepts a request on the last day and refuses the day after, naming the rule', () => {
      const lines = [{ sku: 'A', quantity: 1 }];
      expect(() => assertWithinPolicy(lines, shipped, returnPolicy, '2026-04-03')).not.toThrow();
      expect(rule(() => assertWithinPolicy(lines, shipped, returnPolicy, '2026-04-04'))).toMatchObject({
        rule: 'return-window',
        field: 'lines[0].sku',
        windowEndsOn: '2026-04-03',
      });
    });
  });

  describe('When a SKU is excluded by the policy', () => {
    it('matches exact SKUs and PREFIX* patterns only', () => {
      expect(nonReturnableRule('FINAL-SALE-HAT', ['FINAL-SALE-*'])).toBe('FINAL-SALE-*');
      expect(nonReturnableRule('HAT-FINAL-SALE-', ['FINAL-SALE-*'])).toBeUndefined();
      expect(nonReturnableRule('GC-1', ['GC-1'])).toBe('GC-1');
      expect(nonReturnableRule('GC-10', ['GC-1'])).toBeUndefined();
    });

    it('refuses the return with 422 naming the rule', () => {
      const finalSale = shippedBySku([
        { locationId: 'wh-1', shipDay: '2026-03-01', lines: [{ sku: 'FINAL-SALE-HAT', quantity: 1 }] },
      ]);
      const error = rule(() =>
        assertWithinPolicy([{ sku: 'FINAL-SALE-HAT', quantity: 1 }], finalSale, returnPolicy, '2026-03-02'),
      );
      expect(error).toMatchObject({ rule: 'non-returnable-sku', pattern: 'FINAL-SALE-*' });
    });
  });

  describe('When returnable quantities are checked', () => {
    const others = claimedBySku([
      { status: 'refused', lines: [{ sku: 'A', quantity: 2 }] },
      { status: 'authorized', lines: [{ sku: 'A', quantity: 1 }] },
      { status: 'closed', lines: [{ sku: 'B', quantity: 1 }], received: [] },
    ]);

    it('counts open returns by what they ask, settled ones by what came back, refused ones not at all', () => {
      expect(others.get('A')).toBe(1);
      expect(others.get('B') ?? 0).toBe(0);
    });

    it('allows what is left and refuses one more, naming the quantity left', () => {
      expect(() => assertReturnable([{ sku: 'A', quantity: 1 }], shipped, others)).not.toThrow();
      expect(rule(() => assertReturnable([{ sku: 'A', quantity: 2 }], shipped, others))).toMatchObject({
        rule: 'returnable-quantity',
        field: 'lines[0].quantity',
        returnable: 1,
      });
    });

    it('refuses a SKU that never shipped and a SKU listed twice', () => {
      expect(rule(() => assertReturnable([{ sku: 'C', quantity: 1 }], shipped, new Map()))).toMatchObject({
        rule: 'not-shipped',
      });
      expect(
        rule(() =>
          assertReturnable(
            [
              { sku: 'B', quantity: 1 },
              { sku: 'B', quantity: 1 },
            ],
            shipped,
            new Map(),
          ),
        ),
      ).toMatchObject({ field: 'lines[1].sku' });
    });
  });
});

describe('Given a return of 2 × A received as 1 sellable and 1 damaged', () => {
  const rows: ReceiptRow[] = [
    { sku: 'A', quantity: 1, condition: 'sellable', disposition: 'restock', locationId: 'wh-2' },
    { sku: 'A', quantity: 1, condition: 'damaged', disposition: 'write_off' },
  ];

  it('checks the receipt against the request', () => {
    expect(() => assertReceipt([{ sku: 'A', quantity: 2 }], rows)).not.toThrow();
    expect(rule(() => assertReceipt([{ sku: 'A', quantity: 1 }], rows))).toMatchObject({
      field: 'lines[1].quantity',
    });
    expect(rule(() => assertReceipt([{ sku: 'B', quantity: 1 }], rows))).toMatchObject({
      field: 'lines[0].sku',
    });
  });

  describe('When it is settled under the default policy', () => {
    const settlement = settle(rows, worthOf, worthBeforeTax, returnPolicy);

    it('is worth the units less their discount share plus their tax share (amountOfLines)', () => {
      // 2 × 2500 − 500 = 4500 net; tax 510 × 4500 / 5750 = 399.
      expect(settlement.worth).toBe(4899);
      expect(settlement.tax).toBe(399);
    });

    it('charges the sellable unit 10% of its worth and the damaged one nothing', () => {
      // One unit is worth 2250 + 199 tax = 2449; 10% rounded down.
      expect(worthOf([{ sku: 'A', quantity: 1 }])).toBe(2449);
      expect(settlement.restockingFee).toBe(244);
      expect(settlement.labelCharge).toBe(0);
      expect(settlement.due).toBe(4899 - 244);
    });

    it('deducts a customer-paid label once, and never goes below zero', () => {
      const customerPays = {
        ...returnPolicy,
        label: { ...returnPolicy.label, paidBy: 'customer' as const, customerCharge: 800 },
      };
      expect(settle(rows, worthOf, worthBeforeTax, customerPays)).toMatchObject({
        labelCharge: 800,
        due: 3855,
      });
      const tiny = { ...customerPays, label: { ...customerPays.label, customerCharge: 100_000 } };
      expect(settle(rows, worthOf, worthBeforeTax, tiny).due).toBe(0);
    });
  });

  describe('When it is settled in store credit', () => {
    it('posts a balanced entry: sales returns and tax payable debited, store credit liability credited', () => {
      const settlement = settle(rows, worthOf, worthBeforeTax, returnPolicy);
      const entry = storeCreditEntry({
        id: 'je_x_credit',
        postedAt: '2026-03-10T00:00:00.000Z',
        currency: 'USD',
        orderId: 'ord_x',
        rmaId: 'rma_x_1',
        settlement,
        salesReturnsAccount: returnPolicy.salesReturnsAccount,
      });
      // Tax share of the credit: 399 × 4655 / 4899 = 379.
      expect(entry.lines.map(({ account, debit, credit }) => ({ account, debit, credit }))).toEqual([
        { account: '4950-sales-returns', debit: 4276, credit: 0 },
        { account: ACCOUNTS.salesTaxPayable, debit: 379, credit: 0 },
        { account: ACCOUNTS.storeCreditLiability, debit: 0, credit: 4655 },
      ]);
    });

    it('refuses to issue nothing', () => {
      expect(() =>
        storeCreditEntry({
          id: 'je',
          postedAt: '2026-03-10T00:00:00.000Z',
          currency: 'USD',
          orderId: 'ord_x',
          rmaId: 'rma_x_1',
          settlement: { worth: 0, tax: 0, due: 0 },
          salesReturnsAccount: returnPolicy.salesReturnsAccount,
        }),
      ).toThrow(/settles for nothing/);
    });
  });
});

describe('Given a settlement due 12.24 on an order with less left paid', () => {
  const settlement = { worth: 1360, tax: 110, restockingFee: 136, labelCharge: 0, due: 1224 };

  it('pays what is left and records the shortfall, never below zero', () => {
    expect(capSettlement(settlement, 1000)).toEqual({
      ...settlement,
      due: 1000,
      cappedBy: 'earlier refunds',
      shortfall: 224,
    });
    expect(capSettlement(settlement, -50)).toMatchObject({ due: 0, shortfall: 1224 });
  });

  it('leaves it as settled when enough is left', () => {
    expect(capSettlement(settlement, 1224)).toBe(settlement);
  });
});

describe('Given the return steps', () => {
  it('lets each step start only from its status, naming both in the 409', () => {
    expect(() => assertStep('authorize', 'requested', 'rma_1')).not.toThrow();
    expect(() => assertStep('receive', 'requested', 'rma_1')).toThrow(
      'return rma_1 is requested; it can be received only when authorized',
    );
    expect(() => assertStep('resolve', 'closed', 'rma_1')).toThrow(/closed/);
  });
});

describe('Given an exchange against the fixture order (A at 25.00, B at 12.50)', () => {
  const prices = new Map(order.lines.map((line) => [line.sku, line.unitPrice]));

  describe('When its worth is checked at the order unit prices', () => {
    it('accepts an even or cheaper exchange and answers both worths', () => {
      expect(
        assertEvenExchange([{ sku: 'A', quantity: 1 }], [{ sku: 'A', quantity: 1 }], prices, 'requested'),
      ).toEqual({ givenWorth: 2500, exchangeWorth: 2500 });
      expect(
        assertEvenExchange([{ sku: 'A', quantity: 1 }], [{ sku: 'B', quantity: 2 }], prices, 'requested'),
      ).toEqual({ givenWorth: 2500, exchangeWorth: 2500 });
    });

    it('refuses more than the returned worth with 422 naming the field and both worths', () => {
      const refused = rule(() =>
        assertEvenExchange([{ sku: 'B', quantity: 1 }], [{ sku: 'A', quantity: 1 }], prices, 'received'),
      );
      expect(refused).toEqual({
        rule: 'even-exchange',
        field: 'exchange',
        exchangeWorth: 2500,
        returnedWorth: 1250,
      });
      expect(() =>
        assertEvenExchange([{ sku: 'B', quantity: 1 }], [{ sku: 'A', quantity: 1 }], prices, 'received'),
      ).toThrow(/more than the 1250 the received units are worth/);
    });

    it('refuses a SKU not on the order, a SKU listed twice and no lines, naming each', () => {
      const given = [{ sku: 'A', quantity: 2 }];
      expect(rule(() => assertEvenExchange(given, [{ sku: 'C', quantity: 1 }], prices, 'requested'))).toEqual(
        {
          rule: 'exchange-sku',
          field: 'exchange[0].sku',
        },
      );
      const twice = [
        { sku: 'B', quantity: 1 },
        { sku: 'B', quantity: 1 },
      ];
      expect(rule(() => assertEvenExchange(given, twice, prices, 'requested'))).toEqual({
        field: 'exchange[1].sku',
      });
      expect(rule(() => assertEvenExchange(given, [], prices, 'requested'))).toEqual({ field: 'exchange' });
    });
  });

  describe('When the replacement order is built', () => {
    const original = {
      currency: 'USD',
      customer: { email: 'rae@example.com', name: 'Rae Turner' },
      shippingAddress: { line1: '1 Main St', city: 'New York', postalCode: '10001', country: 'US' },
      lines: [
        { sku: 'A', name: 'T-shirt M', quantity: 2, unitPrice: 2500, discount: 500 },
        { sku: 'B', quantity: 1, unitPrice: 1250, discount: 0 },
      ],
    };
    const built = exchangeOrder(
      original,
      'rma_abc_1',
      [
        { sku: 'A', quantity: 1 },
        { sku: 'B', quantity: 2 },
      ],
      '2026-03-10T00:00:00.000Z',
    );

    it('is a direct order named by the return, to the same customer and address', () => {
      expect(built).toMatchObject({
        channel: 'direct',
        externalId: exchangeExternalId('rma_abc_1'),
        customer: original.customer,
        shippingAddress: original.shippingAddress,
        fulfillment: { type: 'ship' },
      });
      expect(exchangeExternalId('rma_abc_1')).toBe('exchange-rma_abc_1');
    });

    it('discounts every line in full at the order price: total 0, nothing for the card, valid for the intake', () => {
      expect(built.lines).toEqual([
        { sku: 'A', name: 'T-shirt M', quantity: 1, unitPrice: 2500, discount: 2500 },
        { sku: 'B', quantity: 2, unitPrice: 1250, discount: 2500 },
      ]);
      const totals = deriveTotals(built);
      expect(totals).toEqual({ subtotal: 5000, discount: 5000, shipping: 0, tax: 0, grand: 0 });
      expect(cardAmount(totals, built.tenders)).toBe(0);
      expect(CanonicalOrderSchema.parse(built)).toEqual(built);
    });
  });
});
