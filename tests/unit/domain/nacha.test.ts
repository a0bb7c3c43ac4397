import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/domain/errors.js';
import {
  type AchFileInput,
  assertRoutingNumber,
  buildAchFile,
  isValidRoutingNumber,
  routingCheckDigit,
} from '../../../shared/domain/nacha.js';
import { checkNacha } from '../../support/nacha-check.js';

/** nach2 ships no types; these are the parts of its API the tests use (node_modules/nach2/lib). */
interface Nach2 {
  File: (new (options: Record<string, unknown>) => Nach2File) & { parse?: unknown; parseFile?: unknown };
  Batch: new (options: Record<string, unknown>) => { addEntry(entry: unknown): void };
  Entry: new (options: Record<string, unknown>) => unknown;
  Validate: { validateRoutingNumber(routing: string): true };
}
interface Nach2File {
  addBatch(batch: unknown): void;
  generateFile(done: (text: string) => void): void;
}
const nach = createRequire(import.meta.url)('nach2') as Nach2 & Record<string, unknown>;

const originator = {
  immediateDestination: '021000021',
  immediateDestinationName: 'ODFI BANK',
  immediateOrigin: '1123456789',
  immediateOriginName: 'SERVERLESS OMS',
  odfiRouting: '021000021',
};
const company = { id: 'default', name: 'SERVERLESS OMS', identification: '1123456789' };

const suppliers = [
  {
    payoutId: 'pay-1',
    name: 'Acme Supply',
    routingNumber: '011000015',
    accountNumber: '12345678',
    accountType: 'checking' as const,
    amount: 123456,
  },
  {
    payoutId: 'pay-2',
    name: 'Bolt Co',
    routingNumber: '026009593',
    accountNumber: '999-1',
    accountType: 'savings' as const,
    amount: 1000,
  },
  {
    payoutId: 'pay-4',
    name: 'Cargo Parts',
    routingNumber: '091000019',
    accountNumber: '7007',
    accountType: 'checking' as const,
    amount: 5000,
  },
];
const seller = {
  payoutId: 'pay-3',
  name: 'Zoë Seller',
  routingNumber: '121000358',
  accountNumber: '55501',
  accountType: 'checking' as const,
  amount: 98765,
  reference: 'Payout for November sales',
};

const input = (batches: AchFileInput['batches']): AchFileInput => ({
  originator,
  createdAt: '2026-11-27T08:05:00.000Z',
  fileIdModifier: 'A',
  batches,
});

const twoBatches = input([
  { company, sec: 'CCD', entryDescription: 'SUPPLIER', effectiveDate: '2026-11-30', entries: suppliers },
  { company, sec: 'PPD', entryDescription: 'PAYOUT', effectiveDate: '2026-11-30', entries: [seller] },
]);

/** The same batches built by nach2's own generator (its quirks: batch numbers from 0, dollars as text). */
function nach2Text(batches: AchFileInput['batches']): string {
  const file = new nach.File({
    immediateDestination: originator.immediateDestination,
    immediateOrigin: originator.immediateOrigin,
    immediateDestinationName: originator.immediateDestinationName,
    immediateOriginName: originator.immediateOriginName,
    referenceCode: 'OMS',
  });
  for (const batch of batches) {
    const built = new nach.Batch({
      serviceClassCode: '220',
      companyName: batch.company.name,
      standardEntryClassCode: batch.sec,
      companyIdentification: batch.company.identification,
      companyEntryDescription: batch.entryDescription,
      companyDescriptiveDate: 'NOV 30',
      effectiveEntryDate: new Date(`${batch.effectiveDate}T12:00:00`),
      originatingDFI: originator.odfiRouting.slice(0, 8),
    });
    for (const entry of batch.entries) {
      built.addEntry(
        new nach.Entry({
          receivingDFI: entry.routingNumber,
          DFIAccount: entry.accountNumber,
          amount: (entry.amount / 100).toFixed(2),
          idNumber: entry.payoutId,
          individualName: entry.name.toUpperCase().replace('Ë', 'E'),
          transactionCode: entry.accountType === 'checking' ? '22' : '32',
          discretionaryData: '  ',
        }),
      );
    }
    file.addBatch(built);
  }
  let text = '';
  file.generateFile((result) => {
    text = result;
  });
  return text;
}

describe('Given ABA routing numbers', () => {
  it('accepts numbers whose 3-7-1 weighted sum is a multiple of ten and refuses the rest', () => {
    for (const valid of ['021000021', '011000015', '026009593', '121000358', '091000019']) {
      expect(isValidRoutingNumber(valid), valid).toBe(true);
      // nach2 checks routing numbers with its own implementation: it agrees.
      expect(nach.Validate.validateRoutingNumber(valid)).toBe(true);
    }
    for (const invalid of ['021000022', '123456789', '02100002', '0210000211', '02100002a']) {
      expect(isValidRoutingNumber(invalid), invalid).toBe(false);
    }
    expect(() => nach.Validate.validateRoutingNumber('021000022')).toThrow(/invalid/i);
    expect(routingCheckDigit('02100002')).toBe(1);
  });

  describe('When one fails the check', () => {
    it('is a 400 naming the field', () => {
      const error = (() => {
        try {
          assertRoutingNumber('021000022', 'payee.routingNumber');
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).fields).toEqual([
        { field: 'payee.routingNumber', message: 'fails the ABA check digit' },
      ]);
    });
  });
});

describe('Given supplier payouts (CCD) and a seller payout with a reference (PPD)', () => {
  describe('When the NACHA file is built', () => {
    const file = buildAchFile(twoBatches);
    const checked = checkNacha(file.text);

    it('has records of exactly 94 characters in whole blocks of ten, padded with 9s', () => {
      const lines = file.text.split('\n').slice(0, -1);
      expect(lines.every((line) => line.length === 94)).toBe(true);
      expect(lines).toHaveLength(20);
      // 1 header + (5, 6, 6, 6, 8) + (5, 6, 7, 8) + 9 = 11 records, then 9 lines of padding.
      expect(lines.slice(11)).toEqual(Array(9).fill('9'.repeat(94)));
      expect(
        lines
          .map((line) => line[0])
          .slice(0, 11)
          .join(''),
      ).toBe('15666856789');
    });

    it('passes every independent check: counts, entry hash, totals, check digits, block count', () => {
      expect(checked.problems).toEqual([]);
      expect(
        checked.batches.map((batch) => [batch.sec, batch.description.trim(), batch.batchNumber]),
      ).toEqual([
        ['CCD', 'SUPPLIER', '0000001'],
        ['PPD', 'PAYOUT', '0000002'],
      ]);
      // Entry hash: the 8-digit RDFI prefixes 01100001 + 02600959 + 09100001, and 12100035 for the second.
      expect(checked.batches[0]?.control).toEqual({
        count: 3,
        entryHash: '0012800961',
        totalDebit: 0,
        totalCredit: 129456,
      });
      expect(checked.batches[1]?.control).toEqual({
        count: 2,
        entryHash: '0012100035',
        totalDebit: 0,
        totalCredit: 98765,
      });
      expect(checked.control).toEqual({
        batchCount: 2,
        blockCount: 2,
        count: 5,
        entryHash: '0024900996',
        totalDebit: 0,
        totalCredit: 228221,
      });
      expect(file).toMatchObject({
        batchCount: 2,
        blockCount: 2,
        entryAddendaCount: 5,
        entryHash: '0024900996',
      });
    });

    it('writes entries with their check digit, account, amount, trace number and the reference as addenda', () => {
      const [acme, bolt] = checked.batches[0]?.entries ?? [];
      expect(acme).toMatchObject({
        transactionCode: '22',
        routing: '011000015',
        account: '12345678',
        amount: 123456,
        name: 'ACME SUPPLY',
        traceNumber: '021000020000001',
      });
      expect(bolt).toMatchObject({ transactionCode: '32', traceNumber: '021000020000002' });
      expect(checked.batches[1]?.entries[0]).toMatchObject({
        name: 'ZOE SELLER',
        addendaIndicator: '1',
        traceNumber: '021000020000004',
        addenda: ['PAYOUT FOR NOVEMBER SALES'],
      });
      expect(file.traces.map((trace) => trace.payoutId)).toEqual(['pay-1', 'pay-2', 'pay-4', 'pay-3']);
    });
  });
});

describe('Given nach2, an independent NACHA implementation', () => {
  it('cannot parse a file: it only generates (no File.parse, no parseFile anywhere it exports)', () => {
    expect(nach.File.parse).toBeUndefined();
    expect(nach.File.parseFile).toBeUndefined();
    expect(Object.keys(nach).sort()).toEqual(['Batch', 'Entry', 'File', 'Utils', 'Validate']);
    expect(Object.keys(nach.File.prototype)).not.toContain('parse');
  });

  describe('When it generates the same payouts (without addenda, which nach2 miscounts in the file control)', () => {
    const batches: AchFileInput['batches'] = [
      { company, sec: 'CCD', entryDescription: 'SUPPLIER', effectiveDate: '2026-11-30', entries: suppliers },
      {
        company,
        sec: 'PPD',
        entryDescription: 'PAYOUT',
        effectiveDate: '2026-11-30',
        entries: [{ ...seller, reference: undefined }],
      },
    ];
    const ours = checkNacha(buildAchFile(input(batches)).text);
    const theirs = checkNacha(nach2Text(batches));

    it('its file passes the same independent checks', () => {
      expect(theirs.problems).toEqual([]);
    });

    it('its batch and file controls equal ours: counts, entry hash, totals, block count', () => {
      expect(ours.problems).toEqual([]);
      expect(theirs.control).toEqual(ours.control);
      expect(theirs.batches.map((batch) => batch.control)).toEqual(
        ours.batches.map((batch) => batch.control),
      );
    });

    it('its batch headers and entries carry the same fields as ours', () => {
      const header = (batch: (typeof ours.batches)[number]) => ({
        serviceClass: batch.serviceClass,
        companyName: batch.companyName,
        companyId: batch.companyId,
        sec: batch.sec,
        description: batch.description,
        effectiveDate: batch.effectiveDate,
        odfi: batch.odfi,
      });
      expect(theirs.batches.map(header)).toEqual(ours.batches.map(header));
      const entry = (e: (typeof ours.batches)[number]['entries'][number]) => ({
        code: e.transactionCode,
        routing: e.routing,
        account: e.account,
        amount: e.amount,
        name: e.name.toUpperCase(),
      });
      expect(theirs.batches.flatMap((b) => b.entries.map(entry))).toEqual(
        ours.batches.flatMap((b) => b.entries.map(entry)),
      );
      expect(theirs.header.destination).toBe(ours.header.destination);
      expect(theirs.header.origin).toBe(ours.header.origin);
    });
  });
});

describe('Given nach2’s own file of an entry with an addenda record', () => {
  it('fails the independent reader where nach2 miscounts: blocking, file control count, addenda sequence', () => {
    // EntryAddenda is not among nach2's exports; it is loaded from its lib folder.
    const EntryAddenda = createRequire(import.meta.url)('nach2/lib/entry-addenda') as new (
      options: Record<string, unknown>,
    ) => unknown;
    const file = new nach.File({
      immediateDestination: originator.immediateDestination,
      immediateOrigin: originator.immediateOrigin,
      immediateDestinationName: originator.immediateDestinationName,
      immediateOriginName: originator.immediateOriginName,
      referenceCode: 'OMS',
    });
    const batch = new nach.Batch({
      serviceClassCode: '220',
      companyName: company.name,
      standardEntryClassCode: 'CCD',
      companyIdentification: company.identification,
      companyEntryDescription: 'SUPPLIER',
      companyDescriptiveDate: 'NOV 30',
      effectiveEntryDate: new Date('2026-11-30T12:00:00'),
      originatingDFI: originator.odfiRouting.slice(0, 8),
    });
    const entry = new nach.Entry({
      receivingDFI: '011000015',
      DFIAccount: '12345678',
      amount: '1234.56',
      idNumber: 'pay-1',
      individualName: 'ACME SUPPLY',
      transactionCode: '22',
      discretionaryData: '  ',
    }) as { addAddenda(addenda: unknown): void };
    entry.addAddenda(new EntryAddenda({ paymentRelatedInformation: 'INV 42' }));
    batch.addEntry(entry);
    file.addBatch(batch);
    let text = '';
    file.generateFile((result) => {
      text = result;
    });
    expect(checkNacha(text).problems).toEqual([
      '11 records is not a multiple of 10',
      "record 4: addenda's entry detail sequence number is not its entry's trace",
      'file control: block count',
      'file control: entry/addenda count',
    ]);
    // Ours, for the same entry and reference, passes.
    const ours = buildAchFile(
      input([
        {
          company,
          sec: 'CCD',
          entryDescription: 'SUPPLIER',
          effectiveDate: '2026-11-30',
          entries: [{ ...(suppliers[0] as (typeof suppliers)[number]), reference: 'INV 42' }],
        },
      ]),
    );
    expect(checkNacha(ours.text).problems).toEqual([]);
  });
});

describe('Given a generated file that is tampered with', () => {
  const text = buildAchFile(twoBatches).text;
  const lines = text.split('\n').slice(0, -1);
  const entryIndex = lines.findIndex((line) => line.startsWith('6'));
  const entry = lines[entryIndex] ?? '';

  it('a changed amount without fixed controls fails its batch total (the file control still matches the batches)', () => {
    const tampered = [...lines];
    tampered[entryIndex] = `${entry.slice(0, 29)}0000999999${entry.slice(39)}`;
    const problems = checkNacha(`${tampered.join('\n')}\n`).problems;
    expect(problems).toEqual(['batch 0000001: total credit']);
  });

  it('a broken routing check digit fails, and nach2 refuses that routing number too', () => {
    const tampered = [...lines];
    const routing = `${entry.slice(3, 11)}${(Number(entry[11]) + 1) % 10}`;
    tampered[entryIndex] = `${entry.slice(0, 11)}${routing[8]}${entry.slice(12)}`;
    expect(checkNacha(`${tampered.join('\n')}\n`).problems).toEqual([
      `record ${entryIndex + 1}: routing ${routing} fails the ABA check digit`,
    ]);
    expect(() => nach.Validate.validateRoutingNumber(routing)).toThrow(/invalid/i);
  });

  it('a 93-character line fails', () => {
    const tampered = [...lines];
    tampered[entryIndex] = entry.slice(0, 93);
    expect(checkNacha(`${tampered.join('\n')}\n`).problems).toContain(
      `line ${entryIndex + 1} is 93 characters, not 94`,
    );
  });

  it('a dropped padding line fails the blocking', () => {
    const problems = checkNacha(`${lines.slice(0, -1).join('\n')}\n`).problems;
    expect(problems).toContain('19 records is not a multiple of 10');
    expect(problems).toContain('file control: block count');
  });
});

describe('Given an entry the generator must refuse', () => {
  it('refuses a routing number that fails the check and an amount over 10 digits', () => {
    const bad = (entry: Partial<(typeof suppliers)[number]>) =>
      input([
        {
          company,
          sec: 'CCD',
          entryDescription: 'SUPPLIER',
          effectiveDate: '2026-11-30',
          entries: [{ ...suppliers[0], ...entry } as (typeof suppliers)[number]],
        },
      ]);
    expect(() => buildAchFile(bad({ routingNumber: '011000016' }))).toThrow(/ABA/);
    expect(() => buildAchFile(bad({ amount: 10_000_000_000 }))).toThrow(/amount/);
  });
});
