import { describe, expect, it } from 'vitest';
import { UnbalancedEntryError, UnprocessableError } from '../../../shared/domain/errors.js';
import {
  ACCOUNTS,
  assertBalanced,
  freightInvoiceEntry,
  type JournalEntry,
  paymentsOf,
  refundEntry,
  reversalLines,
  saleEntry,
  trialBalance,
} from '../../../shared/domain/ledger.js';

const AT = '2026-11-27T10:00:00.000Z';
const totals = { subtotal: 6250, discount: 500, shipping: 599, tax: 510, grand: 6859 };

const sums = (entry: Pick<JournalEntry, 'lines'>) => ({
  debits: entry.lines.reduce((sum, line) => sum + line.debit, 0),
  credits: entry.lines.reduce((sum, line) => sum + line.credit, 0),
});

/** Net (debit − credit) per account over entries, zero accounts left out. */
function net(entries: readonly JournalEntry[]): Record<string, number> {
  const result: Record<string, number> = {};
  for (const entry of entries) {
    for (const line of entry.lines)
      result[line.account] = (result[line.account] ?? 0) + line.debit - line.credit;
  }
  return Object.fromEntries(Object.entries(result).filter(([, value]) => value !== 0));
}

const sale = (id = 'je-sale', paymentId = 'cap_1', share = totals) =>
  saleEntry({ id, postedAt: AT, currency: 'USD', orderId: 'o-1', paymentId, totals: share });

describe('Given an order paid partly by gift card and store credit', () => {
  describe('When its capture is posted', () => {
    const entry = saleEntry({
      id: 'je-gc',
      postedAt: AT,
      currency: 'USD',
      orderId: 'o-gc',
      paymentId: 'cap_gc',
      totals,
      cash: 5859,
      tenders: { giftCard: 700, storeCredit: 300 },
    });

    it('debits the card part to clearing and the rest to the two liabilities in proportion', () => {
      expect(entry.lines).toEqual([
        { account: ACCOUNTS.paymentClearing, debit: 5859, credit: 0 },
        { account: ACCOUNTS.giftCardLiability, debit: 700, credit: 0 },
        { account: ACCOUNTS.storeCreditLiability, debit: 300, credit: 0 },
        { account: ACCOUNTS.salesDiscounts, debit: 500, credit: 0 },
        { account: ACCOUNTS.salesRevenue, debit: 0, credit: 6250 },
        { account: ACCOUNTS.shippingIncome, debit: 0, credit: 599 },
        { account: ACCOUNTS.salesTaxPayable, debit: 0, credit: 510 },
      ]);
      expect(sums(entry)).toEqual({ debits: 7359, credits: 7359 });
    });

    it('claims only the card part as the gateway capture', () => {
      expect(paymentsOf(entry)).toEqual([{ type: 'capture', id: 'cap_gc', amount: 5859 }]);
    });
  });

  describe('When the card part is refunded in full', () => {
    it('reverses that much of the sale and leaves the gift card and store credit spent', () => {
      const paid = saleEntry({
        id: 'je-gc',
        postedAt: AT,
        currency: 'USD',
        orderId: 'o-gc',
        paymentId: 'cap_gc',
        totals,
        cash: 5859,
        tenders: { giftCard: 700, storeCredit: 300 },
      });
      const lines = reversalLines(paid, 5859);
      expect(lines.some((line) => line.account === ACCOUNTS.giftCardLiability)).toBe(false);
      expect(lines.some((line) => line.account === ACCOUNTS.storeCreditLiability)).toBe(false);
      expect(lines[0]).toEqual({ account: ACCOUNTS.paymentClearing, debit: 0, credit: 5859 });
      const reversed = Object.fromEntries(
        lines.slice(1).map((line) => [line.account, line.debit - line.credit]),
      );
      // 5859 of the 6859 the revenue, discount, shipping and tax lines make up.
      expect(reversed[ACCOUNTS.salesRevenue]).toBeGreaterThan(5300);
      expect(reversed[ACCOUNTS.salesRevenue]).toBeLessThan(5400);
      expect(sums({ lines }).debits).toBe(sums({ lines }).credits);
    });
  });

  describe('When the card paid less than the capture without any tender on the order', () => {
    it('refuses the entry as unbalanced', () => {
      expect(() =>
        saleEntry({
          id: 'x',
          postedAt: AT,
          currency: 'USD',
          orderId: 'o',
          paymentId: 'c',
          totals,
          cash: 100,
        }),
      ).toThrow(UnbalancedEntryError);
    });
  });
});

describe('Given a captured sale refunded in uneven parts', () => {
  const original = sale();
  const parts = [1000, 2333, 1, 3525];

  describe('When each part is reversed from what was refunded before it', () => {
    const refunds = parts.map((amount, index) => {
      const before = parts.slice(0, index).reduce((sum, value) => sum + value, 0);
      return refundEntry({
        id: `je-r${index}`,
        postedAt: AT,
        refundId: `rf_${index}`,
        parts: [{ sale: original, amount, before, gatewayRefundId: `ref_${index}` }],
      });
    });

    it('balances every refund and credits clearing exactly the part', () => {
      refunds.forEach((refund, index) => {
        expect(() => assertBalanced(refund)).not.toThrow();
        const clearing = refund.lines.find((line) => line.account === ACCOUNTS.paymentClearing);
        expect(clearing).toMatchObject({ debit: 0, credit: parts[index] });
      });
    });

    it('nets every account of the sale to zero once the whole capture is refunded', () => {
      expect(parts.reduce((sum, value) => sum + value, 0)).toBe(totals.grand);
      expect(net([original, ...refunds])).toEqual({});
    });

    it('gives the same lines for the same input', () => {
      const again = refundEntry({
        id: 'je-r1',
        postedAt: AT,
        refundId: 'rf_1',
        parts: [{ sale: original, amount: 2333, before: 1000, gatewayRefundId: 'ref_1' }],
      });
      expect(again).toEqual(refunds[1]);
    });

    it('claims the gateway refund against its capture', () => {
      expect(paymentsOf(refunds[0] as JournalEntry)).toEqual([
        { type: 'refund', id: 'ref_0', amount: 1000, captureId: 'cap_1' },
      ]);
    });
  });

  describe('When a part exceeds what the capture has left', () => {
    it('refuses it', () => {
      expect(() => reversalLines(original, 100, totals.grand - 99)).toThrow(UnprocessableError);
    });
  });
});

describe('Given two captures of one order', () => {
  const first = sale('je-s1', 'cap_1', {
    subtotal: 2500,
    discount: 250,
    shipping: 599,
    tax: 200,
    grand: 3049,
  });
  const second = sale('je-s2', 'cap_2', {
    subtotal: 3750,
    discount: 250,
    shipping: 0,
    tax: 310,
    grand: 3810,
  });

  describe('When one refund takes the first capture whole and part of the second', () => {
    const refund = refundEntry({
      id: 'je-r',
      postedAt: AT,
      refundId: 'rf_x',
      parts: [
        { sale: first, amount: 3049, gatewayRefundId: 'ref_a' },
        { sale: second, amount: 1000, gatewayRefundId: 'ref_b' },
      ],
    });

    it('is one balanced entry with one line per account', () => {
      expect(() => assertBalanced(refund)).not.toThrow();
      const accounts = refund.lines.map((line) => line.account);
      expect(new Set(accounts).size).toBe(accounts.length);
      expect(refund.lines.find((line) => line.account === ACCOUNTS.paymentClearing)?.credit).toBe(4049);
    });

    it('claims both gateway refunds', () => {
      expect(paymentsOf(refund).map((payment) => [payment.id, payment.amount])).toEqual([
        ['ref_a', 3049],
        ['ref_b', 1000],
      ]);
    });
  });
});

describe('Given an approved freight invoice', () => {
  const input = {
    id: 'je_freight_inv-1',
    postedAt: AT,
    invoiceId: 'inv-1',
    carrier: 'UPS',
    currency: 'USD',
    amount: 1850,
    lines: [
      { shipmentId: 'sh_1', orderId: 'o-1', amount: 1200 },
      { shipmentId: 'sh_2', orderId: 'o-2', amount: 650 },
    ],
  };

  describe('When it is posted', () => {
    it('debits freight expense per shipment and credits the carrier payable', () => {
      const entry = freightInvoiceEntry(input);
      expect(entry.lines).toEqual([
        { account: ACCOUNTS.freightExpense, debit: 1200, credit: 0, orderId: 'o-1', shipmentId: 'sh_1' },
        { account: ACCOUNTS.freightExpense, debit: 650, credit: 0, orderId: 'o-2', shipmentId: 'sh_2' },
        { account: ACCOUNTS.accountsPayableCarriers, debit: 0, credit: 1850 },
      ]);
      expect(entry.links).toEqual({ invoiceId: 'inv-1' });
      expect(paymentsOf(entry)).toEqual([]);
    });
  });

  describe('When its lines do not add up to the invoice', () => {
    it('refuses it', () => {
      expect(() => freightInvoiceEntry({ ...input, amount: 1851 })).toThrow(UnprocessableError);
    });
  });
});

describe('Given entries in two currencies', () => {
  const usd = sale();
  const refund = refundEntry({
    id: 'je-r',
    postedAt: AT,
    refundId: 'rf',
    parts: [{ sale: usd, amount: 859, gatewayRefundId: 'ref' }],
  });
  const jpy = saleEntry({
    id: 'je-jpy',
    postedAt: AT,
    currency: 'JPY',
    orderId: 'o-2',
    paymentId: 'cap_j',
    totals: { subtotal: 6000, discount: 300, shipping: 800, tax: 570, grand: 7070 },
  });

  describe('When the trial balance is drawn', () => {
    const books = trialBalance([usd, refund, jpy]);

    it('sums every currency to zero', () => {
      expect(books.map((book) => book.currency)).toEqual(['JPY', 'USD']);
      for (const book of books) {
        expect(book.totals.balance).toBe(0);
        expect(book.accounts.reduce((sum, row) => sum + row.balance, 0)).toBe(0);
      }
    });

    it('shows clearing at what was captured less what was refunded', () => {
      const clearing = books[1]?.accounts.find((row) => row.account === ACCOUNTS.paymentClearing);
      expect(clearing).toEqual({
        account: ACCOUNTS.paymentClearing,
        debit: 6859,
        credit: 859,
        balance: 6000,
      });
    });
  });

  describe('When one entry does not balance', () => {
    it('refuses to draw the balance', () => {
      const broken: JournalEntry = {
        ...jpy,
        lines: jpy.lines.map((line, i) => (i === 0 ? { ...line, debit: line.debit + 1 } : line)),
      };
      expect(() => trialBalance([usd, broken])).toThrow(UnbalancedEntryError);
    });
  });
});
