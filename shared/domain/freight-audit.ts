import { parseCsvRecords } from './csv.js';
import type { FieldIssue } from './errors.js';
import { currencyExponent, isKnownCurrency, toMinorUnits } from './money.js';
import { validationErrorFrom } from './validation.js';

/**
 * Freight audit rules (docs/freight-audit.md): reading a carrier's invoice file, and the checks on each line
 * against the shipment it bills. Plain functions; the store and the app layer do the lookups.
 */

/** Columns of the invoice CSV (header row required, names case-insensitive, order free). */
export const FREIGHT_INVOICE_COLUMNS = {
  required: ['invoice_number', 'carrier', 'invoice_date', 'billed_amount', 'currency'],
  /** At least one of these per row: what the line is matched on. */
  reference: ['pro_number', 'tracking_number', 'bol_number'],
  optional: ['ship_date', 'accessorials', 'weight', 'service', 'reference'],
} as const;

export interface Accessorial {
  /** Normalized: `liftgate`, `residential`, `inside-delivery`, `fuel`…, or the carrier's code in lower case. */
  code: string;
  /** As the carrier wrote it. */
  carrierCode: string;
  amount: number;
}

export interface ParsedInvoiceLine {
  /** 1-based position of the line in its invoice. */
  line: number;
  /** The CSV line the row starts on (the header is line 1). */
  row: number;
  proNumber?: string;
  trackingNumber?: string;
  bolNumber?: string;
  shipDate?: string;
  /** The line's total, accessorials included, minor units of the invoice currency. */
  billed: number;
  accessorials: Accessorial[];
  weightLb?: number;
  service?: string;
  reference?: string;
}

export interface ParsedInvoice {
  invoiceNumber: string;
  /** Upper case. */
  carrier: string;
  invoiceDate: string;
  currency: string;
  lines: ParsedInvoiceLine[];
}

export interface AccessorialSettings {
  /** Carrier codes → normalized accessorial (upper-case keys). */
  synonyms: Readonly<Record<string, string>>;
  /** Charges that are part of every shipment and never need to be requested (fuel surcharge). */
  alwaysAllowed: readonly string[];
}

export interface AuditSettings {
  /** A billed amount may exceed the rated one by max(absoluteMajor units of the currency, percent %). */
  tolerance: { absoluteMajor: number; percent: number };
  accessorials: AccessorialSettings;
  /** Rows one import may hold. */
  maxRows: number;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** Billed weight in pounds: up to 7 digits and 3 decimals. */
const WEIGHT = /^\d{1,7}(\.\d{1,3})?$/;
/** A calendar date that exists: `Date.parse` rolls 2026-02-30 over to March 2, so the day must survive a round trip. */
const isDate = (value: string) => {
  const at = Date.parse(`${value}T00:00:00Z`);
  return DATE.test(value) && !Number.isNaN(at) && new Date(at).toISOString().slice(0, 10) === value;
};

export function normalizeAccessorial(code: string, settings: AccessorialSettings): string {
  const key = code
    .trim()
    .toUpperCase()
    .replace(/[\s_]+/g, '-');
  return settings.synonyms[key] ?? key.toLowerCase();
}

/**
 * Reads an invoice file into invoices (a file may hold several: rows are grouped by carrier and invoice
 * number). Every problem is collected, with its CSV line and column, and thrown as one ValidationError:
 * nothing of a file with an error is imported.
 */
export function parseFreightInvoiceCsv(text: string, settings: AuditSettings): ParsedInvoice[] {
  const records = parseCsvRecords(text);
  const [header, ...rows] = records;
  if (!header)
    throw validationErrorFrom([{ field: '(body)', message: 'empty CSV: a header row is required' }]);
  const columns = header.fields.map((name) => name.trim().toLowerCase());
  const issues: FieldIssue[] = [];
  const missing = FREIGHT_INVOICE_COLUMNS.required.filter((name) => !columns.includes(name));
  for (const name of missing) issues.push({ field: `header.${name}`, message: 'required column missing' });
  if (!FREIGHT_INVOICE_COLUMNS.reference.some((name) => columns.includes(name))) {
    issues.push({
      field: 'header',
      message: `one of ${FREIGHT_INVOICE_COLUMNS.reference.join(', ')} is required`,
    });
  }
  if (issues.length > 0) throw validationErrorFrom(issues);
  if (rows.length === 0)
    throw validationErrorFrom([{ field: '(body)', message: 'no invoice lines after the header' }]);
  if (rows.length > settings.maxRows) {
    throw validationErrorFrom([{ field: '(body)', message: `at most ${settings.maxRows} rows per import` }]);
  }
  const invoices = new Map<string, ParsedInvoice>();
  for (const record of rows) {
    const at = (column: string) => `row ${record.line}.${column}`;
    const problem = (column: string, message: string) => issues.push({ field: at(column), message });
    if (record.fields.length !== columns.length) {
      problem('(row)', `has ${record.fields.length} fields, the header ${columns.length}`);
      continue;
    }
    const value = (column: string) => {
      const index = columns.indexOf(column);
      return index < 0 ? '' : (record.fields[index] ?? '').trim();
    };
    const invoiceNumber = value('invoice_number');
    const carrier = value('carrier').toUpperCase();
    const invoiceDate = value('invoice_date');
    const currency = value('currency').toUpperCase();
    if (!invoiceNumber) problem('invoice_number', 'required');
    else if (!/^[A-Za-z0-9._/-]{1,64}$/.test(invoiceNumber))
      problem('invoice_number', 'letters, digits and . _ / - only, at most 64');
    if (!carrier) problem('carrier', 'required');
    else if (!/^[A-Z0-9 ._&-]{1,64}$/.test(carrier))
      problem('carrier', 'letters, digits, space and . _ & - only');
    if (!isDate(invoiceDate)) problem('invoice_date', 'a date YYYY-MM-DD');
    if (!isKnownCurrency(currency)) problem('currency', 'an ISO 4217 code');
    const proNumber = value('pro_number');
    const trackingNumber = value('tracking_number');
    const bolNumber = value('bol_number');
    if (!proNumber && !trackingNumber && !bolNumber) {
      problem('tracking_number', 'one of pro_number, tracking_number or bol_number is required');
    }
    for (const [column, reference] of [
      ['pro_number', proNumber],
      ['tracking_number', trackingNumber],
      ['bol_number', bolNumber],
    ] as const) {
      if (reference && !/^[A-Za-z0-9 ._-]{1,64}$/.test(reference))
        problem(column, 'letters, digits and . _ - only');
    }
    const shipDate = value('ship_date');
    if (shipDate && !isDate(shipDate)) problem('ship_date', 'a date YYYY-MM-DD');
    let billed: number | undefined;
    if (isKnownCurrency(currency)) {
      try {
        billed = toMinorUnits(value('billed_amount'), currency, at('billed_amount'));
      } catch {
        problem('billed_amount', `a decimal amount with at most ${currencyExponent(currency)} decimals`);
      }
    }
    const accessorials: Accessorial[] = [];
    const accessorialText = value('accessorials');
    if (accessorialText) {
      for (const part of accessorialText
        .split(';')
        .map((entry) => entry.trim())
        .filter(Boolean)) {
        const [code = '', amount = '', ...rest] = part.split(':').map((entry) => entry.trim());
        if (!code || !amount || rest.length > 0 || !isKnownCurrency(currency)) {
          problem('accessorials', `'${part}' is not code:amount`);
          continue;
        }
        try {
          accessorials.push({
            code: normalizeAccessorial(code, settings.accessorials),
            carrierCode: code,
            amount: toMinorUnits(amount, currency),
          });
        } catch {
          problem('accessorials', `'${part}': the amount is not a decimal in ${currency}`);
        }
      }
    }
    const weightText = value('weight');
    // A plain decimal: Number() would also take 0x10, 1e5 and 1e-200 (which DynamoDB cannot store: a 500).
    const weightLb = weightText ? (WEIGHT.test(weightText) ? Number(weightText) : Number.NaN) : undefined;
    if (weightLb !== undefined && !(Number.isFinite(weightLb) && weightLb >= 0))
      problem('weight', 'a number of pounds');
    if (billed === undefined || issues.some((issue) => issue.field.startsWith(`row ${record.line}.`)))
      continue;
    const key = `${carrier}\u0000${invoiceNumber}`;
    let invoice = invoices.get(key);
    if (!invoice) {
      invoice = { invoiceNumber, carrier, invoiceDate, currency, lines: [] };
      invoices.set(key, invoice);
    } else {
      if (invoice.invoiceDate !== invoiceDate)
        problem('invoice_date', `differs from the invoice's first row (${invoice.invoiceDate})`);
      if (invoice.currency !== currency)
        problem('currency', `differs from the invoice's first row (${invoice.currency})`);
    }
    const service = value('service');
    const reference = value('reference');
    invoice.lines.push({
      line: invoice.lines.length + 1,
      row: record.line,
      ...(proNumber ? { proNumber } : {}),
      ...(trackingNumber ? { trackingNumber } : {}),
      ...(bolNumber ? { bolNumber } : {}),
      ...(shipDate ? { shipDate } : {}),
      billed,
      accessorials,
      ...(weightLb !== undefined ? { weightLb } : {}),
      ...(service ? { service } : {}),
      ...(reference ? { reference } : {}),
    });
  }
  if (issues.length > 0) throw validationErrorFrom(issues.slice(0, 100));
  return [...invoices.values()];
}

// ---------------------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------------------

export const FLAG_KINDS = [
  'duplicate-pro',
  'duplicate-bol',
  'overbilled',
  'unrequested-accessorial',
  'unmatched',
  'currency-mismatch',
] as const;
export type FlagKind = (typeof FLAG_KINDS)[number];

export interface AuditFlag {
  kind: FlagKind;
  message: string;
}

/** The line an earlier claim belongs to. */
export interface BilledBefore {
  invoiceId: string;
  invoiceNumber: string;
  line: number;
}

/** The claim keys of a line: same carrier + PRO/tracking; same BOL + amount + date (either may be absent). */
export function duplicateClaims(
  invoice: Pick<ParsedInvoice, 'carrier' | 'invoiceDate' | 'currency'>,
  line: ParsedInvoiceLine,
): { pro?: string; bol?: string } {
  const reference = (line.proNumber ?? line.trackingNumber)?.replace(/\s+/g, '').toUpperCase();
  const date = line.shipDate ?? invoice.invoiceDate;
  return {
    ...(reference ? { pro: `PRO#${invoice.carrier}#${reference}` } : {}),
    ...(line.bolNumber
      ? {
          bol: `BOL#${line.bolNumber.replace(/\s+/g, '').toUpperCase()}#${line.billed}${invoice.currency}#${date}`,
        }
      : {}),
  };
}

/** The most a billed amount may exceed the rated one: max(absolute, percent of rated), in minor units. */
export function allowedVariance(
  rated: number,
  currency: string,
  tolerance: AuditSettings['tolerance'],
): number {
  const absolute = Math.round(tolerance.absoluteMajor * 10 ** currencyExponent(currency));
  return Math.max(absolute, Math.ceil((Math.abs(rated) * tolerance.percent) / 100));
}

export interface MatchedShipment {
  shipmentId: string;
  orderId: string;
  carrier: string;
  /** What the label was bought at. */
  cost: number;
  currency: string;
  /** Accessorials requested on the shipment / BOL, normalized; none when it never recorded any. */
  accessorials: readonly string[];
}

export interface LineAudit {
  flags: AuditFlag[];
  rated?: number;
  /** billed − rated, when both are in the same currency. */
  difference?: number;
}

/** Every check on one invoice line. `duplicates` are the earlier lines its claims ran into. */
export function auditLine(input: {
  invoice: Pick<ParsedInvoice, 'currency'>;
  line: ParsedInvoiceLine;
  shipment?: MatchedShipment;
  duplicates: { pro?: BilledBefore; bol?: BilledBefore };
  settings: AuditSettings;
}): LineAudit {
  const { line, shipment, duplicates, invoice, settings } = input;
  const flags: AuditFlag[] = [];
  const where = (before: BilledBefore) => `invoice ${before.invoiceNumber} line ${before.line}`;
  if (duplicates.pro) {
    flags.push({
      kind: 'duplicate-pro',
      message: `${line.proNumber ? 'PRO' : 'tracking'} number ${line.proNumber ?? line.trackingNumber} already billed on ${where(duplicates.pro)}`,
    });
  }
  if (duplicates.bol) {
    flags.push({
      kind: 'duplicate-bol',
      message: `BOL ${line.bolNumber} with the same amount and date already billed on ${where(duplicates.bol)}`,
    });
  }
  if (!shipment) {
    flags.push({ kind: 'unmatched', message: 'no shipment has this PRO, tracking or BOL number' });
    return { flags };
  }
  const requested = new Set([...shipment.accessorials, ...settings.accessorials.alwaysAllowed]);
  for (const accessorial of line.accessorials) {
    if (!requested.has(accessorial.code)) {
      flags.push({
        kind: 'unrequested-accessorial',
        message: `${accessorial.carrierCode} (${accessorial.code}) was not requested on shipment ${shipment.shipmentId}`,
      });
    }
  }
  if (shipment.currency !== invoice.currency) {
    flags.push({
      kind: 'currency-mismatch',
      message: `billed in ${invoice.currency}, rated in ${shipment.currency}: compare by hand`,
    });
    return { flags };
  }
  const difference = line.billed - shipment.cost;
  const allowed = allowedVariance(shipment.cost, invoice.currency, settings.tolerance);
  if (difference > allowed) {
    flags.push({
      kind: 'overbilled',
      message: `billed ${line.billed} exceeds rated ${shipment.cost} by ${difference}, more than the ${allowed} allowed (minor units of ${invoice.currency})`,
    });
  }
  return { flags, rated: shipment.cost, difference };
}

/** Within one file, the first line of each claim key owns it; later ones are duplicates of it. */
export function duplicatesWithin(invoice: ParsedInvoice): Map<number, { pro?: number; bol?: number }> {
  const firstPro = new Map<string, number>();
  const firstBol = new Map<string, number>();
  const result = new Map<number, { pro?: number; bol?: number }>();
  for (const line of invoice.lines) {
    const claims = duplicateClaims(invoice, line);
    const found: { pro?: number; bol?: number } = {};
    if (claims.pro) {
      const first = firstPro.get(claims.pro);
      if (first === undefined) firstPro.set(claims.pro, line.line);
      else found.pro = first;
    }
    if (claims.bol) {
      const first = firstBol.get(claims.bol);
      if (first === undefined) firstBol.set(claims.bol, line.line);
      else found.bol = first;
    }
    if (found.pro !== undefined || found.bol !== undefined) result.set(line.line, found);
  }
  return result;
}

export type LineStatus = 'pending' | 'approved' | 'disputed';
export type InvoiceStatus = 'pending' | 'approved' | 'disputed';

/** Pending while any line is; then disputed when any line is, else approved. */
export const invoiceStatus = (counts: { pending: number; disputed: number }): InvoiceStatus =>
  counts.pending > 0 ? 'pending' : counts.disputed > 0 ? 'disputed' : 'approved';

/** A stable digest input of an invoice's content: re-importing the same rows matches, changed rows do not. */
export const invoiceContent = (invoice: ParsedInvoice): string =>
  JSON.stringify([
    invoice.carrier,
    invoice.invoiceNumber,
    invoice.invoiceDate,
    invoice.currency,
    invoice.lines.map(({ row: _row, ...line }) => line),
  ]);
