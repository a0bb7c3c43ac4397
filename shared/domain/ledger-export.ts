import { createHash } from 'node:crypto';
import type { ExportAccount, LedgerExportSettings } from '../config/ledger-exports.js';
import { ValidationError } from './errors.js';
import { assertBalanced, type JournalEntry } from './ledger.js';
import { formatMinorUnits } from './money.js';

/**
 * The journal as finance tools import it, pure: one CSV row (or Parquet row) per journal line, entries in
 * posting order (postedAt, then entry id), lines in their order. Amounts are formatted from integer minor
 * units with the currency's own exponent (JPY 1200, USD 12.00, KWD 1.200): never through a float.
 * Docs: docs/exports.md.
 */

export const EXPORT_FORMATS = ['qbo', 'xero', 'netsuite', 'parquet'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

/** The UTC days from `from` to `to`, both included; a 400 naming the field when the period is not one. */
export function periodDays(from: string, to: string, maxDays: number): string[] {
  for (const [field, value] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (
      !DAY.test(value) ||
      Number.isNaN(Date.parse(`${value}T00:00:00Z`)) ||
      new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value
    ) {
      throw new ValidationError(`${field}: not a date (YYYY-MM-DD)`, [
        { field, message: 'not a date (YYYY-MM-DD)' },
      ]);
    }
  }
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  if (end < start) throw new ValidationError('to: before from', [{ field: 'to', message: 'before from' }]);
  const count = (end - start) / DAY_MS + 1;
  if (count > maxDays) {
    throw new ValidationError(`to: the period is longer than ${maxDays} days`, [
      { field: 'to', message: `at most ${maxDays} days from 'from'` },
    ]);
  }
  return Array.from({ length: count }, (_, i) => new Date(start + i * DAY_MS).toISOString().slice(0, 10));
}

/** The account as the tools know it: configured, else `<code>-<name-in-kebab-case>` split and title-cased. */
export function exportAccount(settings: Pick<LedgerExportSettings, 'accounts'>, id: string): ExportAccount {
  const configured = settings.accounts[id];
  if (configured) return configured;
  const match = /^(\d+)-(.+)$/.exec(id);
  if (!match) return { code: id, name: id };
  const [, code = id, rest = id] = match;
  const name = rest
    .split('-')
    .map((word) => (word ? `${word[0]?.toUpperCase()}${word.slice(1)}` : word))
    .join(' ');
  return { code, name };
}

/** One CSV record, RFC 4180: quoted when it holds a comma, quote or line break; CRLF-terminated. */
export function csvRecord(cells: readonly (string | number)[]): string {
  return `${cells
    .map((cell) => {
      const text = String(cell);
      return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
    })
    .join(',')}\r\n`;
}

const mdy = (postedAt: string) => `${postedAt.slice(5, 7)}/${postedAt.slice(8, 10)}/${postedAt.slice(0, 4)}`;
const dmy = (postedAt: string) => `${postedAt.slice(8, 10)}/${postedAt.slice(5, 7)}/${postedAt.slice(0, 4)}`;
const amountOrBlank = (minor: number, currency: string) =>
  minor === 0 ? '' : formatMinorUnits(minor, currency);

/**
 * QuickBooks Online's Journal No. holds 21 characters: ids that fit are used as they are, longer ones become
 * `J` + 20 hex digits of their SHA-256 (stable, so a re-run or an overlapping period gives the same number).
 * The full entry id is in the Memo either way.
 */
export function qboJournalNo(entryId: string): string {
  return entryId.length <= 21
    ? entryId
    : `J${createHash('sha256').update(entryId).digest('hex').slice(0, 20)}`;
}

const memoWithId = (entry: JournalEntry) => `${entry.memo} [${entry.id}]`;

/** QuickBooks Online › Import data › Journal entries (dates MM/DD/YYYY; the unused side left blank). */
export const QBO_HEADER = [
  'JournalNo',
  'JournalDate',
  'Currency',
  'Memo',
  'AccountName',
  'Debits',
  'Credits',
  'Description',
  'Name',
  'Location',
  'Class',
] as const;

export function qboRows(entry: JournalEntry, settings: LedgerExportSettings): string[][] {
  return entry.lines.map((line) => [
    qboJournalNo(entry.id),
    mdy(entry.postedAt),
    entry.currency,
    memoWithId(entry),
    exportAccount(settings, line.account).name,
    amountOrBlank(line.debit, entry.currency),
    amountOrBlank(line.credit, entry.currency),
    entry.memo,
    '',
    '',
    '',
  ]);
}

/**
 * Xero › Manual journals › Import: the template's own header (an asterisk marks a mandatory column). Lines
 * with the same Narration and Date form one journal, so the narration carries the entry id. Amount is
 * signed: positive debit, negative credit. Xero has no currency column (journals are in the base
 * currency), so the export writes one Xero file per currency.
 */
export const XERO_HEADER = [
  '*Narration',
  '*Date',
  'Description',
  '*AccountCode',
  '*TaxRate',
  '*Amount',
  'TrackingName1',
  'TrackingOption1',
  'TrackingName2',
  'TrackingOption2',
] as const;

export function xeroRows(entry: JournalEntry, settings: LedgerExportSettings): string[][] {
  return entry.lines.map((line) => [
    memoWithId(entry),
    dmy(entry.postedAt),
    exportAccount(settings, line.account).name,
    exportAccount(settings, line.account).code,
    settings.xero.taxRate,
    formatMinorUnits(line.debit > 0 ? line.debit : -line.credit, entry.currency),
    '',
    '',
    '',
    '',
  ]);
}

/**
 * NetSuite › Import CSV records › Transactions › Journal entry: one row per line, the lines of one entry
 * sharing its External ID. Header fields (External ID, Date, Subsidiary, Currency, Memo) repeat on every
 * row; Line Memo maps to the line's Memo field in the saved import map. Account is `<number> <name>`,
 * as NetSuite expects when account numbers are on.
 */
export const NETSUITE_HEADER = [
  'External ID',
  'Date',
  'Subsidiary',
  'Currency',
  'Memo',
  'Account',
  'Debit',
  'Credit',
  'Line Memo',
  'Name',
  'Department',
  'Class',
  'Location',
] as const;

export function netsuiteRows(entry: JournalEntry, settings: LedgerExportSettings): string[][] {
  return entry.lines.map((line) => {
    const account = exportAccount(settings, line.account);
    return [
      entry.id,
      mdy(entry.postedAt),
      settings.netsuite.subsidiary,
      entry.currency,
      entry.memo,
      `${account.code} ${account.name}`,
      amountOrBlank(line.debit, entry.currency),
      amountOrBlank(line.credit, entry.currency),
      entry.memo,
      '',
      '',
      '',
      '',
    ];
  });
}

export interface CurrencyTotals {
  currency: string;
  entries: number;
  lines: number;
  /** Integer minor units. */
  debit: number;
  credit: number;
  /** The same, as decimals of the currency. */
  debitAmount: string;
  creditAmount: string;
}

/** Running totals per currency; each entry is checked to balance before it counts. */
export class PeriodTotals {
  private readonly byCurrency = new Map<
    string,
    { entries: number; lines: number; debit: number; credit: number }
  >();

  add(entry: JournalEntry): void {
    assertBalanced(entry);
    const totals = this.byCurrency.get(entry.currency) ?? { entries: 0, lines: 0, debit: 0, credit: 0 };
    totals.entries += 1;
    totals.lines += entry.lines.length;
    for (const line of entry.lines) {
      totals.debit += line.debit;
      totals.credit += line.credit;
    }
    this.byCurrency.set(entry.currency, totals);
  }

  get lines(): number {
    return [...this.byCurrency.values()].reduce((sum, totals) => sum + totals.lines, 0);
  }

  /** By currency code. */
  list(): CurrencyTotals[] {
    return [...this.byCurrency]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([currency, totals]) => ({
        currency,
        ...totals,
        debitAmount: formatMinorUnits(totals.debit, currency),
        creditAmount: formatMinorUnits(totals.credit, currency),
      }));
  }
}
