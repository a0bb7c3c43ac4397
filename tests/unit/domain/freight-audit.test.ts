import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { freightAuditSettings as settings } from '../../../shared/config/freight-audit.js';
import { parseCsvRecords } from '../../../shared/domain/csv.js';
import { ValidationError } from '../../../shared/domain/errors.js';
import {
  allowedVariance,
  auditLine,
  duplicateClaims,
  duplicatesWithin,
  type MatchedShipment,
  type ParsedInvoiceLine,
  parseFreightInvoiceCsv,
} from '../../../shared/domain/freight-audit.js';

const HEADER =
  'invoice_number,carrier,invoice_date,tracking_number,bol_number,ship_date,billed_amount,currency,accessorials,weight';

const shipment = (overrides: Partial<MatchedShipment> = {}): MatchedShipment => ({
  shipmentId: 'sh_abc_1',
  orderId: 'ord_abc',
  carrier: 'SIMPARCEL',
  cost: 10_000,
  currency: 'USD',
  accessorials: [],
  ...overrides,
});

const line = (overrides: Partial<ParsedInvoiceLine> = {}): ParsedInvoiceLine => ({
  line: 1,
  row: 2,
  trackingNumber: '1Z999',
  billed: 10_000,
  accessorials: [],
  ...overrides,
});

const audit = (input: {
  line?: Partial<ParsedInvoiceLine>;
  shipment?: MatchedShipment | null;
  duplicates?: Parameters<typeof auditLine>[0]['duplicates'];
}) =>
  auditLine({
    invoice: { currency: 'USD' },
    line: line(input.line),
    ...(input.shipment === null ? {} : { shipment: input.shipment ?? shipment() }),
    duplicates: input.duplicates ?? {},
    settings,
  });

const kinds = (result: ReturnType<typeof auditLine>) => result.flags.map((flag) => flag.kind);

describe('Given RFC 4180 CSV with quotes, commas and line breaks in fields', () => {
  const text = '\uFEFFa,b,c\r\n"x, y","say ""hi""","two\nlines"\r\n\r\n1,,3\r\n';

  it('reads the same records as csv-parse, each with the line it starts on', () => {
    const records = parseCsvRecords(text);
    expect(records.map((record) => record.fields)).toEqual(
      parse(text, { bom: true, skip_empty_lines: true }),
    );
    expect(records.map((record) => record.line)).toEqual([1, 2, 5]);
  });

  it('refuses a quote that is never closed, naming its line', () => {
    expect(() => parseCsvRecords('a,b\n1,"open\n')).toThrow(/line 2/);
  });
});

describe('Given a carrier invoice file', () => {
  describe('When every row is valid', () => {
    const csv = [
      HEADER,
      'INV-1,SimParcel,2026-11-20,1Z999,,2026-11-18,100.00,USD,"LIFTGATE:75.00; FSC:12.50",12.5',
      'INV-1,SimParcel,2026-11-20,,sh_abc_2,,"1,000",USD,,',
    ].join('\n');

    it('reads amounts in minor units, upper-cases the carrier and normalizes accessorial codes', () => {
      expect(() => parseFreightInvoiceCsv(csv, settings)).toThrow(ValidationError);
      const fixed = csv.replace('"1,000"', '1000.5');
      const [invoice] = parseFreightInvoiceCsv(fixed, settings);
      expect(invoice).toMatchObject({ invoiceNumber: 'INV-1', carrier: 'SIMPARCEL', currency: 'USD' });
      expect(invoice?.lines[0]).toMatchObject({
        line: 1,
        row: 2,
        billed: 10_000,
        weightLb: 12.5,
        accessorials: [
          { code: 'liftgate', carrierCode: 'LIFTGATE', amount: 7500 },
          { code: 'fuel', carrierCode: 'FSC', amount: 1250 },
        ],
      });
      expect(invoice?.lines[1]).toMatchObject({ line: 2, row: 3, bolNumber: 'sh_abc_2', billed: 100_050 });
    });
  });

  describe('When rows have errors', () => {
    it('reports each with its CSV line and column, and imports nothing', () => {
      const csv = [
        HEADER,
        'INV-1,SIMPARCEL,2026-11-20,1Z1,,,12.345,USD,,',
        'INV-1,SIMPARCEL,20-11-2026,,,,5.00,USD,liftgate,',
        'INV-1,SIMPARCEL,2026-11-20,1Z3,,,5.00,XXX,,',
      ].join('\n');
      try {
        parseFreightInvoiceCsv(csv, settings);
        expect.unreachable('the file has errors');
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        const fields = (error as ValidationError).fields.map((issue) => issue.field);
        expect(fields).toEqual(
          expect.arrayContaining([
            'row 2.billed_amount',
            'row 3.invoice_date',
            'row 3.tracking_number',
            'row 3.accessorials',
            'row 4.currency',
          ]),
        );
      }
    });

    it('refuses dates that do not exist, which Date.parse would roll over into the next month', () => {
      const csv = [
        HEADER,
        'INV-1,SIMPARCEL,2026-02-30,1Z1,,,5.00,USD,,',
        'INV-2,SIMPARCEL,2026-11-20,1Z2,,2026-11-31,5.00,USD,,',
      ].join('\n');
      try {
        parseFreightInvoiceCsv(csv, settings);
        expect.unreachable('the file has impossible dates');
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).fields.map((issue) => issue.field)).toEqual([
          'row 2.invoice_date',
          'row 3.ship_date',
        ]);
      }
    });

    it.each(['1e-200', '0x10', '1e5', '-1', '5.0001'])('refuses a weight of %s', (weight) => {
      const csv = [HEADER, `INV-1,SIMPARCEL,2026-11-20,1Z1,,,5.00,USD,,${weight}`].join('\n');
      try {
        parseFreightInvoiceCsv(csv, settings);
        expect.unreachable('the weight is not a plain number of pounds');
      } catch (error) {
        expect((error as ValidationError).fields.map((issue) => issue.field)).toEqual(['row 2.weight']);
      }
    });

    it('names a missing required column', () => {
      expect(() => parseFreightInvoiceCsv('invoice_number,carrier\nA,B\n', settings)).toThrow(
        ValidationError,
      );
    });
  });
});

describe('Given the billed-vs-rated tolerance of max($2, 2%)', () => {
  it('allows $2 on small shipments and 2% on large ones', () => {
    expect(allowedVariance(5_000, 'USD', settings.tolerance)).toBe(200);
    expect(allowedVariance(50_000, 'USD', settings.tolerance)).toBe(1_000);
    expect(allowedVariance(5_000, 'JPY', settings.tolerance)).toBe(100);
  });

  describe('When a line is billed within the tolerance', () => {
    it('is not flagged', () => {
      const result = audit({ line: { billed: 10_200 } });
      expect(kinds(result)).toEqual([]);
      expect(result).toMatchObject({ rated: 10_000, difference: 200 });
    });
  });

  describe('When a line is billed beyond the tolerance', () => {
    it('is flagged overbilled', () => {
      expect(kinds(audit({ line: { billed: 10_201 } }))).toEqual(['overbilled']);
    });
  });

  describe('When a line is billed below the rate', () => {
    it('is not flagged (the report still shows the difference)', () => {
      const result = audit({ line: { billed: 9_000 } });
      expect(kinds(result)).toEqual([]);
      expect(result.difference).toBe(-1_000);
    });
  });
});

describe('Given accessorials on an invoice line', () => {
  const liftgate = { code: 'liftgate', carrierCode: 'LGD', amount: 7_500 };
  const fuel = { code: 'fuel', carrierCode: 'FSC', amount: 1_000 };

  describe('When the shipment did not request them', () => {
    it('flags each unrequested one, never the fuel surcharge', () => {
      const result = audit({ line: { accessorials: [liftgate, fuel], billed: 10_000 } });
      expect(kinds(result)).toEqual(['unrequested-accessorial']);
      expect(result.flags[0]?.message).toContain('LGD');
    });
  });

  describe('When the shipment requested them', () => {
    it('does not flag them', () => {
      expect(
        kinds(
          audit({ line: { accessorials: [liftgate] }, shipment: shipment({ accessorials: ['liftgate'] }) }),
        ),
      ).toEqual([]);
    });
  });
});

describe('Given lines that bill the same thing twice', () => {
  const invoice = { carrier: 'SIMPARCEL', invoiceDate: '2026-11-20', currency: 'USD' };

  it('builds one claim for the same carrier + PRO/tracking and one for BOL + amount + date', () => {
    expect(duplicateClaims(invoice, line({ trackingNumber: ' 1z999 ', bolNumber: 'sh_abc_1' }))).toEqual({
      pro: 'PRO#SIMPARCEL#1Z999',
      bol: 'BOL#SH_ABC_1#10000USD#2026-11-20',
    });
  });

  describe('When one file repeats a tracking number, and a BOL with the same amount and date', () => {
    it('marks the later lines as duplicates of the first', () => {
      const parsed = {
        ...invoice,
        invoiceNumber: 'INV-9',
        lines: [
          line({ line: 1, trackingNumber: '1Z1' }),
          line({ line: 2, trackingNumber: '1z1' }),
          line({ line: 3, trackingNumber: undefined, bolNumber: 'B-1', shipDate: '2026-11-18' }),
          line({ line: 4, trackingNumber: undefined, bolNumber: 'B-1', shipDate: '2026-11-18' }),
          line({ line: 5, trackingNumber: undefined, bolNumber: 'B-1', shipDate: '2026-11-19' }),
          line({
            line: 6,
            trackingNumber: undefined,
            bolNumber: 'B-1',
            shipDate: '2026-11-18',
            billed: 10_001,
          }),
        ],
      };
      expect([...duplicatesWithin(parsed)]).toEqual([
        [2, { pro: 1 }],
        [4, { bol: 3 }],
      ]);
    });
  });

  describe('When the audit is told of earlier lines', () => {
    it('flags both duplicate rules', () => {
      const before = { invoiceId: 'fi_1', invoiceNumber: 'INV-1', line: 4 };
      const result = audit({ duplicates: { pro: before, bol: before } });
      expect(kinds(result)).toEqual(['duplicate-pro', 'duplicate-bol']);
      expect(result.flags[0]?.message).toContain('invoice INV-1 line 4');
    });
  });
});

describe('Given a line no shipment matches', () => {
  it('is flagged unmatched and has no rated amount', () => {
    const result = audit({ shipment: null });
    expect(kinds(result)).toEqual(['unmatched']);
    expect(result.rated).toBeUndefined();
  });
});

describe('Given a shipment rated in another currency', () => {
  it('flags the mismatch instead of comparing amounts', () => {
    expect(kinds(audit({ line: { billed: 99_999 }, shipment: shipment({ currency: 'CAD' }) }))).toEqual([
      'currency-mismatch',
    ]);
  });
});
