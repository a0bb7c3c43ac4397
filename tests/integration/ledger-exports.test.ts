import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Context } from 'aws-lambda';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as createExportHandler } from '../../functions/billing/create-ledger-export/handler.js';
import { handler as listExportsHandler } from '../../functions/billing/list-ledger-exports/handler.js';
import { exportLedger } from '../../shared/app/jobs.js';
import { exportLedgerPeriod } from '../../shared/app/ledger-export.js';
import { ledgerExportSettings } from '../../shared/config/ledger-exports.js';
import type { JournalEntry } from '../../shared/domain/ledger.js';
import { NETSUITE_HEADER, QBO_HEADER, XERO_HEADER } from '../../shared/domain/ledger-export.js';
import { toMinorUnits } from '../../shared/domain/money.js';
import type { ApiEvent } from '../../shared/http/api.js';
import { provideDeps } from '../../shared/runtime/deps.js';
import { postJournalEntry } from '../../shared/store/ledger.js';
import type { LedgerExportRecord } from '../../shared/store/ledger-exports.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';

let deps: TestDeps;
const FROM = '2026-03-02';
const TO = '2026-03-03';

/** A sale-like entry: clearing debit, revenue and tax credits (amounts in minor units). */
function entry(id: string, postedAt: string, currency: string, revenue: number, tax: number): JournalEntry {
  return {
    id,
    postedAt,
    currency,
    memo: `Sale captured for order ord_${id}, "gift", wrapped`,
    links: { orderId: `ord_${id}`, paymentId: `pay_${id}` },
    lines: [
      { account: '1100-payment-clearing', debit: revenue + tax, credit: 0 },
      { account: '4000-sales-revenue', debit: 0, credit: revenue },
      { account: '2200-sales-tax-payable', debit: 0, credit: tax },
    ].filter((line) => line.debit + line.credit > 0),
  };
}

const seeded: JournalEntry[] = [
  entry('b-usd', '2026-03-02T10:00:00.000Z', 'USD', 12_30, 1_01),
  // Same instant as b-usd: the entry id breaks the tie (a-jpy before b-usd).
  entry('a-jpy', '2026-03-02T10:00:00.000Z', 'JPY', 1200, 120),
  entry('c-kwd', '2026-03-02T23:59:59.999Z', 'KWD', 1_005, 50),
  entry('d-usd', '2026-03-03T00:00:00.000Z', 'USD', 99_99, 0),
  // Outside the period: must not appear.
  entry('e-usd', '2026-03-04T00:00:00.000Z', 'USD', 5_00, 0),
];

const text = async (key: string) => new TextDecoder().decode(await deps.objects.get(key));
const bytes = async (key: string) => Buffer.from((await deps.objects.get(key)) ?? new Uint8Array());
const rowsOf = (csv: string) =>
  parse(csv, { columns: true, skip_empty_lines: true, relax_column_count: false }) as Record<
    string,
    string
  >[];
const headerOf = (csv: string) => (parse(csv, { to_line: 1 }) as string[][])[0];

async function duck(sql: string): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
  }
}

beforeAll(async () => {
  deps = await createTestDeps();
  for (const seed of seeded) await postJournalEntry(deps, seed.links.orderId, seed);
});

describe('Given journal entries in USD, JPY and KWD over two days', () => {
  let result: LedgerExportRecord;
  const fileOf = (format: string, currency?: string) =>
    result.files.find((file) => file.format === format && (!currency || file.currency === currency));

  beforeAll(async () => {
    result = await exportLedgerPeriod(deps, { from: FROM, to: TO });
  });

  describe('When the period is exported in every format', () => {
    it('answers with the files, row counts and totals per currency of the period only', () => {
      expect(result.entries).toBe(4);
      expect(result.lines).toBe(11);
      expect(result.totals).toEqual([
        {
          currency: 'JPY',
          entries: 1,
          lines: 3,
          debit: 1320,
          credit: 1320,
          debitAmount: '1320',
          creditAmount: '1320',
        },
        {
          currency: 'KWD',
          entries: 1,
          lines: 3,
          debit: 1055,
          credit: 1055,
          debitAmount: '1.055',
          creditAmount: '1.055',
        },
        {
          currency: 'USD',
          entries: 2,
          lines: 5,
          debit: 11330,
          credit: 11330,
          debitAmount: '113.30',
          creditAmount: '113.30',
        },
      ]);
      expect(result.files.map((file) => [file.format, file.key.split('/').at(-1), file.rows])).toEqual([
        ['qbo', 'qbo.csv', 11],
        ['xero', 'xero-JPY-001.csv', 3],
        ['xero', 'xero-KWD-001.csv', 3],
        ['xero', 'xero-USD-001.csv', 5],
        ['netsuite', 'netsuite.csv', 11],
        ['parquet', 'journal-lines.parquet', 11],
      ]);
    });

    it('writes a QuickBooks Online CSV with exactly its columns, each journal balanced, in the currency’s decimals', async () => {
      const csv = await text(`exports/ledger/${FROM}_${TO}/qbo.csv`);
      expect(headerOf(csv)).toEqual([...QBO_HEADER]);
      const rows = rowsOf(csv);
      expect(rows).toHaveLength(11);
      const byJournal = new Map<string, { debit: number; credit: number; currency: string }>();
      for (const row of rows) {
        const currency = row.Currency ?? '';
        const sums = byJournal.get(row.JournalNo ?? '') ?? { debit: 0, credit: 0, currency };
        expect(sums.currency).toBe(currency);
        sums.debit += row.Debits ? toMinorUnits(row.Debits, currency) : 0;
        sums.credit += row.Credits ? toMinorUnits(row.Credits, currency) : 0;
        byJournal.set(row.JournalNo ?? '', sums);
      }
      expect(byJournal.size).toBe(4);
      for (const sums of byJournal.values()) expect(sums.debit).toBe(sums.credit);
      // Posting order: a-jpy and b-usd share an instant (id decides), then c-kwd, then d-usd.
      expect([...new Set(rows.map((row) => row.Memo?.match(/\[(.+)\]$/)?.[1]))]).toEqual([
        'a-jpy',
        'b-usd',
        'c-kwd',
        'd-usd',
      ]);
      expect(rows[0]).toMatchObject({
        JournalDate: '03/02/2026',
        AccountName: 'Payment Clearing',
        Debits: '1320',
      });
      expect(rows.find((row) => row.Currency === 'KWD' && row.Debits)?.Debits).toBe('1.055');
      expect(rows.find((row) => row.Currency === 'USD' && row.Credits)?.Credits).toBe('12.30');
    });

    it('writes one Xero manual journal CSV per currency whose signed amounts sum to zero per journal', async () => {
      for (const currency of ['JPY', 'KWD', 'USD']) {
        const key = fileOf('xero', currency)?.key ?? '';
        const csv = await text(key);
        expect(headerOf(csv)).toEqual([...XERO_HEADER]);
        const sums = new Map<string, number>();
        for (const row of rowsOf(csv)) {
          const narration = `${row['*Narration']}|${row['*Date']}`;
          sums.set(narration, (sums.get(narration) ?? 0) + toMinorUnits(row['*Amount'] ?? '', currency));
          expect(row['*TaxRate']).toBe(ledgerExportSettings.xero.taxRate);
          expect(row['*AccountCode']).toMatch(/^\d{4}$/);
        }
        expect([...sums.values()].every((sum) => sum === 0)).toBe(true);
      }
      expect(rowsOf(await text(fileOf('xero', 'USD')?.key ?? '')).map((row) => row['*Amount'])).toEqual([
        '13.31',
        '-12.30',
        '-1.01',
        '99.99',
        '-99.99',
      ]);
    });

    it('writes a NetSuite journal entry CSV with exactly its columns, balanced per External ID', async () => {
      const csv = await text(`exports/ledger/${FROM}_${TO}/netsuite.csv`);
      expect(headerOf(csv)).toEqual([...NETSUITE_HEADER]);
      const rows = rowsOf(csv);
      const sums = new Map<string, number>();
      for (const row of rows) {
        const currency = row.Currency ?? '';
        const signed =
          (row.Debit ? toMinorUnits(row.Debit, currency) : 0) -
          (row.Credit ? toMinorUnits(row.Credit, currency) : 0);
        sums.set(row['External ID'] ?? '', (sums.get(row['External ID'] ?? '') ?? 0) + signed);
      }
      expect([...sums.keys()]).toEqual(['a-jpy', 'b-usd', 'c-kwd', 'd-usd']);
      expect([...sums.values()]).toEqual([0, 0, 0, 0]);
      expect(rows[0]).toMatchObject({ Account: '1100 Payment Clearing', Date: '03/02/2026' });
      // The memo's comma and quotes survive the round trip.
      expect(rows[0]?.Memo).toBe('Sale captured for order ord_a-jpy, "gift", wrapped');
    });

    it('writes Parquet that DuckDB reads with typed columns and the same totals per currency', async () => {
      const path = fileURLToPath(fileOf('parquet')?.uri ?? '');
      const types = Object.fromEntries(
        (await duck(`DESCRIBE SELECT * FROM read_parquet('${path}')`)).map((row) => [
          row.column_name,
          row.column_type,
        ]),
      );
      expect(types).toEqual({
        entry_id: 'VARCHAR',
        line_index: 'INTEGER',
        posted_at: 'TIMESTAMP WITH TIME ZONE',
        currency: 'VARCHAR',
        currency_exponent: 'INTEGER',
        account: 'VARCHAR',
        debit_minor: 'BIGINT',
        credit_minor: 'BIGINT',
        debit: 'DECIMAL(18,3)',
        credit: 'DECIMAL(18,3)',
        memo: 'VARCHAR',
        order_id: 'VARCHAR',
      });
      const totals = await duck(
        `SELECT currency, count(*) AS lines, sum(debit_minor)::BIGINT AS debit, sum(credit_minor)::BIGINT AS credit,
                sum(debit)::VARCHAR AS debit_decimal, min(posted_at)::VARCHAR AS first
           FROM read_parquet('${path}') GROUP BY currency ORDER BY currency`,
      );
      expect(totals).toEqual([
        {
          currency: 'JPY',
          lines: '3',
          debit: '1320',
          credit: '1320',
          debit_decimal: '1320.000',
          first: '2026-03-02 10:00:00+00',
        },
        {
          currency: 'KWD',
          lines: '3',
          debit: '1055',
          credit: '1055',
          debit_decimal: '1.055',
          first: '2026-03-02 23:59:59.999+00',
        },
        {
          currency: 'USD',
          lines: '5',
          debit: '11330',
          credit: '11330',
          debit_decimal: '113.300',
          first: '2026-03-02 10:00:00+00',
        },
      ]);
      const order = await duck(`SELECT entry_id, line_index FROM read_parquet('${path}')`);
      expect(order.map((row) => `${row.entry_id}#${row.line_index}`).slice(0, 4)).toEqual([
        'a-jpy#0',
        'a-jpy#1',
        'a-jpy#2',
        'b-usd#0',
      ]);
    });
  });

  describe('When the same period is exported again, even reading one entry per page', () => {
    it('writes byte-identical files', async () => {
      const before = await Promise.all(result.files.map((file) => bytes(file.key)));
      const again = await exportLedgerPeriod(
        deps,
        { from: FROM, to: TO },
        { ...ledgerExportSettings, pageSize: 1 },
      );
      expect(again.files.map((file) => file.key)).toEqual(result.files.map((file) => file.key));
      const after = await Promise.all(again.files.map((file) => bytes(file.key)));
      after.forEach((file, index) => {
        expect(file.equals(before[index] ?? Buffer.alloc(0)), again.files[index]?.key).toBe(true);
      });
    });
  });
});

describe('Given the daily schedule running at 00:30 UTC', () => {
  it('exports yesterday in the day CSV and in every finance format', async () => {
    const clock = { now: () => new Date('2026-03-03T00:30:00.000Z') };
    const result = await exportLedger({ ...deps, clock });
    expect(result.uri).toMatch(/exports\/ledger\/2026-03-02\.csv$/);
    expect(result.period).toMatchObject({ from: '2026-03-02', to: '2026-03-02', entries: 3 });
    expect(result.period.files.map((file) => file.key)).toEqual([
      'exports/ledger/2026-03-02_2026-03-02/qbo.csv',
      'exports/ledger/2026-03-02_2026-03-02/xero-JPY-001.csv',
      'exports/ledger/2026-03-02_2026-03-02/xero-KWD-001.csv',
      'exports/ledger/2026-03-02_2026-03-02/xero-USD-001.csv',
      'exports/ledger/2026-03-02_2026-03-02/netsuite.csv',
      'exports/ledger/2026-03-02_2026-03-02/journal-lines.parquet',
    ]);
  });
});

describe('Given a period of 150 entries', () => {
  const from = '2026-04-06';
  beforeAll(async () => {
    for (let i = 0; i < 150; i += 1) {
      const at = new Date(Date.parse(`${from}T00:00:00Z`) + i * 60_000).toISOString();
      const id = `m-${String(i).padStart(3, '0')}`;
      await postJournalEntry(deps, `ord_${id}`, entry(id, at, 'USD', 1_00 + i, 10));
    }
  });

  describe('When it is exported in pages of 20 entries, 100 Parquet rows per group and 100 Xero lines per file', () => {
    it('streams row groups and splits Xero files between journals, keeping every file balanced', async () => {
      const result = await exportLedgerPeriod(
        deps,
        { from, to: from, formats: ['xero', 'parquet'] },
        {
          ...ledgerExportSettings,
          pageSize: 20,
          parquetRowGroupRows: 100,
          xero: { taxRate: 'Tax Exempt', maxLinesPerFile: 100 },
        },
      );
      expect(result.lines).toBe(450);
      const xero = result.files.filter((file) => file.format === 'xero');
      // 33 journals of 3 lines fit in 100 lines: 99, 99, 99, 99, 54.
      expect(xero.map((file) => file.rows)).toEqual([99, 99, 99, 99, 54]);
      for (const file of xero) {
        const amounts = rowsOf(await text(file.key)).map((row) => toMinorUnits(row['*Amount'] ?? '', 'USD'));
        expect(amounts.reduce((sum, amount) => sum + amount, 0)).toBe(0);
      }
      const path = fileURLToPath(result.files.find((file) => file.format === 'parquet')?.uri ?? '');
      const groups = await duck(
        `SELECT count(DISTINCT row_group_id) AS groups FROM parquet_metadata('${path}')`,
      );
      expect(Number(groups[0]?.groups)).toBeGreaterThan(3);
      const [sum] = await duck(
        `SELECT sum(debit_minor - credit_minor)::BIGINT AS net, count(*) AS n FROM read_parquet('${path}')`,
      );
      expect(sum).toEqual({ net: '0', n: '450' });
    });
  });
});

describe('Given the HTTP routes', () => {
  const context = { getRemainingTimeInMillis: () => 30_000 } as unknown as Context;
  const event = (method: string, path: string, extra: Partial<ApiEvent> = {}): ApiEvent =>
    ({
      version: '2.0',
      routeKey: `${method} ${path}`,
      rawPath: path,
      rawQueryString: '',
      headers: { 'content-type': 'application/json', ...extra.headers },
      isBase64Encoded: false,
      requestContext: { http: { method, path } },
      ...extra,
    }) as unknown as ApiEvent;

  beforeAll(() => provideDeps(deps));

  it('POST /ledger/exports answers 201 with keys and totals, GET lists it, a bad period is a 400', async () => {
    const created = await createExportHandler(
      event('POST', '/ledger/exports', { body: JSON.stringify({ from: FROM, to: TO, formats: ['qbo'] }) }),
      context,
    );
    expect(created.statusCode, created.body).toBe(201);
    const body = JSON.parse(created.body ?? '{}');
    expect(body.files).toEqual([
      expect.objectContaining({ format: 'qbo', key: `exports/ledger/${FROM}_${TO}/qbo.csv`, rows: 11 }),
    ]);
    expect(body.totals.map((total: { currency: string }) => total.currency)).toEqual(['JPY', 'KWD', 'USD']);

    const listed = await listExportsHandler(
      event('GET', '/ledger/exports', { queryStringParameters: { from: '2026-03-01', to: '2026-03-31' } }),
      context,
    );
    expect(listed.statusCode).toBe(200);
    expect(JSON.parse(listed.body ?? '{}').items).toContainEqual(
      expect.objectContaining({ from: FROM, to: TO, formats: ['qbo'], entries: 4 }),
    );

    const backwards = await createExportHandler(
      event('POST', '/ledger/exports', { body: JSON.stringify({ from: TO, to: FROM }) }),
      context,
    );
    expect(backwards.statusCode).toBe(400);
    expect(JSON.parse(backwards.body ?? '{}').error.fields).toEqual([
      { field: 'to', message: 'before from' },
    ]);
    const unknown = await createExportHandler(
      event('POST', '/ledger/exports', { body: JSON.stringify({ from: FROM, to: TO, formats: ['csv'] }) }),
      context,
    );
    expect(unknown.statusCode).toBe(400);
  });
});
