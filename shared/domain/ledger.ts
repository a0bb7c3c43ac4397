import { UnbalancedEntryError, UnprocessableError } from './errors.js';
import type { OrderTotals, Tenders } from './order.js';

/** Chart of accounts used by the posting rules (docs/ledger.md). */
export const ACCOUNTS = {
  paymentClearing: '1100-payment-clearing',
  accountsPayableCarriers: '2100-accounts-payable-carriers',
  salesRevenue: '4000-sales-revenue',
  shippingIncome: '4100-shipping-income',
  salesDiscounts: '4900-sales-discounts',
  salesTaxPayable: '2200-sales-tax-payable',
  giftCardLiability: '2300-gift-card-liability',
  storeCreditLiability: '2310-store-credit-liability',
  freightExpense: '5100-freight-expense',
} as const;

export interface JournalLine {
  account: string;
  /** Integer minor units; exactly one of debit and credit is non-zero. */
  debit: number;
  credit: number;
  /** What the line is about, when the entry covers several (a freight invoice's shipments). */
  orderId?: string;
  shipmentId?: string;
}

/** A gateway movement an entry accounts for: what reconciliation matches the entry with. */
export interface EntryPayment {
  type: 'capture' | 'refund';
  /** The gateway's capture or refund id. */
  id: string;
  /** Integer minor units of the entry's currency. */
  amount: number;
  /** The capture a refund returned money from. */
  captureId?: string;
}

export interface JournalEntry {
  id: string;
  postedAt: string;
  currency: string;
  memo: string;
  /** `orderId` is absent on entries of no single order (a carrier's freight invoice). */
  links: {
    orderId?: string;
    paymentId?: string;
    refundId?: string;
    shipmentId?: string;
    invoiceId?: string;
    payoutId?: string;
  };
  lines: JournalLine[];
  /** The gateway captures or refunds the entry accounts for (absent on older entries: see paymentsOf). */
  payments?: EntryPayment[];
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
 * with discounts in a contra account so finance sees both. `totals` is what this capture takes (one
 * shipment's share, or the whole order); `cash` is what the card paid of it (default: all of it). The rest
 * was paid with a gift card or store credit, which the capture draws down as a liability, split between the
 * two in the order's proportion (gift card first for the remainder unit).
 */
export function saleEntry(input: {
  id: string;
  postedAt: string;
  currency: string;
  orderId: string;
  paymentId: string;
  totals: OrderTotals;
  cash?: number;
  tenders?: Tenders;
  shipmentId?: string;
}): JournalEntry {
  const { totals } = input;
  const cash = input.cash ?? totals.grand;
  // Negative when the card's rounding took a unit more than this capture's share: the liability gets it back.
  const other = input.tenders ? totals.grand - cash : 0;
  const giftCard = input.tenders?.giftCard ?? 0;
  const storeCredit = input.tenders?.storeCredit ?? 0;
  const storeCreditPart =
    giftCard + storeCredit > 0 ? Math.trunc((other * storeCredit) / (giftCard + storeCredit)) : 0;
  const signed = (account: string, amount: number) =>
    amount >= 0 ? debit(account, amount) : credit(account, -amount);
  const lines = [
    debit(ACCOUNTS.paymentClearing, cash),
    signed(ACCOUNTS.giftCardLiability, other - storeCreditPart),
    signed(ACCOUNTS.storeCreditLiability, storeCreditPart),
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
    links: {
      orderId: input.orderId,
      paymentId: input.paymentId,
      ...(input.shipmentId ? { shipmentId: input.shipmentId } : {}),
    },
    lines,
    payments: cash > 0 ? [{ type: 'capture', id: input.paymentId, amount: cash }] : [],
  };
  assertBalanced(entry);
  return entry;
}

/** What the sale's card paid: its clearing debit. */
export const cashOf = (sale: JournalEntry) =>
  sale.lines
    .filter((line) => line.account === ACCOUNTS.paymentClearing)
    .reduce((sum, line) => sum + line.debit - line.credit, 0);

/** Tender lines: what paid for the sale. A card refund gives back card money only, never the gift card's. */
const TENDER_ACCOUNTS: ReadonlySet<string> = new Set([
  ACCOUNTS.paymentClearing,
  ACCOUNTS.giftCardLiability,
  ACCOUNTS.storeCreditLiability,
]);

/**
 * The sale's revenue, discount, shipping and tax lines scaled to `amount` of its net (the grand total they
 * make up), signed (a credit of the sale is positive): each rounded down, and the units the rounding lost
 * given to the lines with the largest remainders (ties by account, then position), so they sum to `amount`
 * exactly and the same input gives the same lines. Tender lines are left out: refunding 10 of a card that
 * paid 100 of a 1000 order (900 by gift card) reverses 10 of the sale, and the gift card keeps its 900.
 * BigInt: a line times an amount passes 2^53 on large JPY or KWD orders.
 */
function scaledLines(sale: JournalEntry, amount: number): { line: JournalLine; value: number }[] {
  const rows = sale.lines
    .map((line, index) => ({ line, index }))
    .filter(({ line }) => !TENDER_ACCOUNTS.has(line.account));
  const net = BigInt(rows.reduce((sum, { line }) => sum + line.credit - line.debit, 0));
  const scaled = rows.map(({ line, index }) => {
    const exact = BigInt(line.credit - line.debit) * BigInt(amount);
    let floor = exact / net;
    if (floor * net > exact) floor -= 1n;
    return { line, index, value: Number(floor), remainder: exact - floor * net };
  });
  let missing = amount - scaled.reduce((sum, row) => sum + row.value, 0);
  const byRemainder = [...scaled].sort(
    (a, b) =>
      (b.remainder > a.remainder ? 1 : b.remainder < a.remainder ? -1 : 0) ||
      a.line.account.localeCompare(b.line.account) ||
      a.index - b.index,
  );
  for (const row of byRemainder) {
    if (missing <= 0) break;
    if (row.remainder === 0n) continue;
    row.value += 1;
    missing -= 1;
  }
  return scaled;
}

/**
 * The lines of `sale` reversed for `amount` of its cash, when `before` of it was refunded already: clearing
 * is credited exactly `amount`, every other line the difference of the sale scaled to before + amount and
 * to before (scaledLines). The differences of a capture's successive refunds add up to the sale scaled to
 * what was refunded in all, so refunding a capture in parts nets every account to zero, to the unit, like a
 * full refund (the sale's exact mirror) does.
 */
export function reversalLines(sale: JournalEntry, amount: number, before = 0): JournalLine[] {
  const cash = cashOf(sale);
  if (!Number.isSafeInteger(amount) || amount <= 0 || before < 0 || before + amount > cash) {
    throw new UnprocessableError(
      `cannot reverse ${amount} (after ${before}) of entry ${sale.id}, whose card paid ${cash}`,
      { field: 'amount' },
    );
  }
  const after = scaledLines(sale, before + amount);
  const earlier = before > 0 ? scaledLines(sale, before) : undefined;
  const reversed: JournalLine[] = [credit(ACCOUNTS.paymentClearing, amount)];
  after.forEach((row, index) => {
    const value = row.value - (earlier?.[index]?.value ?? 0);
    // The sale credited it (positive): the reversal debits it, and the other way round.
    const line = value >= 0 ? debit(row.line.account, value) : credit(row.line.account, -value);
    if (row.line.orderId) line.orderId = row.line.orderId;
    if (row.line.shipmentId) line.shipmentId = row.line.shipmentId;
    reversed.push(line);
  });
  return reversed.filter((line) => line.debit + line.credit > 0);
}

/** Lines of the same account (and tags) summed into one, netted to a debit or a credit. */
function mergeLines(lines: readonly JournalLine[]): JournalLine[] {
  const merged = new Map<string, JournalLine>();
  for (const line of lines) {
    const key = `${line.account}|${line.orderId ?? ''}|${line.shipmentId ?? ''}`;
    const row = merged.get(key) ?? { ...line, debit: 0, credit: 0 };
    const net = row.debit - row.credit + line.debit - line.credit;
    row.debit = Math.max(0, net);
    row.credit = Math.max(0, -net);
    merged.set(key, row);
  }
  return [...merged.values()].filter((line) => line.debit + line.credit > 0);
}

/**
 * A refund: for each capture it returns money from, the reversal of that capture's sale in proportion to
 * the amount (reversalLines), summed per account. Without `parts`, the whole of `sale` is reversed (the
 * compensation's full refund, and PaymentRefunded events from before partial refunds).
 */
export function refundEntry(input: {
  id: string;
  postedAt: string;
  refundId: string;
  sale?: JournalEntry;
  parts?: readonly { sale: JournalEntry; amount: number; before?: number; gatewayRefundId?: string }[];
  reason?: string;
}): JournalEntry {
  const parts =
    input.parts ??
    (input.sale ? [{ sale: input.sale, amount: cashOf(input.sale), gatewayRefundId: undefined }] : []);
  const first = parts[0]?.sale;
  if (!first) throw new UnprocessableError(`refund ${input.refundId} returns money from no capture`);
  const entry: JournalEntry = {
    id: input.id,
    postedAt: input.postedAt,
    currency: first.currency,
    memo: `Refund for order ${first.links.orderId}${input.reason ? `: ${input.reason}` : ''}`,
    links: {
      ...(first.links.orderId ? { orderId: first.links.orderId } : {}),
      ...(parts.length === 1 && first.links.paymentId ? { paymentId: first.links.paymentId } : {}),
      refundId: input.refundId,
    },
    lines:
      parts.length === 1 && parts[0]?.amount === cashOf(first) && !parts[0]?.before
        ? first.lines.map((line) => ({ ...line, debit: line.credit, credit: line.debit }))
        : mergeLines(parts.flatMap((part) => reversalLines(part.sale, part.amount, part.before ?? 0))),
    payments: parts.map((part) => ({
      type: 'refund' as const,
      id: part.gatewayRefundId ?? input.refundId,
      amount: part.amount,
      ...(part.sale.links.paymentId ? { captureId: part.sale.links.paymentId } : {}),
    })),
  };
  assertBalanced(entry);
  return entry;
}

/**
 * A carrier's approved freight invoice: freight expense per invoice line (tagged with its shipment and
 * order), owed to the carrier. Lines that do not add up to the invoice amount are refused.
 */
export function freightInvoiceEntry(input: {
  id: string;
  postedAt: string;
  invoiceId: string;
  carrier: string;
  currency: string;
  amount: number;
  lines: readonly { shipmentId?: string | undefined; orderId?: string | undefined; amount: number }[];
}): JournalEntry {
  const sum = input.lines.reduce((total, line) => total + line.amount, 0);
  if (input.lines.length > 0 && sum !== input.amount) {
    throw new UnprocessableError(
      `freight invoice ${input.invoiceId}: lines add up to ${sum}, the invoice says ${input.amount}`,
      { field: 'lines' },
    );
  }
  const expense =
    input.lines.length > 0
      ? input.lines.map((line) => ({
          ...debit(ACCOUNTS.freightExpense, line.amount),
          ...(line.orderId ? { orderId: line.orderId } : {}),
          ...(line.shipmentId ? { shipmentId: line.shipmentId } : {}),
        }))
      : [debit(ACCOUNTS.freightExpense, input.amount)];
  const entry: JournalEntry = {
    id: input.id,
    postedAt: input.postedAt,
    currency: input.currency,
    memo: `Freight invoice ${input.invoiceId} from ${input.carrier}`,
    links: { invoiceId: input.invoiceId },
    lines: [
      ...expense.filter((line) => line.debit > 0),
      credit(ACCOUNTS.accountsPayableCarriers, input.amount),
    ],
  };
  assertBalanced(entry);
  return entry;
}

/**
 * The gateway movements an entry accounts for. Entries posted before `payments` existed: a sale's capture
 * is its paymentId for its clearing debit, a refund's is its refundId for its clearing credit.
 */
export function paymentsOf(entry: JournalEntry): EntryPayment[] {
  if (entry.payments) return entry.payments;
  const cash = cashOf(entry);
  if (entry.links.refundId && cash < 0) return [{ type: 'refund', id: entry.links.refundId, amount: -cash }];
  if (entry.links.paymentId && cash > 0)
    return [{ type: 'capture', id: entry.links.paymentId, amount: cash }];
  return [];
}

export interface TrialBalanceRow {
  account: string;
  debit: number;
  credit: number;
  /** debit − credit: positive for a debit balance. */
  balance: number;
}

export interface TrialBalance {
  currency: string;
  accounts: TrialBalanceRow[];
  totals: { debit: number; credit: number; balance: number };
  entries: number;
}

/** Per currency, per account: the sums of the entries' lines. Every entry balances, so every balance sums to 0. */
export function trialBalance(entries: readonly JournalEntry[]): TrialBalance[] {
  const byCurrency = new Map<string, { accounts: Map<string, TrialBalanceRow>; entries: number }>();
  for (const entry of entries) {
    assertBalanced(entry);
    const book = byCurrency.get(entry.currency) ?? { accounts: new Map(), entries: 0 };
    book.entries += 1;
    for (const line of entry.lines) {
      const row = book.accounts.get(line.account) ?? {
        account: line.account,
        debit: 0,
        credit: 0,
        balance: 0,
      };
      row.debit += line.debit;
      row.credit += line.credit;
      row.balance = row.debit - row.credit;
      book.accounts.set(line.account, row);
    }
    byCurrency.set(entry.currency, book);
  }
  return [...byCurrency.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, book]) => {
      const accounts = [...book.accounts.values()].sort((a, b) => a.account.localeCompare(b.account));
      const debitTotal = accounts.reduce((sum, row) => sum + row.debit, 0);
      const creditTotal = accounts.reduce((sum, row) => sum + row.credit, 0);
      return {
        currency,
        accounts,
        totals: { debit: debitTotal, credit: creditTotal, balance: debitTotal - creditTotal },
        entries: book.entries,
      };
    });
}
