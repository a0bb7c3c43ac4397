import { describe, expect, it } from 'vitest';
import { UnbalancedEntryError } from '../../../shared/domain/errors.js';
import {
  ACCOUNTS,
  assertBalanced,
  type JournalEntry,
  type JournalLine,
  refundEntry,
  saleEntry,
} from '../../../shared/domain/ledger.js';
import type { OrderTotals } from '../../../shared/domain/order.js';

const POSTED_AT = '2025-03-14T10:00:00.000Z';

const sale = (totals: OrderTotals) =>
  saleEntry({ id: 'je-1', postedAt: POSTED_AT, currency: 'USD', orderId: 'o-1', paymentId: 'pay-1', totals });

const sums = (entry: JournalEntry) => ({
  debits: entry.lines.reduce((sum, line) => sum + line.debit, 0),
  credits: entry.lines.reduce((sum, line) => sum + line.credit, 0),
});

const entryWith = (lines: JournalLine[]): JournalEntry => ({
  id: 'je-x',
  postedAt: POSTED_AT,
  currency: 'USD',
  memo: 'test',
  links: { orderId: 'o-1' },
  lines,
});

describe('Given a captured order with discount, shipping and tax', () => {
  const totals = { subtotal: 6250, discount: 500, shipping: 599, tax: 510, grand: 6859 };

  describe('When the sale is posted', () => {
    it('debits clearing and discounts, credits revenue, shipping and tax', () => {
      expect(sale(totals).lines).toEqual([
        { account: ACCOUNTS.paymentClearing, debit: 6859, credit: 0 },
        { account: ACCOUNTS.salesDiscounts, debit: 500, credit: 0 },
        { account: ACCOUNTS.salesRevenue, debit: 0, credit: 6250 },
        { account: ACCOUNTS.shippingIncome, debit: 0, credit: 599 },
        { account: ACCOUNTS.salesTaxPayable, debit: 0, credit: 510 },
      ]);
    });

    it('balances: debits equal credits', () => {
      expect(sums(sale(totals))).toEqual({ debits: 7359, credits: 7359 });
    });

    it('links the entry to the order and the payment', () => {
      const entry = sale(totals);
      expect(entry).toMatchObject({
        id: 'je-1',
        postedAt: POSTED_AT,
        currency: 'USD',
        memo: 'Sale captured for order o-1',
        links: { orderId: 'o-1', paymentId: 'pay-1' },
      });
    });
  });

  describe('When the sale is refunded', () => {
    it('mirrors every line of the sale: debits become credits', () => {
      const original = sale(totals);
      const refund = refundEntry({ id: 'je-2', postedAt: POSTED_AT, sale: original, refundId: 'ref-1' });
      expect(refund.lines).toEqual([
        { account: ACCOUNTS.paymentClearing, debit: 0, credit: 6859 },
        { account: ACCOUNTS.salesDiscounts, debit: 0, credit: 500 },
        { account: ACCOUNTS.salesRevenue, debit: 6250, credit: 0 },
        { account: ACCOUNTS.shippingIncome, debit: 599, credit: 0 },
        { account: ACCOUNTS.salesTaxPayable, debit: 510, credit: 0 },
      ]);
      expect(sums(refund)).toEqual({ debits: 7359, credits: 7359 });
    });

    it('keeps the sale links and adds the refund id', () => {
      const refund = refundEntry({ id: 'je-2', postedAt: POSTED_AT, sale: sale(totals), refundId: 'ref-1' });
      expect(refund).toMatchObject({
        id: 'je-2',
        currency: 'USD',
        memo: 'Refund for order o-1',
        links: { orderId: 'o-1', paymentId: 'pay-1', refundId: 'ref-1' },
      });
    });

    it('nets every account to zero with the sale', () => {
      const original = sale(totals);
      const refund = refundEntry({ id: 'je-2', postedAt: POSTED_AT, sale: original, refundId: 'ref-1' });
      const net = new Map<string, number>();
      for (const line of [...original.lines, ...refund.lines]) {
        net.set(line.account, (net.get(line.account) ?? 0) + line.debit - line.credit);
      }
      expect([...net.values()]).toEqual([0, 0, 0, 0, 0]);
    });
  });
});

describe('Given a captured order without discount, shipping or tax', () => {
  describe('When the sale is posted', () => {
    it('drops the zero-amount lines and keeps two balanced lines', () => {
      const entry = sale({ subtotal: 4200, discount: 0, shipping: 0, tax: 0, grand: 4200 });
      expect(entry.lines).toEqual([
        { account: ACCOUNTS.paymentClearing, debit: 4200, credit: 0 },
        { account: ACCOUNTS.salesRevenue, debit: 0, credit: 4200 },
      ]);
    });
  });
});

describe('Given a captured order with shipping but no discount or tax', () => {
  describe('When the sale is posted', () => {
    it('credits revenue and shipping income and balances', () => {
      const entry = sale({ subtotal: 1000, discount: 0, shipping: 250, tax: 0, grand: 1250 });
      expect(entry.lines.map((line) => line.account)).toEqual([
        ACCOUNTS.paymentClearing,
        ACCOUNTS.salesRevenue,
        ACCOUNTS.shippingIncome,
      ]);
      expect(sums(entry)).toEqual({ debits: 1250, credits: 1250 });
    });
  });
});

describe('Given an order fully paid by discount', () => {
  describe('When the sale is posted', () => {
    it('drops the zero clearing line and books the discount against revenue', () => {
      const entry = sale({ subtotal: 1000, discount: 1000, shipping: 0, tax: 0, grand: 0 });
      expect(entry.lines).toEqual([
        { account: ACCOUNTS.salesDiscounts, debit: 1000, credit: 0 },
        { account: ACCOUNTS.salesRevenue, debit: 0, credit: 1000 },
      ]);
    });
  });
});

describe('Given totals that do not add up', () => {
  describe('When the sale is posted', () => {
    it('refuses the entry as unbalanced', () => {
      expect(() => sale({ subtotal: 1000, discount: 0, shipping: 0, tax: 0, grand: 999 })).toThrow(
        UnbalancedEntryError,
      );
    });
  });
});

describe('Given a journal entry', () => {
  const cash = (debit: number, credit: number): JournalLine => ({
    account: ACCOUNTS.paymentClearing,
    debit,
    credit,
  });
  const revenue = (debit: number, credit: number): JournalLine => ({
    account: ACCOUNTS.salesRevenue,
    debit,
    credit,
  });

  describe('When it balances', () => {
    it('passes', () => {
      expect(() => assertBalanced(entryWith([cash(100, 0), revenue(0, 100)]))).not.toThrow();
    });
  });

  describe.each([
    [
      'debits and credits differ',
      [cash(100, 0), revenue(0, 99)],
      'does not balance: debits 100 ≠ credits 99',
    ],
    ['an amount is negative', [cash(-100, 0), revenue(0, -100)], 'non-negative integer minor units'],
    ['an amount is fractional', [cash(100.5, 0), revenue(0, 100.5)], 'non-negative integer minor units'],
    ['an amount is NaN', [cash(Number.NaN, 0), revenue(0, 100)], 'non-negative integer minor units'],
    [
      'a line has both a debit and a credit',
      [cash(100, 100), revenue(0, 100), revenue(100, 0)],
      `line ${ACCOUNTS.paymentClearing} must be a debit or a credit`,
    ],
    [
      'a line has neither a debit nor a credit',
      [cash(100, 0), revenue(0, 100), revenue(0, 0)],
      `line ${ACCOUNTS.salesRevenue} must be a debit or a credit`,
    ],
    ['it has a single line', [cash(100, 0)], 'does not balance'],
    ['it has no lines', [], 'does not balance'],
  ])('When %s', (_case, lines, message) => {
    it('throws UnbalancedEntryError naming the entry', () => {
      let error: unknown;
      try {
        assertBalanced(entryWith(lines as JournalLine[]));
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(UnbalancedEntryError);
      expect((error as Error).message).toContain('entry je-x');
      expect((error as Error).message).toContain(message as string);
    });
  });
});
