import { UnprocessableError, ValidationError } from './errors.js';
import { assertBalanced, type JournalEntry } from './ledger.js';
import type { AccountType, AchBatchInput, AchOriginatorCompany, SecCode } from './nacha.js';

/**
 * Payouts: money the business sends by ACH to a supplier it owes or a marketplace seller it collected for
 * (docs/ach.md). Pure rules: who gets which SEC code, how payouts are batched, and the journal entry of a
 * paid payout. Amounts are integer cents; only USD is paid by ACH.
 */

export type PayoutPurpose = 'supplier' | 'seller';
export type PayeeType = 'business' | 'individual';
export type PayoutStatus = 'pending' | 'included';

export interface Payee {
  name: string;
  /** `business` → CCD, `individual` → PPD. Defaults by purpose: supplier → business, seller → individual. */
  type: PayeeType;
  routingNumber: string;
  accountNumber: string;
  accountType: AccountType;
}

export interface Payout {
  id: string;
  payee: Payee;
  /** Integer cents. */
  amount: number;
  currency: 'USD';
  purpose: PayoutPurpose;
  reference?: string;
  /** The earliest settlement date the payout asks for (`YYYY-MM-DD`): a file for an earlier date skips it. */
  effectiveDate?: string;
  status: PayoutStatus;
  createdAt: string;
  /** Set when a NACHA file includes the payout. */
  achFileId?: string;
  traceNumber?: string;
}

export const defaultPayeeType = (purpose: PayoutPurpose): PayeeType =>
  purpose === 'supplier' ? 'business' : 'individual';

export const secCode = (type: PayeeType): SecCode => (type === 'business' ? 'CCD' : 'PPD');

/** A file's effective date: a weekday, not before today (UTC). 400/422 naming `effectiveDate`. */
export function assertEffectiveDate(effectiveDate: string, today: string): void {
  const at = Date.parse(`${effectiveDate}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(effectiveDate) || Number.isNaN(at)) {
    throw new ValidationError('effectiveDate: not a date (YYYY-MM-DD)', [
      { field: 'effectiveDate', message: 'not a date (YYYY-MM-DD)' },
    ]);
  }
  if (effectiveDate < today) {
    throw new ValidationError('effectiveDate: in the past', [
      { field: 'effectiveDate', message: 'before today' },
    ]);
  }
  const weekday = new Date(at).getUTCDay();
  if (weekday === 0 || weekday === 6) {
    throw new UnprocessableError('effectiveDate falls on a weekend: ACH settles on banking days', {
      field: 'effectiveDate',
    });
  }
}

/**
 * Batches of a file: one per SEC code and purpose (CCD before PPD, supplier before seller), entries by
 * creation time then id, so the same payouts always make the same file.
 */
export function achBatches(
  payouts: readonly Payout[],
  company: AchOriginatorCompany,
  descriptions: Readonly<Record<PayoutPurpose, string>>,
  effectiveDate: string,
): AchBatchInput[] {
  const groups = new Map<string, Payout[]>();
  for (const payout of payouts) {
    const key = `${secCode(payout.payee.type)}|${payout.purpose}`;
    groups.set(key, [...(groups.get(key) ?? []), payout]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, members]) => {
      const [sec, purpose] = key.split('|') as [SecCode, PayoutPurpose];
      return {
        company,
        sec,
        entryDescription: descriptions[purpose],
        effectiveDate,
        entries: [...members]
          .sort((a, b) =>
            a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1,
          )
          .map((payout) => ({
            payoutId: payout.id,
            name: payout.payee.name,
            routingNumber: payout.payee.routingNumber,
            accountNumber: payout.payee.accountNumber,
            accountType: payout.payee.accountType,
            amount: payout.amount,
            ...(payout.reference ? { reference: payout.reference } : {}),
          })),
      };
    });
}

/** Fixed by the payout, so posting it again is a no-op. */
export const payoutEntryId = (payoutId: string) => `je_payout_${payoutId}`;

/** Paying a payout settles what is owed: Dr the payable (supplier or seller), Cr the bank account. */
export function payoutEntry(
  payout: Payout,
  input: {
    postedAt: string;
    achFileId: string;
    accounts: { supplierPayable: string; sellerPayable: string; cash: string };
  },
): JournalEntry {
  const payable =
    payout.purpose === 'supplier' ? input.accounts.supplierPayable : input.accounts.sellerPayable;
  const entry: JournalEntry = {
    id: payoutEntryId(payout.id),
    postedAt: input.postedAt,
    currency: payout.currency,
    memo: `ACH ${payout.purpose} payout ${payout.id} to ${payout.payee.name} (file ${input.achFileId})`,
    links: { payoutId: payout.id },
    lines: [
      { account: payable, debit: payout.amount, credit: 0 },
      { account: input.accounts.cash, debit: 0, credit: payout.amount },
    ],
  };
  assertBalanced(entry);
  return entry;
}
