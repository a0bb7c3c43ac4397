import type { ColumnSource, SchemaElement } from 'hyparquet-writer';
import { UnprocessableError } from './errors.js';
import type { JournalEntry } from './ledger.js';
import { currencyExponent } from './money.js';

/**
 * The journal as Parquet for Athena and DuckDB, pure: the schema and the columns of a batch of lines. One
 * row per journal line; amounts twice: as INT64 minor units (exact, the system of record) and as
 * DECIMAL(18, 3). A Parquet DECIMAL has one scale per column, so the scale is 3, the largest ISO 4217
 * exponent the OMS knows (money.ts): every currency fits exactly (JPY 1200 → 1200.000, USD 12.30 →
 * 12.300, KWD 1.005 → 1.005) and `currency_exponent` says how many of those decimals are the currency's.
 * Timestamps are INT64 TIMESTAMP(MILLIS, UTC), never strings. Docs: docs/exports.md.
 */

export const PARQUET_DECIMAL_SCALE = 3;
export const PARQUET_DECIMAL_PRECISION = 18;
/** Fixed, so a re-run writes the same bytes (no version or time in the file). */
export const PARQUET_CREATED_BY = 'serverless-oms ledger-export v1';

const DECIMAL_LIMIT = 10n ** BigInt(PARQUET_DECIMAL_PRECISION);

const required = 'REQUIRED' as const;
const string = (name: string, repetition: 'REQUIRED' | 'OPTIONAL' = required): SchemaElement => ({
  name,
  type: 'BYTE_ARRAY',
  converted_type: 'UTF8',
  logical_type: { type: 'STRING' },
  repetition_type: repetition,
});
const int32 = (name: string): SchemaElement => ({ name, type: 'INT32', repetition_type: required });
const int64 = (name: string): SchemaElement => ({ name, type: 'INT64', repetition_type: required });
const decimal = (name: string): SchemaElement => ({
  name,
  type: 'INT64',
  converted_type: 'DECIMAL',
  scale: PARQUET_DECIMAL_SCALE,
  precision: PARQUET_DECIMAL_PRECISION,
  logical_type: { type: 'DECIMAL', scale: PARQUET_DECIMAL_SCALE, precision: PARQUET_DECIMAL_PRECISION },
  repetition_type: required,
});

const COLUMNS: SchemaElement[] = [
  string('entry_id'),
  int32('line_index'),
  {
    name: 'posted_at',
    type: 'INT64',
    converted_type: 'TIMESTAMP_MILLIS',
    logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
    repetition_type: required,
  },
  string('currency'),
  int32('currency_exponent'),
  string('account'),
  int64('debit_minor'),
  int64('credit_minor'),
  decimal('debit'),
  decimal('credit'),
  string('memo'),
  string('order_id', 'OPTIONAL'),
];

export const PARQUET_SCHEMA: SchemaElement[] = [
  { name: 'ledger_line', num_children: COLUMNS.length, repetition_type: required },
  ...COLUMNS,
];

/** Minor units as the DECIMAL(18, 3) unscaled value. */
export function decimalUnscaled(minor: number, currency: string): bigint {
  const unscaled = BigInt(minor) * 10n ** BigInt(PARQUET_DECIMAL_SCALE - currencyExponent(currency));
  if (unscaled >= DECIMAL_LIMIT || unscaled <= -DECIMAL_LIMIT) {
    throw new UnprocessableError(`${minor} ${currency} does not fit DECIMAL(18, 3)`);
  }
  return unscaled;
}

/** The columns of a batch of entries, in the schema's order (hyparquet-writer's `columnData`). */
export function parquetColumns(entries: readonly JournalEntry[]): ColumnSource[] {
  const entryId: string[] = [];
  const lineIndex: number[] = [];
  const postedAt: Date[] = [];
  const currency: string[] = [];
  const exponent: number[] = [];
  const account: string[] = [];
  const debitMinor: bigint[] = [];
  const creditMinor: bigint[] = [];
  const debit: bigint[] = [];
  const credit: bigint[] = [];
  const memo: string[] = [];
  const orderId: (string | null)[] = [];
  for (const entry of entries) {
    const at = new Date(entry.postedAt);
    if (Number.isNaN(at.getTime())) throw new UnprocessableError(`entry ${entry.id}: postedAt is not a time`);
    entry.lines.forEach((line, index) => {
      entryId.push(entry.id);
      lineIndex.push(index);
      postedAt.push(at);
      currency.push(entry.currency);
      exponent.push(currencyExponent(entry.currency));
      account.push(line.account);
      debitMinor.push(BigInt(line.debit));
      creditMinor.push(BigInt(line.credit));
      debit.push(decimalUnscaled(line.debit, entry.currency));
      credit.push(decimalUnscaled(line.credit, entry.currency));
      memo.push(entry.memo);
      orderId.push(entry.links?.orderId ? entry.links.orderId : null);
    });
  }
  const data: Record<string, ColumnSource['data']> = {
    entry_id: entryId,
    line_index: lineIndex,
    posted_at: postedAt,
    currency,
    currency_exponent: exponent,
    account,
    debit_minor: debitMinor,
    credit_minor: creditMinor,
    debit,
    credit,
    memo,
    order_id: orderId,
  };
  return COLUMNS.map((column) => ({
    name: column.name,
    data: data[column.name] ?? [],
    nullable: column.repetition_type !== 'REQUIRED',
  }));
}
