import { describe, expect, it } from 'vitest';
import { ledgerExportSettings } from '../../../shared/config/ledger-exports.js';
import { ValidationError } from '../../../shared/domain/errors.js';
import type { JournalEntry } from '../../../shared/domain/ledger.js';
import {
  csvRecord,
  exportAccount,
  netsuiteRows,
  PeriodTotals,
  periodDays,
  qboJournalNo,
  qboRows,
  xeroRows,
} from '../../../shared/domain/ledger-export.js';
import { decimalUnscaled } from '../../../shared/domain/ledger-export-parquet.js';

const sale = (currency: string, amount: number): JournalEntry => ({
  id: 'je_0123456789abcdef01234567_sale',
  postedAt: '2026-03-02T23:59:59.999Z',
  currency,
  memo: 'Sale captured for order ord_1',
  links: { orderId: 'ord_1' },
  lines: [
    { account: '1100-payment-clearing', debit: amount, credit: 0 },
    { account: '4000-sales-revenue', debit: 0, credit: amount },
  ],
});

describe('Given amounts in currencies with 0, 2 and 3 decimals', () => {
  it('formats them from integers with each currency’s exponent, never as floats', () => {
    expect(qboRows(sale('JPY', 1200), ledgerExportSettings)[0]?.[5]).toBe('1200');
    expect(qboRows(sale('USD', 1230), ledgerExportSettings)[0]?.[5]).toBe('12.30');
    expect(qboRows(sale('KWD', 1005), ledgerExportSettings)[0]?.[5]).toBe('1.005');
    // 0.1 + 0.2 would not survive floats: 30 cents stays 0.30.
    expect(netsuiteRows(sale('USD', 30), ledgerExportSettings)[1]?.[7]).toBe('0.30');
    expect(xeroRows(sale('KWD', 1005), ledgerExportSettings).map((row) => row[5])).toEqual([
      '1.005',
      '-1.005',
    ]);
    expect(decimalUnscaled(1200, 'JPY')).toBe(1_200_000n);
    expect(decimalUnscaled(1230, 'USD')).toBe(12_300n);
    expect(decimalUnscaled(1005, 'KWD')).toBe(1005n);
  });

  it('leaves the unused side blank for QuickBooks and NetSuite, and dates the entry by its UTC day', () => {
    const [debit, credit] = qboRows(sale('USD', 500), ledgerExportSettings);
    expect([debit?.[1], debit?.[5], debit?.[6], credit?.[5], credit?.[6]]).toEqual([
      '03/02/2026',
      '5.00',
      '',
      '',
      '5.00',
    ]);
    expect(xeroRows(sale('USD', 500), ledgerExportSettings)[0]?.[1]).toBe('02/03/2026');
  });
});

describe('Given ids and text that the tools limit or quote', () => {
  it('keeps QuickBooks journal numbers within 21 characters, stable per entry', () => {
    expect(qboJournalNo('je_short')).toBe('je_short');
    const long = qboJournalNo('je_0123456789abcdef01234567_sale');
    expect(long).toMatch(/^J[0-9a-f]{20}$/);
    expect(qboJournalNo('je_0123456789abcdef01234567_sale')).toBe(long);
    expect(qboJournalNo('je_0123456789abcdef01234567_refund')).not.toBe(long);
  });

  it('quotes cells with commas, quotes or line breaks (RFC 4180)', () => {
    expect(csvRecord(['a', 'b,c', 'say "hi"', 'x\ny', 3])).toBe('a,"b,c","say ""hi""","x\ny",3\r\n');
  });

  it('names accounts from the configuration, else from the account id', () => {
    expect(exportAccount(ledgerExportSettings, '1100-payment-clearing')).toEqual({
      code: '1100',
      name: 'Payment Clearing',
    });
    expect(exportAccount(ledgerExportSettings, '6100-bank-fees')).toEqual({
      code: '6100',
      name: 'Bank Fees',
    });
  });
});

describe('Given a period', () => {
  it('lists its UTC days, both ends included', () => {
    expect(periodDays('2026-02-27', '2026-03-02', 366)).toEqual([
      '2026-02-27',
      '2026-02-28',
      '2026-03-01',
      '2026-03-02',
    ]);
  });

  it('refuses a date that is not one, an end before the start, and more days than allowed, naming the field', () => {
    const fieldOf = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return error instanceof ValidationError ? error.fields[0]?.field : 'other';
      }
      return 'none';
    };
    expect(fieldOf(() => periodDays('2026-02-30', '2026-03-01', 366))).toBe('from');
    expect(fieldOf(() => periodDays('2026-03-02', '2026-03-01', 366))).toBe('to');
    expect(fieldOf(() => periodDays('2025-01-01', '2026-03-01', 366))).toBe('to');
  });
});

describe('Given entries to total', () => {
  it('sums per currency and refuses an unbalanced entry', () => {
    const totals = new PeriodTotals();
    totals.add(sale('USD', 100));
    totals.add(sale('USD', 250));
    totals.add(sale('JPY', 7));
    expect(totals.list()).toEqual([
      { currency: 'JPY', entries: 1, lines: 2, debit: 7, credit: 7, debitAmount: '7', creditAmount: '7' },
      {
        currency: 'USD',
        entries: 2,
        lines: 4,
        debit: 350,
        credit: 350,
        debitAmount: '3.50',
        creditAmount: '3.50',
      },
    ]);
    const broken = sale('USD', 100);
    broken.lines[1] = { account: '4000-sales-revenue', debit: 0, credit: 99 };
    expect(() => totals.add(broken)).toThrow(/does not balance/);
  });
});
