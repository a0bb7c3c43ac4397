import { LEDGER_MAX_PERIOD_DAYS, LEDGER_PAGE_LIMIT, LEDGER_START_DAY } from '../config/ledger.js';
import { ValidationError } from '../domain/errors.js';
import { type JournalEntry, paymentsOf, type TrialBalance, trialBalance } from '../domain/ledger.js';
import type { GatewayTransaction } from '../ports/payment-gateway.js';
import type { Deps } from '../runtime/deps.js';
import { daysOf, entriesBetween, orderJournal, type Period, pageOfEntries } from '../store/ledger.js';
import { getOrderAggregate } from '../store/orders.js';
import { capturesOf, listRefunds } from './payments.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** An instant from a query parameter: a date is the start of that UTC day, or the start of the next (`end`). */
function instant(value: string, field: string, end: boolean): string {
  const at = DATE.test(value) ? `${value}T00:00:00.000Z` : value;
  const ms = Date.parse(at);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(at) || Number.isNaN(ms)) {
    throw new ValidationError(`${field} must be a date (YYYY-MM-DD) or an ISO date-time`, [
      { field, message: 'YYYY-MM-DD or ISO 8601 date-time' },
    ]);
  }
  return new Date(DATE.test(value) && end ? ms + 86_400_000 : ms).toISOString();
}

/**
 * The period a request names: `from` inclusive, `to` inclusive of its whole day when it is a date (an
 * instant `to` is exclusive). Both default to today.
 */
export function periodOf(deps: Deps, input: { from?: string; to?: string }): Period {
  const today = deps.clock.now().toISOString().slice(0, 10);
  const period = {
    from: instant(input.from ?? today, 'from', false),
    to: instant(input.to ?? input.from ?? today, 'to', true),
  };
  if (period.to <= period.from) {
    throw new ValidationError('to must be after from', [{ field: 'to', message: 'before from' }]);
  }
  if (daysOf(period).length > LEDGER_MAX_PERIOD_DAYS) {
    throw new ValidationError(`a period spans at most ${LEDGER_MAX_PERIOD_DAYS} days`, [
      { field: 'from', message: 'period too long' },
    ]);
  }
  return period;
}

/**
 * `GET /ledger/trial-balance`: per currency and account, the debits, credits and balance of every entry
 * posted up to `asOf` (a date: through its end; default: now), derived from the entries alone. Every entry
 * balances, so each currency's balances sum to zero.
 */
export async function getTrialBalance(
  deps: Deps,
  input: { asOf?: string; currency?: string },
): Promise<{ asOf: string; from: string; currencies: TrialBalance[] }> {
  if (input.currency !== undefined && !/^[A-Z]{3}$/.test(input.currency)) {
    throw new ValidationError('currency must be an ISO 4217 code', [
      { field: 'currency', message: 'three upper-case letters' },
    ]);
  }
  const asOf = input.asOf ? instant(input.asOf, 'asOf', true) : deps.clock.now().toISOString();
  const from = `${LEDGER_START_DAY}T00:00:00.000Z`;
  const entries = asOf > from ? await entriesBetween(deps, { from, to: asOf }) : [];
  const currencies = trialBalance(
    input.currency ? entries.filter((entry) => entry.currency === input.currency) : entries,
  );
  return { asOf, from, currencies };
}

/** `GET /ledger/entries`: a period's entries in posting order, paged; or one order's entries. */
export async function listLedgerEntries(
  deps: Deps,
  input: { from?: string; to?: string; orderId?: string; limit?: number; cursor?: string },
): Promise<{ from: string; to: string; items: JournalEntry[]; nextCursor?: string }> {
  const period = periodOf(deps, input);
  const limit = Math.min(input.limit ?? 50, LEDGER_PAGE_LIMIT);
  if (input.orderId) {
    // One order's entries are few: its partition, filtered to the period, paged by position.
    const all = (await orderJournal(deps, input.orderId)).filter(
      (entry) => entry.postedAt >= period.from && entry.postedAt < period.to,
    );
    const start = input.cursor ? Number.parseInt(input.cursor, 10) : 0;
    if (!Number.isInteger(start) || start < 0 || start > all.length) {
      throw new ValidationError('cursor is not one this listing returned', [
        { field: 'cursor', message: 'not a cursor of this listing' },
      ]);
    }
    const items = all.slice(start, start + limit);
    const next = start + limit < all.length ? String(start + limit) : undefined;
    return { ...period, items, ...(next ? { nextCursor: next } : {}) };
  }
  const page = await pageOfEntries(deps, period, {
    limit,
    ...(input.cursor ? { cursor: input.cursor } : {}),
  });
  return { ...period, ...page };
}

export type DifferenceKind =
  | 'missing-entry'
  | 'amount-mismatch'
  | 'entry-without-payment'
  | 'duplicate-entry';

export interface Difference {
  kind: DifferenceKind;
  /** Where the payment side came from: the gateway's settlement list or the order's payment records. */
  source: 'gateway' | 'order';
  type: 'capture' | 'refund';
  /** The gateway's capture or refund id. */
  paymentId: string;
  orderId?: string;
  /** What the payment side says (minor units), when there is one. */
  paymentAmount?: number;
  /** What the ledger says, when there is an entry. */
  entryAmount?: number;
  currency?: string;
  entryIds?: string[];
  message: string;
}

export interface Reconciliation {
  from: string;
  to: string;
  /** Whether the gateway's settlement list was read (else only the orders' own records). */
  gatewayChecked: boolean;
  matched: number;
  entriesChecked: number;
  transactionsChecked: number;
  ordersChecked: number;
  differences: Difference[];
}

interface Claim {
  entryId: string;
  orderId?: string;
  currency: string;
  type: 'capture' | 'refund';
  amount: number;
}

/**
 * `GET /ledger/reconciliation` and the job behind it: matches the period's captured payments and refunds
 * against the ledger and lists every difference.
 *
 * - Payment side: the gateway's settlement list of the period (when the gateway offers one), and the
 *   payment records of every order the period touches (its captures from the order, its refunds' items).
 * - Ledger side: the entries posted in the period, plus the whole journal of every order touched (a capture
 *   at 23:59 may post just after midnight).
 * - Differences: a payment without an entry (`missing-entry`), an entry whose amount or currency differs
 *   (`amount-mismatch`), an entry that claims a payment no side knows (`entry-without-payment`), two
 *   entries that claim one payment (`duplicate-entry`).
 */
export async function reconcilePayments(
  deps: Deps,
  input: { from?: string; to?: string },
): Promise<Reconciliation> {
  const period = periodOf(deps, input);
  const entries = await entriesBetween(deps, period);
  const transactions: GatewayTransaction[] | undefined = deps.payments.listTransactions
    ? await deps.payments.listTransactions(period)
    : undefined;

  const orderIds = new Set<string>();
  for (const entry of entries)
    if (entry.links.orderId && paymentsOf(entry).length > 0) orderIds.add(entry.links.orderId);
  for (const row of transactions ?? []) if (row.reference) orderIds.add(row.reference);

  // Every entry that claims a payment: the period's, and each touched order's whole journal.
  const byId = new Map<string, JournalEntry>();
  for (const entry of entries) byId.set(entry.id, entry);
  const payments = new Map<
    string,
    { type: 'capture' | 'refund'; amount: number; currency: string; orderId?: string }
  >();
  const expected = new Map<string, 'gateway' | 'order'>();
  let ordersChecked = 0;
  for (const orderId of [...orderIds].sort()) {
    // The order's partition holds its journal too: one read for both sides.
    const aggregate = await getOrderAggregate(deps, orderId);
    if (!aggregate) continue;
    for (const entry of aggregate.journal) byId.set(entry.id, entry);
    ordersChecked += 1;
    const currency = aggregate.order.currency;
    for (const capture of capturesOf(aggregate)) {
      payments.set(capture.captureId, { type: 'capture', amount: capture.amount, currency, orderId });
      expected.set(capture.captureId, 'order');
    }
    for (const refund of await listRefunds(deps, orderId)) {
      if (refund.status !== 'completed') continue;
      for (const part of refund.captures) {
        const id = part.refundId ?? refund.id;
        payments.set(id, { type: 'refund', amount: part.amount, currency: refund.currency, orderId });
        expected.set(id, 'order');
      }
    }
  }
  // The gateway's list is the stronger source: it names what money actually moved.
  for (const row of transactions ?? []) {
    const known = payments.get(row.id);
    payments.set(row.id, {
      type: row.type,
      amount: row.amount,
      currency: row.currency,
      ...(row.reference ? { orderId: row.reference } : known?.orderId ? { orderId: known.orderId } : {}),
    });
    expected.set(row.id, 'gateway');
  }

  const claims = new Map<string, Claim[]>();
  for (const entry of byId.values()) {
    for (const payment of paymentsOf(entry)) {
      const list = claims.get(payment.id) ?? [];
      list.push({
        entryId: entry.id,
        ...(entry.links.orderId ? { orderId: entry.links.orderId } : {}),
        currency: entry.currency,
        type: payment.type,
        amount: payment.amount,
      });
      claims.set(payment.id, list);
    }
  }

  const differences: Difference[] = [];
  let matched = 0;
  for (const [paymentId, payment] of [...payments].sort(([a], [b]) => a.localeCompare(b))) {
    const source = expected.get(paymentId) ?? 'order';
    const found = claims.get(paymentId) ?? [];
    const base = {
      source,
      type: payment.type,
      paymentId,
      ...(payment.orderId ? { orderId: payment.orderId } : {}),
      paymentAmount: payment.amount,
      currency: payment.currency,
    };
    if (found.length === 0) {
      differences.push({
        ...base,
        kind: 'missing-entry',
        message: `${payment.type} ${paymentId} of ${payment.amount} has no journal entry`,
      });
      continue;
    }
    const entryIds = found.map((claim) => claim.entryId);
    if (found.length > 1) {
      differences.push({
        ...base,
        kind: 'duplicate-entry',
        entryIds,
        message: `${paymentId} is claimed by ${found.length} entries`,
      });
      continue;
    }
    const claim = found[0] as Claim;
    if (
      claim.amount !== payment.amount ||
      claim.currency !== payment.currency ||
      claim.type !== payment.type
    ) {
      differences.push({
        ...base,
        kind: 'amount-mismatch',
        entryAmount: claim.amount,
        entryIds,
        message: `${payment.type} ${paymentId}: ${payment.amount} ${payment.currency} paid, ${claim.amount} ${claim.currency} in entry ${claim.entryId}`,
      });
      continue;
    }
    matched += 1;
  }
  // Entries of the period that claim a payment neither side knows.
  for (const entry of entries) {
    for (const payment of paymentsOf(entry)) {
      if (payments.has(payment.id)) continue;
      // Without the gateway's list, an entry of an order whose record is gone is all that can be flagged.
      differences.push({
        kind: 'entry-without-payment',
        source: transactions ? 'gateway' : 'order',
        type: payment.type,
        paymentId: payment.id,
        ...(entry.links.orderId ? { orderId: entry.links.orderId } : {}),
        entryAmount: payment.amount,
        currency: entry.currency,
        entryIds: [entry.id],
        message: `entry ${entry.id} claims ${payment.type} ${payment.id} of ${payment.amount}, which no payment record has`,
      });
    }
  }
  return {
    ...period,
    gatewayChecked: transactions !== undefined,
    matched,
    entriesChecked: entries.length,
    transactionsChecked: transactions?.length ?? 0,
    ordersChecked,
    differences,
  };
}
