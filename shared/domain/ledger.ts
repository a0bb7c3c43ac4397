import { UnbalancedEntryError } from './errors.js';
import type { OrderTotals } from './order.js';

/** Chart of accounts used by the posting rules. */
export const ACCOUNTS = {
  paymentClearing: '1100-payment-clearing',
  salesRevenue: '4000-sales-revenue',
  shippingIncome: '4100-shipping-income',
  salesDiscounts: '4900-sales-discounts',
  salesTaxPayable: '2200-sales-tax-payable',
} as const;

export interface JournalLine {
  account: string;
  /** Integer minor units; exactly one of debit and credit is non-zero. */
  debit: number;
  credit: number;
}

export interface JournalEntry {
  id: string;
  postedAt: string;
  currency: string;
  memo: string;
  links: { orderId: string; paymentId?: string; refundId?: string; shipmentId?: string };
  lines: JournalLine[];
}

/** An entry whose debits and credits differ, or with a negative or fractional amount, is refused. */
export function assertBalanced(entry: JournalEntry): void {
  let debits = 0;
  let credits = 0;
  for (const line of entry.lines) {
    for (const amount of [line.debit, line.credit]) {
      if (!Number.isSafeInteger(amount) || amount < 0) {
        throw new UnbalancedEntryError(`entry ${entry.id}: amounts must be non-negative integer minor units`);
      }
    }
    if ((line.debit === 0) === (line.credit === 0)) {
      throw new UnbalancedEntryError(`entry ${entry.id}: line ${line.account} must be a debit or a credit`);
    }
    debits += line.debit;
    credits += line.credit;
  }
  if (entry.lines.length < 2 || debits !== credits) {
    throw new UnbalancedEntryError(
      `entry ${entry.id} does not balance: debits ${debits} ≠ credits ${credits}`,
    );
  }
}

const debit = (account: string, amount: number): JournalLine => ({ account, debit: amount, credit: 0 });
const credit = (account: string, amount: number): JournalLine => ({ account, debit: 0, credit: amount });

/**
 * Sale at capture: the captured cash sits in clearing until the gateway pays out; revenue is booked gross
 * with discounts in a contra account so finance sees both.
 */
export function saleEntry(input: {
  id: string;
  postedAt: string;
  currency: string;
  orderId: string;
  paymentId: string;
  totals: OrderTotals;
}): JournalEntry {
  const { totals } = input;
  const lines = [
    debit(ACCOUNTS.paymentClearing, totals.grand),
    debit(ACCOUNTS.salesDiscounts, totals.discount),
    credit(ACCOUNTS.salesRevenue, totals.subtotal),
    credit(ACCOUNTS.shippingIncome, totals.shipping),
    credit(ACCOUNTS.salesTaxPayable, totals.tax),
  ].filter((line) => line.debit + line.credit > 0);
  const entry: JournalEntry = {
    id: input.id,
    postedAt: input.postedAt,
    currency: input.currency,
    memo: `Sale captured for order ${input.orderId}`,
    links: { orderId: input.orderId, paymentId: input.paymentId },
    lines,
  };
  assertBalanced(entry);
  return entry;
}

/** Full refund of a captured sale: the exact mirror of the sale entry. */
export function refundEntry(input: {
  id: string;
  postedAt: string;
  sale: JournalEntry;
  refundId: string;
}): JournalEntry {
  const entry: JournalEntry = {
    id: input.id,
    postedAt: input.postedAt,
    currency: input.sale.currency,
    memo: `Refund for order ${input.sale.links.orderId}`,
    links: { ...input.sale.links, refundId: input.refundId },
    lines: input.sale.lines.map((line) => ({
      account: line.account,
      debit: line.credit,
      credit: line.debit,
    })),
  };
  assertBalanced(entry);
  return entry;
}
