import { UnprocessableError, ValidationError } from './errors.js';

/**
 * NACHA (ACH) files, pure: routing-number check digits and the fixed-width records of a file of credits.
 * Layouts follow the NACHA Operating Rules, Appendix Three (record formats): every record is 94 characters,
 * ten records make a block, and a file is padded with records of 94 '9's to a whole number of blocks.
 * Amounts are integer cents; nothing here goes through floating point.
 */

export const RECORD_LENGTH = 94;
export const BLOCKING_FACTOR = 10;

/**
 * The ABA check: the nine digits weighted 3, 7, 1, 3, 7, 1, 3, 7, 1 must sum to a multiple of ten.
 * False for anything that is not exactly nine digits.
 */
export function isValidRoutingNumber(routing: string): boolean {
  if (!/^\d{9}$/.test(routing)) return false;
  const weights = [3, 7, 1, 3, 7, 1, 3, 7, 1];
  let sum = 0;
  for (let i = 0; i < 9; i += 1) sum += Number(routing[i]) * (weights[i] ?? 0);
  return sum % 10 === 0;
}

/** The check digit (the ninth digit) that completes an 8-digit routing prefix. */
export function routingCheckDigit(prefix: string): number {
  if (!/^\d{8}$/.test(prefix)) throw new UnprocessableError(`routing prefix '${prefix}' is not 8 digits`);
  const weights = [3, 7, 1, 3, 7, 1, 3, 7];
  let sum = 0;
  for (let i = 0; i < 8; i += 1) sum += Number(prefix[i]) * (weights[i] ?? 0);
  return (10 - (sum % 10)) % 10;
}

/** Throws a 400 naming `field` when `routing` fails the ABA check. */
export function assertRoutingNumber(routing: string, field: string): void {
  if (!/^\d{9}$/.test(routing)) {
    throw new ValidationError(`${field}: must be 9 digits`, [{ field, message: 'must be 9 digits' }]);
  }
  if (!isValidRoutingNumber(routing)) {
    throw new ValidationError(`${field}: fails the ABA check digit (3-7-1 weights)`, [
      { field, message: 'fails the ABA check digit' },
    ]);
  }
}

/** Characters NACHA allows in alphanumeric fields: upper-case letters, digits and printable ASCII. */
export function achText(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(/[^\x20-\x7E]/g, ' ');
}

const alpha = (value: string, width: number): string => achText(value).slice(0, width).padEnd(width, ' ');

function numeric(value: number | bigint | string, width: number, field: string): string {
  const text = typeof value === 'string' ? value : value.toString();
  if (!/^\d+$/.test(text)) throw new UnprocessableError(`${field} must be digits, got '${text}'`);
  if (text.length > width) throw new UnprocessableError(`${field} ${text} does not fit ${width} digits`);
  return text.padStart(width, '0');
}

/** YYMMDD of a `YYYY-MM-DD` date. */
const yymmdd = (date: string): string => `${date.slice(2, 4)}${date.slice(5, 7)}${date.slice(8, 10)}`;

export type SecCode = 'CCD' | 'PPD';
export type AccountType = 'checking' | 'savings';

export interface AchOriginatorCompany {
  /** Our id for the company, chosen by `companyId` in a request. */
  id: string;
  /** Company Name, batch header positions 5–20 (16). */
  name: string;
  /** Company Identification (10), usually '1' + the EIN. */
  identification: string;
}

export interface AchOriginator {
  /** Immediate Destination: the ODFI's (or its processor's) routing number, 9 digits. */
  immediateDestination: string;
  immediateDestinationName: string;
  /** Immediate Origin (10): as agreed with the ODFI, e.g. '1' + EIN, or a routing number. */
  immediateOrigin: string;
  immediateOriginName: string;
  /** The ODFI's routing number (9 digits); its first 8 start every trace number. */
  odfiRouting: string;
}

export interface AchEntryInput {
  /** The payout behind the entry (Identification Number, first 15 characters). */
  payoutId: string;
  name: string;
  routingNumber: string;
  accountNumber: string;
  accountType: AccountType;
  /** Integer cents. */
  amount: number;
  /** Payment-related information, sent as one addenda record ('05') when present. */
  reference?: string;
}

export interface AchBatchInput {
  company: AchOriginatorCompany;
  sec: SecCode;
  /** Company Entry Description (10), e.g. 'PAYOUT'; the receiver may see it on their statement. */
  entryDescription: string;
  /** `YYYY-MM-DD`. */
  effectiveDate: string;
  entries: AchEntryInput[];
}

export interface AchFileInput {
  originator: AchOriginator;
  /** When the file was created (UTC): File Creation Date and Time. */
  createdAt: string;
  /** A–Z then 0–9: tells apart files created the same day. */
  fileIdModifier: string;
  /** Reference Code (8), free text. */
  referenceCode?: string;
  batches: AchBatchInput[];
}

export interface AchTraced {
  payoutId: string;
  batchNumber: number;
  traceNumber: string;
}

export interface AchBatchSummary {
  batchNumber: number;
  sec: SecCode;
  companyId: string;
  entries: number;
  addenda: number;
  entryHash: string;
  totalDebit: number;
  totalCredit: number;
}

export interface AchFile {
  /** The file, records separated by '\n' (and ending with one). */
  text: string;
  records: number;
  blockCount: number;
  batchCount: number;
  entryAddendaCount: number;
  entryHash: string;
  totalDebit: number;
  totalCredit: number;
  batches: AchBatchSummary[];
  traces: AchTraced[];
}

const MAX_ENTRY_AMOUNT = 9_999_999_999; // Amount is 10 digits of cents.
export const FILE_ID_MODIFIERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

const creditCode = (type: AccountType): string => (type === 'checking' ? '22' : '32');

/**
 * Builds a file of credits (service class 220): one batch per input batch, numbered from 1, each entry
 * traced as the ODFI's first 8 routing digits + a 7-digit sequence running through the file. The entry hash
 * is the sum of the 8-digit RDFI routing prefixes, kept to its last 10 digits.
 */
export function buildAchFile(input: AchFileInput): AchFile {
  const { originator } = input;
  for (const [field, routing] of [
    ['originator.immediateDestination', originator.immediateDestination],
    ['originator.odfiRouting', originator.odfiRouting],
  ] as const) {
    if (!isValidRoutingNumber(routing))
      throw new UnprocessableError(`${field} ${routing} fails the ABA check`);
  }
  if (!FILE_ID_MODIFIERS.includes(input.fileIdModifier) || input.fileIdModifier.length !== 1) {
    throw new UnprocessableError(`file id modifier '${input.fileIdModifier}' is not A–Z or 0–9`);
  }
  const created = input.createdAt;
  const odfi8 = originator.odfiRouting.slice(0, 8);
  const records: string[] = [];
  const batches: AchBatchSummary[] = [];
  const traces: AchTraced[] = [];
  records.push(
    [
      '1',
      '01',
      ` ${numeric(originator.immediateDestination, 9, 'immediate destination')}`,
      alpha(originator.immediateOrigin, 10).replace(/^(\d{9}) $/, ' $1'),
      yymmdd(created.slice(0, 10)),
      `${created.slice(11, 13)}${created.slice(14, 16)}`,
      input.fileIdModifier,
      '094',
      '10',
      '1',
      alpha(originator.immediateDestinationName, 23),
      alpha(originator.immediateOriginName, 23),
      alpha(input.referenceCode ?? '', 8),
    ].join(''),
  );
  let sequence = 0;
  let fileHash = 0n;
  const fileDebit = 0n;
  let fileCredit = 0n;
  let entryAddendaCount = 0;
  input.batches.forEach((batch, index) => {
    const batchNumber = index + 1;
    if (batch.entries.length === 0) throw new UnprocessableError(`batch ${batchNumber} has no entries`);
    const companyId = alpha(batch.company.identification, 10);
    const header = [
      '5',
      '220',
      alpha(batch.company.name, 16),
      alpha('', 20),
      companyId,
      batch.sec,
      alpha(batch.entryDescription, 10),
      alpha('', 6),
      yymmdd(batch.effectiveDate),
      '   ',
      '1',
      odfi8,
      numeric(batchNumber, 7, 'batch number'),
    ].join('');
    records.push(header);
    let hash = 0n;
    let credit = 0n;
    let count = 0;
    let addenda = 0;
    for (const entry of batch.entries) {
      if (!isValidRoutingNumber(entry.routingNumber)) {
        throw new UnprocessableError(`payout ${entry.payoutId}: routing number fails the ABA check`);
      }
      if (!Number.isSafeInteger(entry.amount) || entry.amount <= 0 || entry.amount > MAX_ENTRY_AMOUNT) {
        throw new UnprocessableError(
          `payout ${entry.payoutId}: amount ${entry.amount} is not 1–9999999999 cents`,
        );
      }
      sequence += 1;
      const traceNumber = `${odfi8}${numeric(sequence, 7, 'trace sequence')}`;
      const hasAddenda = Boolean(entry.reference && entry.reference.trim() !== '');
      records.push(
        [
          '6',
          creditCode(entry.accountType),
          entry.routingNumber.slice(0, 8),
          entry.routingNumber.slice(8, 9),
          alpha(entry.accountNumber, 17),
          numeric(entry.amount, 10, 'amount'),
          alpha(entry.payoutId, 15),
          alpha(entry.name, 22),
          '  ',
          hasAddenda ? '1' : '0',
          traceNumber,
        ].join(''),
      );
      if (hasAddenda) {
        records.push(['7', '05', alpha(entry.reference ?? '', 80), '0001', traceNumber.slice(-7)].join(''));
        addenda += 1;
      }
      count += 1;
      hash += BigInt(entry.routingNumber.slice(0, 8));
      credit += BigInt(entry.amount);
      traces.push({ payoutId: entry.payoutId, batchNumber, traceNumber });
    }
    const entryHash = (hash % 10_000_000_000n).toString().padStart(10, '0');
    records.push(
      [
        '8',
        '220',
        numeric(count + addenda, 6, 'entry/addenda count'),
        entryHash,
        numeric(0, 12, 'total debit'),
        numeric(credit, 12, 'total credit'),
        companyId,
        alpha('', 19),
        alpha('', 6),
        odfi8,
        numeric(batchNumber, 7, 'batch number'),
      ].join(''),
    );
    batches.push({
      batchNumber,
      sec: batch.sec,
      companyId: batch.company.id,
      entries: count,
      addenda,
      entryHash,
      totalDebit: 0,
      totalCredit: Number(credit),
    });
    fileHash += hash;
    fileCredit += credit;
    entryAddendaCount += count + addenda;
  });
  const recordsWithControl = records.length + 1;
  const blockCount = Math.ceil(recordsWithControl / BLOCKING_FACTOR);
  const entryHash = (fileHash % 10_000_000_000n).toString().padStart(10, '0');
  records.push(
    [
      '9',
      numeric(batches.length, 6, 'batch count'),
      numeric(blockCount, 6, 'block count'),
      numeric(entryAddendaCount, 8, 'entry/addenda count'),
      entryHash,
      numeric(fileDebit, 12, 'total debit'),
      numeric(fileCredit, 12, 'total credit'),
      alpha('', 39),
    ].join(''),
  );
  while (records.length % BLOCKING_FACTOR !== 0) records.push('9'.repeat(RECORD_LENGTH));
  for (const [index, record] of records.entries()) {
    // A layout slip here would corrupt every record after it for the bank: fail loudly instead.
    if (record.length !== RECORD_LENGTH) {
      throw new UnprocessableError(
        `record ${index + 1} is ${record.length} characters, not ${RECORD_LENGTH}`,
      );
    }
  }
  return {
    text: `${records.join('\n')}\n`,
    records: records.length,
    blockCount,
    batchCount: batches.length,
    entryAddendaCount,
    entryHash,
    totalDebit: Number(fileDebit),
    totalCredit: Number(fileCredit),
    batches,
    traces,
  };
}
