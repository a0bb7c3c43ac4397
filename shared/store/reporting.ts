import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { ORDER_STATUSES } from '../domain/order.js';
import type { AbandonedCart, Disruption, ReportOrder, StockRow } from '../domain/reporting.js';
import type { Deps } from '../runtime/deps.js';
import { batchGet, type ItemKey } from './db.js';
import { gsi1, gsi2, keys } from './keys.js';
import { eachOrderInStatus } from './order-index.js';
import type { OrderRecord } from './orders.js';

/**
 * The reads of the daily report (docs/reports.md, "What it reads"). Everything here reads; the report never
 * writes to the table. Both indexes project keys only: index reads are keys, then BatchGetItem.
 */

/** What the report keeps of an order: no customer, address or payment. */
function reportOrderOf(order: OrderRecord): ReportOrder {
  const promisedBy = (order as { promisedBy?: unknown }).promisedBy;
  return {
    id: order.id,
    channel: order.channel,
    currency: order.currency,
    status: order.status,
    placedAt: order.placedAt,
    updatedAt: order.updatedAt,
    ...(typeof promisedBy === 'string' ? { promisedBy } : {}),
    lines: order.lines.map((line) => ({
      sku: line.sku,
      quantity: line.quantity,
      unitPrice: line.unitPrice,
      discount: line.discount ?? 0,
    })),
    totals: order.totals,
    allocations: (order.allocations ?? []).map((allocation) => ({
      locationId: allocation.locationId,
      lines: allocation.lines.map((line) => ({ sku: line.sku, quantity: line.quantity })),
    })),
  };
}

/**
 * Every order that entered its current status at or after `since`, whatever the status: one status-index
 * window per status (in parallel), then the orders. An order placed at or after `since` is always among
 * them, since it entered its status no earlier than it was stored.
 */
export async function ordersEnteredSince(deps: Deps, since: string): Promise<ReportOrder[]> {
  const perStatus = await Promise.all(
    ORDER_STATUSES.map(async (status) => {
      const orders: ReportOrder[] = [];
      for await (const order of eachOrderInStatus(deps, status, { enteredAfter: since })) {
        orders.push(reportOrderOf(order));
      }
      return orders;
    }),
  );
  return perStatus.flat().sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export interface FulfillmentItems {
  shipments: { id: string; locationId: string; carrier: string; createdAt: string }[];
  pickTickets: { id: string; locationId: string; createdAt: string; confirmedAt?: string }[];
}

async function queryPrefix(
  deps: Deps,
  orderId: string,
  prefix: string,
  attributes: readonly string[],
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await deps.db.send(
      new QueryCommand({
        TableName: deps.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.orderPartition(orderId), ':prefix': prefix },
        ProjectionExpression: attributes.map((_, i) => `#a${i}`).join(', '),
        ExpressionAttributeNames: Object.fromEntries(attributes.map((name, i) => [`#a${i}`, name])),
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** An order's shipments and pick tickets, the attributes the fulfillment times need. */
export async function fulfillmentItems(deps: Deps, orderId: string): Promise<FulfillmentItems> {
  const [shipments, tickets] = await Promise.all([
    queryPrefix(deps, orderId, 'SHIPMENT#', ['id', 'locationId', 'carrier', 'createdAt']),
    queryPrefix(deps, orderId, 'PICK#', ['id', 'locationId', 'createdAt', 'confirmedAt']),
  ]);
  return {
    shipments: shipments.map((item) => ({
      id: String(item.id),
      locationId: String(item.locationId),
      carrier: String(item.carrier),
      createdAt: String(item.createdAt),
    })),
    pickTickets: tickets.map((item) => ({
      id: String(item.id),
      locationId: String(item.locationId),
      createdAt: String(item.createdAt),
      ...(typeof item.confirmedAt === 'string' ? { confirmedAt: item.confirmedAt } : {}),
    })),
  };
}

export type StockBucketRow = StockRow & { bucket: number };

/** Every stock row (each bucket its own), as the reorder job reads them: a filtered scan (pattern 43). */
export async function allStockRows(deps: Deps): Promise<StockBucketRow[]> {
  const rows: StockBucketRow[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await deps.db.send(
      new ScanCommand({
        TableName: deps.tableName,
        FilterExpression: 'entity = :stock',
        ProjectionExpression: 'sku, locationId, #bucket, onHand, reserved, safetyStock',
        // BUCKET is a DynamoDB reserved word.
        ExpressionAttributeNames: { '#bucket': 'bucket' },
        ExpressionAttributeValues: { ':stock': 'Stock' },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      rows.push({
        sku: String(item.sku),
        locationId: String(item.locationId),
        bucket: Number(item.bucket ?? 0),
        onHand: Number(item.onHand ?? 0),
        reserved: Number(item.reserved ?? 0),
        safetyStock: Number(item.safetyStock ?? 0),
      });
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return rows;
}

/**
 * Units shipped from one stock bucket at one location in [from, to): its `shipment` movements, read as a
 * sort-key range of the bucket's partition (`MOVEMENT#<loc>#<at>#<id>`, so `MOVEMENT#<loc>#<to>` is past
 * every movement before `to`).
 */
export async function shippedUnits(
  deps: Deps,
  row: { sku: string; locationId: string; bucket: number },
  from: string,
  to: string,
): Promise<number> {
  let units = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await deps.db.send(
      new QueryCommand({
        TableName: deps.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        FilterExpression: '#type = :shipment',
        ProjectionExpression: 'delta',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: {
          ':pk': keys.stockPartition(row.sku, row.bucket),
          ':from': `MOVEMENT#${row.locationId}#${from}`,
          ':to': `MOVEMENT#${row.locationId}#${to}`,
          ':shipment': 'shipment',
        },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) units -= Number(item.delta ?? 0);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return units;
}

async function indexKeys(
  deps: Deps,
  index: 'gsi1' | 'gsi2',
  condition: string,
  values: Record<string, unknown>,
): Promise<ItemKey[]> {
  const entries: ItemKey[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await deps.db.send(
      new QueryCommand({
        TableName: deps.tableName,
        IndexName: index,
        KeyConditionExpression: condition,
        ExpressionAttributeValues: values,
        ExclusiveStartKey: startKey,
      }),
    );
    entries.push(...((page.Items ?? []) as ItemKey[]));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return entries;
}

/** Carts abandoned on a day: gsi2 `CARTS#ABANDONED#<day>` keys, then the carts (shape: docs/reports.md). */
export async function abandonedCartsOn(deps: Deps, day: string): Promise<AbandonedCart[]> {
  const entries = await indexKeys(deps, 'gsi2', 'gsi2pk = :pk', { ':pk': gsi2.abandonedCarts(day) });
  const items = await batchGet(deps, entries);
  return items.map((item) => ({
    id: String(item.id ?? String(item.pk).replace(/^CART#/, '')),
    status: String(item.status),
    abandonedAt: String(item.abandonedAt),
    ...(typeof item.cause === 'string' ? { cause: item.cause } : {}),
    ...(typeof item.currency === 'string' ? { currency: item.currency } : {}),
    ...(typeof item.subtotal === 'number' ? { subtotal: item.subtotal } : {}),
    ...(Array.isArray(item.lines) ? { lines: item.lines as AbandonedCart['lines'] } : {}),
  }));
}

/**
 * Disruptions that started in [from, to): gsi1 `DISRUPTIONS` (sort key `<startsAt>#<id>`) keys, then the
 * disruptions, without their impact lists.
 */
export async function disruptionsStarted(deps: Deps, from: string, to: string): Promise<Disruption[]> {
  const entries = await indexKeys(deps, 'gsi1', 'gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to', {
    ':pk': gsi1.disruptions,
    ':from': from,
    ':to': to,
  });
  const items = await batchGet(deps, entries);
  return items.map((item) => ({
    id: String(item.id),
    kind: String(item.kind),
    severity: typeof item.severity === 'number' ? item.severity : String(item.severity),
    startsAt: String(item.startsAt),
    endsAt: String(item.endsAt),
    area: item.area,
    ...(Array.isArray(item.carriers) ? { carriers: item.carriers.map(String) } : {}),
    ...(Array.isArray(item.locations) ? { locations: item.locations.map(String) } : {}),
    affectedOrders: Number(item.affectedOrders ?? 0),
    repromised: Number(item.repromised ?? 0),
    ...(typeof item.createdAt === 'string' ? { createdAt: item.createdAt } : {}),
  }));
}
