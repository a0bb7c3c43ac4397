import { BatchWriteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type {
  AuditFlag,
  BilledBefore,
  FlagKind,
  InvoiceStatus,
  LineStatus,
  ParsedInvoiceLine,
} from '../domain/freight-audit.js';
import type { Deps } from '../runtime/deps.js';
import { batchGet, indexKeys, partitionItems, stripKeys, writeIfCondition } from './db.js';
import { gsi1, keys } from './keys.js';
import type { ShipmentRecord } from './orders.js';

/** One imported carrier invoice (docs/freight-audit.md); its lines are items of the same partition. */
export interface FreightInvoiceRecord {
  id: string;
  invoiceNumber: string;
  carrier: string;
  invoiceDate: string;
  currency: string;
  status: InvoiceStatus;
  /** SHA-256 of the invoice's rows as imported: the same file again is a no-op, a changed one a 409. */
  contentHash: string;
  lineCount: number;
  billedTotal: number;
  /** Σ rated amounts of the lines matched to a shipment rated in the invoice's currency. */
  ratedTotal: number;
  /** Σ (billed − rated) over those lines. */
  difference: number;
  /** Flags by kind (a line can carry several). */
  flags: Partial<Record<FlagKind, number>>;
  flaggedLines: number;
  duplicateLines: number;
  unmatchedLines: number;
  pendingLines: number;
  approvedLines: number;
  disputedLines: number;
  approvedAmount: number;
  disputedAmount: number;
  /** Each approval and dispute, oldest first. */
  decisions: {
    at: string;
    action: 'approve' | 'dispute';
    lines: number[];
    amount: number;
    reason?: string;
  }[];
  importedAt: string;
  updatedAt: string;
  /** Optimistic lock of every decision. */
  version: number;
}

/** A parsed invoice line as stored: what the carrier billed, what it matched, how it was audited and decided. */
export interface FreightInvoiceLineRecord extends ParsedInvoiceLine {
  invoiceId: string;
  shipmentId?: string;
  orderId?: string;
  rated?: number;
  ratedCurrency?: string;
  difference?: number;
  flags: AuditFlag[];
  status: LineStatus;
  overrideReason?: string;
  disputeReason?: string;
  decidedAt?: string;
}

/** The invoice header and its lines, in line order (one Query of the invoice's partition, consistent). */
export async function readFreightInvoice(
  deps: Deps,
  invoiceId: string,
): Promise<{ invoice: FreightInvoiceRecord; lines: FreightInvoiceLineRecord[] } | undefined> {
  const items = await partitionItems(deps, keys.freightInvoicePartition(invoiceId));
  const header = items.find((item) => item.sk === 'INVOICE');
  if (!header) return undefined;
  const invoice = stripKeys<FreightInvoiceRecord>(header);
  return {
    invoice,
    // Lines of the committed file only: an interrupted import of another file under the same number may have
    // left lines (more of them, or other content) that its header never committed.
    lines: items
      .filter(
        (item) =>
          String(item.sk).startsWith('LINE#') &&
          Number(item.line) <= invoice.lineCount &&
          (item.contentHash === undefined || item.contentHash === invoice.contentHash),
      )
      .map((item) => {
        const { contentHash: _hash, ...line } = stripKeys<
          FreightInvoiceLineRecord & { contentHash?: string }
        >(item);
        return line;
      }),
  };
}

export async function getFreightInvoiceHeader(
  deps: Deps,
  invoiceId: string,
): Promise<FreightInvoiceRecord | undefined> {
  const result = await deps.db.send(
    new GetCommand({ TableName: deps.tableName, Key: keys.freightInvoice(invoiceId), ConsistentRead: true }),
  );
  return result.Item ? stripKeys<FreightInvoiceRecord>(result.Item) : undefined;
}

/**
 * Writes the lines (BatchWriteItem, 25 a call; a repeat writes the same items again), then the header with
 * `attribute_not_exists`: the header is the commit point, readers go through it, so lines without a header
 * are invisible and an interrupted import is completed by importing the file again. False when the header
 * already existed.
 */
export async function putFreightInvoice(
  deps: Deps,
  invoice: FreightInvoiceRecord,
  lines: FreightInvoiceLineRecord[],
): Promise<boolean> {
  const items = lines.map((line) => ({
    ...keys.freightInvoiceLine(invoice.id, line.line),
    entity: 'FreightInvoiceLine',
    entityVersion: 1,
    ...line,
    // Which file wrote it: a reader keeps only the committed file's lines (readFreightInvoice).
    contentHash: invoice.contentHash,
  }));
  for (let start = 0; start < items.length; start += 25) {
    let pending = items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (attempt >= 8) throw new Error(`BatchWriteItem left ${pending.length} invoice line(s) unprocessed`);
      if (attempt > 0) await new Promise((done) => setTimeout(done, Math.min(1000, 20 * 2 ** attempt)));
      const result = await deps.db.send(
        new BatchWriteCommand({ RequestItems: { [deps.tableName]: pending } }),
      );
      pending = (result.UnprocessedItems?.[deps.tableName] ?? []) as typeof pending;
    }
  }
  return await writeIfCondition(
    deps,
    new PutCommand({
      TableName: deps.tableName,
      Item: {
        ...keys.freightInvoice(invoice.id),
        gsi1pk: gsi1.freightInvoices,
        gsi1sk: `${invoice.invoiceDate}#${invoice.carrier}#${invoice.id}`,
        entity: 'FreightInvoice',
        entityVersion: 1,
        ...invoice,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
}

/**
 * Claims `claim` for an invoice line: the first line to bill it owns it. A repeat by the same line (an
 * import resumed) keeps it; any other line gets the owner back, which makes it a duplicate.
 */
export async function claimBilled(
  deps: Deps,
  claim: string,
  owner: BilledBefore & { carrier: string; at: string },
): Promise<BilledBefore | undefined> {
  const claimed = await writeIfCondition(
    deps,
    new PutCommand({
      TableName: deps.tableName,
      Item: { ...keys.freightBilled(claim), entity: 'FreightBilled', entityVersion: 1, claim, ...owner },
      ConditionExpression: 'attribute_not_exists(pk) OR (invoiceId = :invoice AND #line = :line)',
      ExpressionAttributeNames: { '#line': 'line' },
      ExpressionAttributeValues: { ':invoice': owner.invoiceId, ':line': owner.line },
    }),
  );
  if (claimed) return undefined;
  const result = await deps.db.send(
    new GetCommand({ TableName: deps.tableName, Key: keys.freightBilled(claim), ConsistentRead: true }),
  );
  const item = result.Item as (BilledBefore & Record<string, unknown>) | undefined;
  return item
    ? { invoiceId: item.invoiceId, invoiceNumber: item.invoiceNumber, line: item.line }
    : { invoiceId: 'unknown', invoiceNumber: 'unknown', line: 0 };
}

/** Shipments whose tracking/PRO number is `reference` (gsi1, keys only, then the items). */
export async function shipmentsByTracking(
  deps: Deps,
  reference: string,
): Promise<(ShipmentRecord & { orderId: string })[]> {
  const found = await indexKeys(deps, 'gsi1', gsi1.shipmentTracking(reference));
  if (found.length === 0) return [];
  const items = await batchGet(deps, found);
  return items
    .filter((item) => String(item.sk).startsWith('SHIPMENT#'))
    .map((item) => ({ ...stripKeys<ShipmentRecord>(item), orderId: String(item.pk).replace(/^ORDER#/, '') }));
}

/** A shipment by its id (`sh_<order hash>_<n>`: the order is in the id), as printed as BOL number. */
export async function shipmentById(
  deps: Deps,
  shipmentId: string,
): Promise<(ShipmentRecord & { orderId: string }) | undefined> {
  const match = /^sh_([0-9a-z]+)_\d+$/i.exec(shipmentId.trim());
  if (!match) return undefined;
  const orderId = `ord_${match[1]?.toLowerCase()}`;
  const result = await deps.db.send(
    new GetCommand({
      TableName: deps.tableName,
      Key: keys.shipment(orderId, shipmentId.trim().toLowerCase()),
    }),
  );
  return result.Item ? { ...stripKeys<ShipmentRecord>(result.Item), orderId } : undefined;
}

/** Invoice headers with an invoice date in [from, to] (gsi1, keys only, then the items). */
export async function freightInvoicesBetween(
  deps: Deps,
  from: string,
  to: string,
): Promise<FreightInvoiceRecord[]> {
  const found = await indexKeys(deps, 'gsi1', gsi1.freightInvoices, { between: [from, `${to}~`] });
  const items = await batchGet(deps, found);
  return items.filter((item) => item.sk === 'INVOICE').map((item) => stripKeys<FreightInvoiceRecord>(item));
}
