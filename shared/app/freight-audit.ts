import { createHash } from 'node:crypto';
import { freightAuditSettings } from '../config/freight-audit.js';
import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from '../domain/errors.js';
import {
  type AuditSettings,
  auditLine,
  type BilledBefore,
  duplicateClaims,
  duplicatesWithin,
  FLAG_KINDS,
  type FlagKind,
  invoiceContent,
  invoiceStatus,
  type MatchedShipment,
  normalizeAccessorial,
  type ParsedInvoice,
  type ParsedInvoiceLine,
  parseFreightInvoiceCsv,
} from '../domain/freight-audit.js';
import { FreightInvoiceApproved } from '../events/catalogue/freight-invoice-approved.js';
import type { Deps } from '../runtime/deps.js';
import type { TransactItem } from '../store/db.js';
import {
  claimBilled,
  type FreightInvoiceLineRecord,
  type FreightInvoiceRecord,
  freightInvoicesBetween,
  getFreightInvoiceHeader,
  putFreightInvoice,
  readFreightInvoice,
  shipmentById,
  shipmentsByTracking,
} from '../store/freight-invoices.js';
import { keys } from '../store/keys.js';
import { transact } from '../store/orders.js';
import { withChange } from '../store/outbox.js';

/** `fi_` + 20 hex of SHA-256(carrier, invoice number): the same invoice always has the same id. */
export const freightInvoiceId = (carrier: string, invoiceNumber: string) =>
  `fi_${createHash('sha256').update(`${carrier.toUpperCase()}\u0000${invoiceNumber}`).digest('hex').slice(0, 20)}`;

export interface ImportedInvoice {
  created: boolean;
  invoice: FreightInvoiceRecord;
  lines: FreightInvoiceLineRecord[];
}

/**
 * `POST /freight-invoices`: reads the CSV (every row checked first: one bad row imports nothing), then per
 * invoice matches each line to a shipment, claims its PRO/tracking and BOL keys (duplicates), audits it and
 * stores the invoice. The same invoice again (carrier + invoice number) returns the stored one; different
 * rows under a stored invoice number are a conflict.
 */
export async function importFreightInvoices(
  deps: Deps,
  csv: string,
  settings: AuditSettings = freightAuditSettings,
): Promise<ImportedInvoice[]> {
  const parsed = parseFreightInvoiceCsv(csv, settings);
  const results: ImportedInvoice[] = [];
  for (const invoice of parsed) results.push(await importOne(deps, invoice, settings));
  return results;
}

async function importOne(
  deps: Deps,
  parsed: ParsedInvoice,
  settings: AuditSettings,
): Promise<ImportedInvoice> {
  const id = freightInvoiceId(parsed.carrier, parsed.invoiceNumber);
  const contentHash = createHash('sha256').update(invoiceContent(parsed)).digest('hex');
  const stored = await readFreightInvoice(deps, id);
  if (stored) return { created: false, ...sameContent(stored, contentHash, parsed) };
  const now = deps.clock.now().toISOString();
  const within = duplicatesWithin(parsed);
  const lines = await mapLimit(parsed.lines, 8, async (line): Promise<FreightInvoiceLineRecord> => {
    const shipment = await matchShipment(deps, parsed.carrier, line);
    const claims = duplicateClaims(parsed, line);
    const inFile = within.get(line.line);
    const earlier = (other: number | undefined): BilledBefore | undefined =>
      other === undefined ? undefined : { invoiceId: id, invoiceNumber: parsed.invoiceNumber, line: other };
    const owner = {
      invoiceId: id,
      invoiceNumber: parsed.invoiceNumber,
      line: line.line,
      carrier: parsed.carrier,
      at: now,
    };
    // Only the first line of a key in this file claims it; later ones are duplicates of that line.
    const pro = earlier(inFile?.pro) ?? (claims.pro ? await claimBilled(deps, claims.pro, owner) : undefined);
    const bol = earlier(inFile?.bol) ?? (claims.bol ? await claimBilled(deps, claims.bol, owner) : undefined);
    const audit = auditLine({
      invoice: parsed,
      line,
      ...(shipment ? { shipment } : {}),
      duplicates: { ...(pro ? { pro } : {}), ...(bol ? { bol } : {}) },
      settings,
    });
    const { row, ...rest } = line;
    return {
      invoiceId: id,
      ...rest,
      row,
      ...(shipment
        ? { shipmentId: shipment.shipmentId, orderId: shipment.orderId, ratedCurrency: shipment.currency }
        : {}),
      ...(audit.rated !== undefined ? { rated: audit.rated } : {}),
      ...(audit.difference !== undefined ? { difference: audit.difference } : {}),
      flags: audit.flags,
      status: 'pending',
    };
  });
  const invoice = summarize(
    {
      id,
      invoiceNumber: parsed.invoiceNumber,
      carrier: parsed.carrier,
      invoiceDate: parsed.invoiceDate,
      currency: parsed.currency,
      contentHash,
      importedAt: now,
      updatedAt: now,
      version: 1,
      decisions: [],
    },
    lines,
  );
  if (await putFreightInvoice(deps, invoice, lines)) return { created: true, invoice, lines };
  // Imported concurrently by another request: answer with what it stored.
  const winner = await readFreightInvoice(deps, id);
  if (!winner) throw new ConflictError(`freight invoice ${parsed.invoiceNumber} is being imported; retry`);
  return { created: false, ...sameContent(winner, contentHash, parsed) };
}

function sameContent(
  stored: { invoice: FreightInvoiceRecord; lines: FreightInvoiceLineRecord[] },
  contentHash: string,
  parsed: ParsedInvoice,
) {
  if (stored.invoice.contentHash !== contentHash) {
    throw new ConflictError(
      `invoice ${parsed.invoiceNumber} of ${parsed.carrier} was already imported with different lines; a corrected invoice needs a new invoice number`,
      { invoiceId: stored.invoice.id },
    );
  }
  return stored;
}

/** The shipment a line bills: by PRO, then tracking number (same carrier first), then BOL number (= shipment id). */
async function matchShipment(
  deps: Deps,
  carrier: string,
  line: ParsedInvoiceLine,
): Promise<MatchedShipment | undefined> {
  for (const reference of [line.proNumber, line.trackingNumber]) {
    if (!reference) continue;
    const found = await shipmentsByTracking(deps, reference);
    const match = found.find((shipment) => shipment.carrier.toUpperCase() === carrier) ?? found[0];
    if (match) return matched(match);
  }
  if (line.bolNumber) {
    const shipment = await shipmentById(deps, line.bolNumber);
    if (shipment) return matched(shipment);
  }
  return undefined;
}

function matched(shipment: Awaited<ReturnType<typeof shipmentById>> & object): MatchedShipment {
  const requested = (shipment as { accessorials?: string[] }).accessorials ?? [];
  return {
    shipmentId: shipment.id,
    orderId: shipment.orderId,
    carrier: shipment.carrier,
    cost: shipment.cost,
    currency: shipment.currency,
    accessorials: requested.map((code) => normalizeAccessorial(code, freightAuditSettings.accessorials)),
  };
}

/** The header's figures from its lines: totals, flags by kind, and the counts and amounts by status. */
export function summarize(
  base: Pick<
    FreightInvoiceRecord,
    | 'id'
    | 'invoiceNumber'
    | 'carrier'
    | 'invoiceDate'
    | 'currency'
    | 'contentHash'
    | 'importedAt'
    | 'updatedAt'
    | 'version'
    | 'decisions'
  >,
  lines: readonly FreightInvoiceLineRecord[],
): FreightInvoiceRecord {
  const flags: Partial<Record<FlagKind, number>> = {};
  for (const line of lines) for (const flag of line.flags) flags[flag.kind] = (flags[flag.kind] ?? 0) + 1;
  const sum = (pick: (line: FreightInvoiceLineRecord) => number) =>
    lines.reduce((total, line) => total + pick(line), 0);
  const count = (status: FreightInvoiceLineRecord['status']) =>
    lines.filter((line) => line.status === status).length;
  const pendingLines = count('pending');
  const disputedLines = count('disputed');
  return {
    ...base,
    status: invoiceStatus({ pending: pendingLines, disputed: disputedLines }),
    lineCount: lines.length,
    billedTotal: sum((line) => line.billed),
    ratedTotal: sum((line) => (line.difference === undefined ? 0 : (line.rated ?? 0))),
    difference: sum((line) => line.difference ?? 0),
    flags,
    flaggedLines: lines.filter((line) => line.flags.length > 0).length,
    duplicateLines: lines.filter((line) => line.flags.some((flag) => flag.kind.startsWith('duplicate')))
      .length,
    unmatchedLines: lines.filter((line) => line.flags.some((flag) => flag.kind === 'unmatched')).length,
    pendingLines,
    approvedLines: count('approved'),
    disputedLines,
    approvedAmount: sum((line) => (line.status === 'approved' ? line.billed : 0)),
    disputedAmount: sum((line) => (line.status === 'disputed' ? line.billed : 0)),
  };
}

export async function getFreightInvoice(deps: Deps, invoiceId: string) {
  const found = await readFreightInvoice(deps, invoiceId);
  if (!found) throw new NotFoundError(`freight invoice ${invoiceId} does not exist`);
  return found;
}

/** Lines moved per transaction: each with the header (the 100-item limit of a transaction). */
const DECISION_CHUNK = 99;

/**
 * `POST /freight-invoices/{id}/approve`: approves the named lines (default: every pending line). A line
 * with flags needs `overrideReason`; a disputed line is approved only when named. Lines already approved
 * are left alone, so a repeat changes nothing and announces nothing. Each transaction moves up to 99 lines
 * with the header, which carries one `FreightInvoiceApproved` for them.
 */
export async function approveFreightInvoice(
  deps: Deps,
  invoiceId: string,
  input: { lines?: number[]; overrideReason?: string },
) {
  return await decide(deps, invoiceId, 'approve', input);
}

/**
 * `POST /freight-invoices/{id}/dispute`: disputes the named lines (default: every pending line) with a
 * reason. An approved line cannot be disputed (409); a disputed one again is left alone.
 */
export async function disputeFreightInvoice(
  deps: Deps,
  invoiceId: string,
  input: { lines?: number[]; reason: string },
) {
  return await decide(deps, invoiceId, 'dispute', input);
}

async function decide(
  deps: Deps,
  invoiceId: string,
  action: 'approve' | 'dispute',
  input: { lines?: number[]; overrideReason?: string; reason?: string },
) {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const found = await getFreightInvoice(deps, invoiceId);
    const targets = targetLines(found.lines, action, input);
    if (targets.length === 0) return found;
    let raced = false;
    for (let start = 0; start < targets.length && !raced; start += DECISION_CHUNK) {
      const header = start === 0 ? found.invoice : await getFreightInvoiceHeader(deps, invoiceId);
      if (!header) throw new NotFoundError(`freight invoice ${invoiceId} does not exist`);
      const chunk = targets.slice(start, start + DECISION_CHUNK);
      raced = !(await transact(deps, decisionItems(deps, header, chunk, action, input)));
    }
    if (!raced) return await getFreightInvoice(deps, invoiceId);
  }
  throw new ConflictError(`freight invoice ${invoiceId} is being changed by another request; retry`);
}

function targetLines(
  lines: readonly FreightInvoiceLineRecord[],
  action: 'approve' | 'dispute',
  input: { lines?: number[]; overrideReason?: string },
): FreightInvoiceLineRecord[] {
  const wanted = input.lines ? [...new Set(input.lines)] : undefined;
  if (wanted) {
    const unknown = wanted.filter((number) => !lines.some((line) => line.line === number));
    if (unknown.length > 0) {
      throw new ValidationError(`the invoice has no line ${unknown.join(', ')}`, [
        { field: 'lines', message: `unknown line(s): ${unknown.join(', ')}` },
      ]);
    }
  }
  const named = (line: FreightInvoiceLineRecord) => wanted?.includes(line.line) ?? line.status === 'pending';
  const chosen = lines.filter(named);
  if (action === 'dispute') {
    const approved = chosen.filter((line) => line.status === 'approved');
    if (approved.length > 0) {
      throw new ConflictError(`line(s) ${approved.map((line) => line.line).join(', ')} are approved already`);
    }
    return chosen.filter((line) => line.status === 'pending');
  }
  const open = chosen.filter((line) => line.status !== 'approved');
  const flagged = open.filter((line) => line.flags.length > 0);
  if (flagged.length > 0 && !input.overrideReason) {
    throw new UnprocessableError(
      `line(s) ${flagged.map((line) => line.line).join(', ')} have audit flags: approving them needs an overrideReason`,
      {
        reason: 'flags-need-override',
        lines: flagged.map((line) => ({ line: line.line, flags: line.flags.map((flag) => flag.kind) })),
      },
    );
  }
  return open;
}

function decisionItems(
  deps: Deps,
  header: FreightInvoiceRecord,
  chunk: readonly FreightInvoiceLineRecord[],
  action: 'approve' | 'dispute',
  input: { overrideReason?: string; reason?: string },
): TransactItem[] {
  const now = deps.clock.now().toISOString();
  const to = action === 'approve' ? 'approved' : 'disputed';
  const amount = chunk.reduce((sum, line) => sum + line.billed, 0);
  const fromPending = chunk.filter((line) => line.status === 'pending').length;
  const fromDisputed = chunk.filter((line) => line.status === 'disputed');
  const counts = {
    pending: header.pendingLines - fromPending,
    disputed: header.disputedLines - fromDisputed.length + (action === 'dispute' ? chunk.length : 0),
  };
  const lineItems: TransactItem[] = chunk.map((line) => {
    const flagged = line.flags.length > 0;
    const reasonName = action === 'approve' ? 'overrideReason' : 'disputeReason';
    const reason = action === 'approve' ? (flagged ? input.overrideReason : undefined) : input.reason;
    return {
      Update: {
        TableName: deps.tableName,
        Key: keys.freightInvoiceLine(header.id, line.line),
        UpdateExpression: `SET #status = :to, decidedAt = :now${reason ? `, ${reasonName} = :reason` : ''}`,
        ConditionExpression: '#status = :from',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':to': to,
          ':from': line.status,
          ':now': now,
          ...(reason ? { ':reason': reason } : {}),
        },
      },
    };
  });
  const decision = {
    at: now,
    action,
    lines: chunk.map((line) => line.line),
    amount,
    ...((action === 'approve' ? input.overrideReason : input.reason)
      ? { reason: (action === 'approve' ? input.overrideReason : input.reason) as string }
      : {}),
  };
  const approvedMoved = action === 'approve' ? amount : 0;
  const disputedMoved = fromDisputed.reduce((sum, line) => sum + line.billed, 0);
  const event =
    action === 'approve'
      ? FreightInvoiceApproved.create(
          {
            invoiceId: header.id,
            invoiceNumber: header.invoiceNumber,
            carrier: header.carrier,
            currency: header.currency,
            amount,
            lines: chunk.map((line) => ({
              line: line.line,
              ...(line.shipmentId ? { shipmentId: line.shipmentId } : {}),
              ...(line.orderId ? { orderId: line.orderId } : {}),
              amount: line.billed,
            })),
          },
          {
            correlationId: header.id,
            idempotencyKey: `freight-invoice-approved:${header.id}:${header.version + 1}`,
            occurredAt: new Date(now),
          },
        )
      : undefined;
  const update = withChange(
    deps,
    {
      TableName: deps.tableName,
      Key: keys.freightInvoice(header.id),
      UpdateExpression:
        'SET #status = :status, pendingLines = :pending, disputedLines = :disputed, approvedLines = approvedLines + :approvedCount, ' +
        'approvedAmount = approvedAmount + :approved, disputedAmount = disputedAmount + :disputedDelta, ' +
        'decisions = list_append(decisions, :decision), updatedAt = :now, version = :next',
      ConditionExpression: 'version = :version',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':status': invoiceStatus(counts),
        ':pending': counts.pending,
        ':disputed': counts.disputed,
        ':approvedCount': action === 'approve' ? chunk.length : 0,
        ':approved': approvedMoved,
        ':disputedDelta': (action === 'dispute' ? amount : 0) - (action === 'approve' ? disputedMoved : 0),
        ':decision': [decision],
        ':now': now,
        ':next': header.version + 1,
        ':version': header.version,
      },
    },
    event ? { events: [event] } : {},
  );
  return [...lineItems, { Update: update } as TransactItem];
}

export interface FreightAuditReportRow {
  carrier: string;
  currency: string;
  invoices: number;
  lines: number;
  billedTotal: number;
  ratedTotal: number;
  difference: number;
  flags: Record<FlagKind, number>;
  flaggedLines: number;
  duplicateLines: number;
  unmatchedLines: number;
  approvedAmount: number;
  disputedAmount: number;
  pendingAmount: number;
  approvedLines: number;
  disputedLines: number;
  pendingLines: number;
}

/** `GET /freight-audit/report`: per carrier and currency, over invoices dated from..to (inclusive). */
export async function freightAuditReport(
  deps: Deps,
  query: { carrier?: string; from: string; to: string },
): Promise<{ from: string; to: string; carrier?: string; carriers: FreightAuditReportRow[] }> {
  const carrier = query.carrier?.toUpperCase();
  const invoices = (await freightInvoicesBetween(deps, query.from, query.to)).filter(
    (invoice) => carrier === undefined || invoice.carrier === carrier,
  );
  const rows = new Map<string, FreightAuditReportRow>();
  for (const invoice of invoices) {
    const key = `${invoice.carrier}\u0000${invoice.currency}`;
    let row = rows.get(key);
    if (!row) {
      row = {
        carrier: invoice.carrier,
        currency: invoice.currency,
        invoices: 0,
        lines: 0,
        billedTotal: 0,
        ratedTotal: 0,
        difference: 0,
        flags: Object.fromEntries(FLAG_KINDS.map((kind) => [kind, 0])) as Record<FlagKind, number>,
        flaggedLines: 0,
        duplicateLines: 0,
        unmatchedLines: 0,
        approvedAmount: 0,
        disputedAmount: 0,
        pendingAmount: 0,
        approvedLines: 0,
        disputedLines: 0,
        pendingLines: 0,
      };
      rows.set(key, row);
    }
    row.invoices += 1;
    row.lines += invoice.lineCount;
    row.billedTotal += invoice.billedTotal;
    row.ratedTotal += invoice.ratedTotal;
    row.difference += invoice.difference;
    for (const kind of FLAG_KINDS) row.flags[kind] += invoice.flags[kind] ?? 0;
    row.flaggedLines += invoice.flaggedLines;
    row.duplicateLines += invoice.duplicateLines;
    row.unmatchedLines += invoice.unmatchedLines;
    row.approvedAmount += invoice.approvedAmount;
    row.disputedAmount += invoice.disputedAmount;
    row.pendingAmount += invoice.billedTotal - invoice.approvedAmount - invoice.disputedAmount;
    row.approvedLines += invoice.approvedLines;
    row.disputedLines += invoice.disputedLines;
    row.pendingLines += invoice.pendingLines;
  }
  return {
    from: query.from,
    to: query.to,
    ...(carrier ? { carrier } : {}),
    carriers: [...rows.values()].sort(
      (a, b) => a.carrier.localeCompare(b.carrier) || a.currency.localeCompare(b.currency),
    ),
  };
}

/** Runs `fn` over `items` with at most `limit` at a time, results in the items' order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const index = next;
      next += 1;
      if (index >= items.length) return;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
