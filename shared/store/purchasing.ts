import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  OPEN_PURCHASE_ORDER_STATUSES,
  type PurchaseOrder,
  type PurchaseOrderReceipt,
  type PurchaseOrderStatus,
  type SkuSupplier,
  type Supplier,
} from '../domain/purchasing.js';
import type { DomainEvent } from '../events/envelope.js';
import type { Deps } from '../runtime/deps.js';
import {
  batchGet,
  encodeCursor,
  type ItemKey,
  indexKeys,
  indexStartKey,
  isConditionFailure,
  type TransactItem,
} from './db.js';
import { stockBucketCount } from './inventory.js';
import { gsi1, gsi2, keys } from './keys.js';
import type { TimelineEntry } from './orders.js';
import { changeAttributes, withChange } from './outbox.js';

/**
 * Suppliers, SKU ↔ supplier links and purchase orders in the single table (docs/data-model.md, patterns
 * 50–62; docs/purchasing.md), and the shipment history the reorder job measures demand from.
 */

const BOOKKEEPING = new Set([
  'pk',
  'sk',
  'gsi1pk',
  'gsi1sk',
  'gsi2pk',
  'gsi2sk',
  'entity',
  'entityVersion',
  'outbox',
  'outboxId',
  'appliedReceiptLines',
  'receiptIds',
  'version',
]);

const strip = <T>(item: Record<string, unknown>): T =>
  Object.fromEntries(Object.entries(item).filter(([name]) => !BOOKKEEPING.has(name))) as T;

// ----- Suppliers ---------------------------------------------------------------------------------------

export type SupplierRecord = Supplier & { createdAt: string; updatedAt: string };

/** Creates (`create`: only if new, else a condition failure) or replaces a supplier. */
export async function putSupplier(
  deps: Deps,
  supplier: Supplier,
  options: { create?: boolean } = {},
): Promise<SupplierRecord> {
  const now = deps.clock.now().toISOString();
  const existing = options.create ? undefined : await getSupplier(deps, supplier.id);
  const record: SupplierRecord = { ...supplier, createdAt: existing?.createdAt ?? now, updatedAt: now };
  await deps.db.send(
    new PutCommand({
      TableName: deps.tableName,
      Item: {
        ...keys.supplier(supplier.id),
        gsi1pk: gsi1.suppliers,
        gsi1sk: supplier.id,
        entity: 'Supplier',
        entityVersion: 1,
        ...record,
      },
      ...(options.create ? { ConditionExpression: 'attribute_not_exists(pk)' } : {}),
    }),
  );
  return record;
}

export async function getSupplier(deps: Deps, supplierId: string): Promise<SupplierRecord | undefined> {
  const result = await deps.db.send(
    new GetCommand({ TableName: deps.tableName, Key: keys.supplier(supplierId), ConsistentRead: true }),
  );
  return result.Item ? strip<SupplierRecord>(result.Item) : undefined;
}

export async function listSuppliers(deps: Deps): Promise<SupplierRecord[]> {
  const items = await batchGet(deps, await indexKeys(deps, 'gsi1', gsi1.suppliers));
  return items.map((item) => strip<SupplierRecord>(item));
}

// ----- SKU ↔ supplier -----------------------------------------------------------------------------------

export type SkuSupplierRecord = SkuSupplier & { updatedAt: string };

export async function putSkuSupplier(deps: Deps, link: SkuSupplier): Promise<SkuSupplierRecord> {
  const record: SkuSupplierRecord = { ...link, updatedAt: deps.clock.now().toISOString() };
  await deps.db.send(
    new PutCommand({
      TableName: deps.tableName,
      Item: {
        ...keys.skuSupplier(link.sku),
        gsi1pk: gsi1.suppliedSkus,
        gsi1sk: link.sku,
        entity: 'SkuSupplier',
        entityVersion: 1,
        ...record,
      },
    }),
  );
  return record;
}

export async function getSkuSupplier(deps: Deps, sku: string): Promise<SkuSupplierRecord | undefined> {
  const result = await deps.db.send(
    new GetCommand({ TableName: deps.tableName, Key: keys.skuSupplier(sku), ConsistentRead: true }),
  );
  return result.Item ? strip<SkuSupplierRecord>(result.Item) : undefined;
}

/** Every SKU that has a supplier, by SKU. */
export async function listSkuSuppliers(deps: Deps): Promise<SkuSupplierRecord[]> {
  const items = await batchGet(deps, await indexKeys(deps, 'gsi1', gsi1.suppliedSkus));
  return items.map((item) => strip<SkuSupplierRecord>(item));
}

// ----- Purchase orders -----------------------------------------------------------------------------------

export type PurchaseOrderRecord = PurchaseOrder & { timeline?: TimelineEntry[] };

const statusKeys = (status: PurchaseOrderStatus, at: string, id: string) => ({
  gsi2pk: gsi2.purchaseOrderStatus(status),
  gsi2sk: `${at}#${id}`,
});

/** Stores a new purchase order (`attribute_not_exists`), with its first timeline line. */
export async function createPurchaseOrder(
  deps: Deps,
  order: PurchaseOrder,
  timeline: TimelineEntry,
): Promise<void> {
  await deps.db.send(
    new PutCommand({
      TableName: deps.tableName,
      Item: {
        ...keys.purchaseOrder(order.id),
        gsi1pk: gsi1.purchaseOrders,
        gsi1sk: `${order.createdAt}#${order.id}`,
        ...statusKeys(order.status, order.createdAt, order.id),
        entity: 'PurchaseOrder',
        entityVersion: 1,
        ...order,
        version: 1,
        ...changeAttributes(deps, { timeline: [timeline] }),
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
}

interface StoredPurchaseOrder {
  order: PurchaseOrderRecord;
  version: number;
  appliedReceiptLines: Set<string>;
}

export async function readPurchaseOrder(deps: Deps, id: string): Promise<StoredPurchaseOrder | undefined> {
  const result = await deps.db.send(
    new GetCommand({ TableName: deps.tableName, Key: keys.purchaseOrder(id), ConsistentRead: true }),
  );
  if (!result.Item) return undefined;
  const applied = result.Item.appliedReceiptLines;
  return {
    order: strip<PurchaseOrderRecord>(result.Item),
    version: Number(result.Item.version ?? 1),
    appliedReceiptLines: new Set(applied instanceof Set ? [...applied].map(String) : []),
  };
}

export async function getPurchaseOrder(deps: Deps, id: string): Promise<PurchaseOrderRecord | undefined> {
  return (await readPurchaseOrder(deps, id))?.order;
}

/** Purchase orders in one of the open statuses (their outstanding units are on order). */
export async function openPurchaseOrders(deps: Deps): Promise<PurchaseOrderRecord[]> {
  const keyLists = await Promise.all(
    OPEN_PURCHASE_ORDER_STATUSES.map((status) => indexKeys(deps, 'gsi2', gsi2.purchaseOrderStatus(status))),
  );
  const items = await batchGet(deps, keyLists.flat(), { consistent: true });
  // The index lags the table: an order that has left the open statuses since is dropped.
  return items
    .map((item) => strip<PurchaseOrderRecord>(item))
    .filter((order) => OPEN_PURCHASE_ORDER_STATUSES.includes(order.status));
}

/**
 * One page of purchase orders, newest first: by status (the time they entered it) or all of them (by
 * creation). A cursor is accepted only by the listing that returned it.
 */
export async function listPurchaseOrders(
  deps: Deps,
  query: { status?: PurchaseOrderStatus; limit: number; cursor?: string },
): Promise<{ items: PurchaseOrderRecord[]; nextCursor?: string }> {
  const index = query.status ? 'gsi2' : 'gsi1';
  const partition = query.status ? gsi2.purchaseOrderStatus(query.status) : gsi1.purchaseOrders;
  const startKey = indexStartKey(query.cursor, index, partition);
  const page = await deps.db.send(
    new QueryCommand({
      TableName: deps.tableName,
      IndexName: index,
      KeyConditionExpression: `${index}pk = :pk`,
      ExpressionAttributeValues: { ':pk': partition },
      ScanIndexForward: false,
      Limit: query.limit,
      ExclusiveStartKey: startKey,
    }),
  );
  const items = (await batchGet(deps, (page.Items ?? []) as ItemKey[]))
    .map((item) => strip<PurchaseOrderRecord>(item))
    .filter((order) => !query.status || order.status === query.status);
  const nextCursor = encodeCursor(page.LastEvaluatedKey);
  return { items, ...(nextCursor ? { nextCursor } : {}) };
}

/** draft → sent, with `PurchaseOrderSent` on the item. False when the order was no longer a draft. */
export async function markPurchaseOrderSent(
  deps: Deps,
  order: PurchaseOrder,
  sent: { at: string; expectedBy: string; message: { id: string; uri?: string }; events: DomainEvent[] },
): Promise<boolean> {
  const update = withChange(
    deps,
    {
      UpdateExpression:
        'SET #status = :sent, sentAt = :at, expectedBy = :expectedBy, message = :message, updatedAt = :at, ' +
        'gsi2pk = :gsi2pk, gsi2sk = :gsi2sk, version = version + :one',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':sent': 'sent',
        ':draft': 'draft',
        ':at': sent.at,
        ':expectedBy': sent.expectedBy,
        ':message': sent.message,
        ':one': 1,
        ...prefixed(statusKeys('sent', sent.at, order.id)),
      },
    },
    {
      events: sent.events,
      timeline: [
        {
          type: 'PurchaseOrderSent',
          at: sent.at,
          detail: { to: order.supplierEmail, expectedBy: sent.expectedBy },
        },
      ],
    },
  );
  return await conditional(
    new UpdateCommand({
      TableName: deps.tableName,
      Key: keys.purchaseOrder(order.id),
      ...update,
      ConditionExpression: '#status = :draft',
    }),
    deps,
  );
}

const prefixed = (values: Record<string, string>) =>
  Object.fromEntries(Object.entries(values).map(([name, value]) => [`:${name}`, value]));

async function conditional(command: UpdateCommand, deps: Deps): Promise<boolean> {
  try {
    await deps.db.send(command);
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/**
 * The purchase order's part of one receipt line, written in the stock adjustment's transaction: the line's
 * `received` grows by the quantity, the line's key joins `appliedReceiptLines` (so a retry of the receipt
 * cannot apply it twice), and the order must still take receipts and have that much outstanding.
 */
export function receiptLineItem(
  deps: Deps,
  order: PurchaseOrder,
  line: { index: number; quantity: number; key: string },
  now: string,
): TransactItem {
  const target = order.lines[line.index];
  if (!target) throw new Error(`purchase order ${order.id} has no line ${line.index}`);
  const update = withChange(
    deps,
    {
      UpdateExpression: `SET #lines[${line.index}].received = #lines[${line.index}].received + :q, updatedAt = :now, version = version + :one ADD appliedReceiptLines :key`,
      // LINES is a DynamoDB reserved word.
      ExpressionAttributeNames: { '#status': 'status', '#lines': 'lines' },
      ExpressionAttributeValues: {
        ':q': line.quantity,
        ':now': now,
        ':one': 1,
        ':key': new Set([line.key]),
        ':keyText': line.key,
        ':max': target.quantity - line.quantity,
        ':sent': 'sent',
        ':partial': 'partially-received',
      },
    },
    {},
  );
  return {
    Update: {
      TableName: deps.tableName,
      Key: keys.purchaseOrder(order.id),
      ...update,
      ConditionExpression:
        `#status IN (:sent, :partial) AND NOT contains(appliedReceiptLines, :keyText) ` +
        `AND #lines[${line.index}].received <= :max`,
    },
  };
}

/**
 * Records a receipt whose lines are all applied: appended to `receipts`, the status moved to what the
 * received quantities say. Optimistic on the order's version (another receipt may be landing); false when
 * the version moved or the receipt is already recorded, and the caller reads again.
 */
export async function recordReceipt(
  deps: Deps,
  stored: StoredPurchaseOrder,
  receipt: PurchaseOrderReceipt,
  status: PurchaseOrderStatus,
): Promise<boolean> {
  const { order } = stored;
  const moves = status !== order.status;
  const update = withChange(
    deps,
    {
      UpdateExpression:
        'SET #status = :status, receipts = list_append(if_not_exists(receipts, :none), :receipt), ' +
        `updatedAt = :at, version = version + :one${moves ? ', gsi2pk = :gsi2pk, gsi2sk = :gsi2sk' : ''} ` +
        'ADD receiptIds :rid',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':status': status,
        ':none': [],
        ':receipt': [receipt],
        ':at': receipt.at,
        ':one': 1,
        ':rid': new Set([receipt.id]),
        ':ridText': receipt.id,
        ':version': stored.version,
        ...(moves ? prefixed(statusKeys(status, receipt.at, order.id)) : {}),
      },
    },
    {
      timeline: [
        {
          type: status === 'received' ? 'PurchaseOrderReceived' : 'PurchaseOrderPartiallyReceived',
          at: receipt.at,
          detail: {
            receiptId: receipt.id,
            units: receipt.lines.reduce((sum, line) => sum + line.quantity, 0),
          },
        },
      ],
    },
  );
  return await conditional(
    new UpdateCommand({
      TableName: deps.tableName,
      Key: keys.purchaseOrder(order.id),
      ...update,
      ConditionExpression: 'version = :version AND NOT contains(receiptIds, :ridText)',
    }),
    deps,
  );
}

/** draft or sent → cancelled, only while nothing has been received. */
export async function cancelPurchaseOrderItem(
  deps: Deps,
  order: PurchaseOrder,
  cancel: { at: string; reason: string },
): Promise<boolean> {
  const update = withChange(
    deps,
    {
      UpdateExpression:
        'SET #status = :cancelled, cancelledAt = :at, cancelReason = :reason, updatedAt = :at, ' +
        'gsi2pk = :gsi2pk, gsi2sk = :gsi2sk, version = version + :one',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':cancelled': 'cancelled',
        ':draft': 'draft',
        ':sent': 'sent',
        ':at': cancel.at,
        ':reason': cancel.reason,
        ':one': 1,
        ...prefixed(statusKeys('cancelled', cancel.at, order.id)),
      },
    },
    { timeline: [{ type: 'PurchaseOrderCancelled', at: cancel.at, detail: { reason: cancel.reason } }] },
  );
  return await conditional(
    new UpdateCommand({
      TableName: deps.tableName,
      Key: keys.purchaseOrder(order.id),
      ...update,
      ConditionExpression: '#status IN (:draft, :sent) AND attribute_not_exists(appliedReceiptLines)',
    }),
    deps,
  );
}

// ----- Demand history -----------------------------------------------------------------------------------

/**
 * Units shipped of a SKU from a location with `from <= at < to` (ISO times), from the `shipment` movements
 * of every bucket: one range Query per bucket partition on `MOVEMENT#<loc>#<at>`.
 */
export async function shipmentsBetween(
  deps: Deps,
  sku: string,
  locationId: string,
  from: string,
  to: string,
  buckets?: number,
): Promise<{ at: string; quantity: number }[]> {
  const count = buckets ?? (await stockBucketCount(deps, sku));
  const pages = await Promise.all(
    Array.from({ length: count }, async (_, bucket) => {
      const rows: { at: string; quantity: number }[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await deps.db.send(
          new QueryCommand({
            TableName: deps.tableName,
            // `MOVEMENT#<loc>#<to>` sorts before every movement at `to` (their keys go on with `#<id>`).
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
            FilterExpression: '#type = :shipment',
            ProjectionExpression: '#at, delta',
            ExpressionAttributeNames: { '#type': 'type', '#at': 'at' },
            ExpressionAttributeValues: {
              ':pk': keys.stockPartition(sku, bucket),
              ':from': `MOVEMENT#${locationId}#${from}`,
              ':to': `MOVEMENT#${locationId}#${to}`,
              ':shipment': 'shipment',
            },
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) {
          rows.push({ at: String(item.at), quantity: -Number(item.delta ?? 0) });
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return rows;
    }),
  );
  return pages.flat();
}
