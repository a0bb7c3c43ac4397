import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.js';
import type { DomainEvent } from '../events/envelope.js';
import type { Deps } from '../runtime/deps.js';
import { failedConditionIndexes, isConditionFailure, type TransactItem } from './db.js';
import { keys } from './keys.js';
import { getLocation } from './locations.js';
import { outboxItem } from './outbox.js';

export type { LocationRecord } from './locations.js';
export { getLocation, listLocations, putLocation } from './locations.js';

/**
 * One stock bucket of a SKU at a location. A normal SKU has one bucket; a hot SKU has several, in separate
 * partitions, each holding part of the location's stock. `available` is kept equal to
 * onHand − reserved − safetyStock by every write, because a DynamoDB condition cannot subtract.
 */
export interface StockBucket {
  sku: string;
  locationId: string;
  bucket: number;
  onHand: number;
  reserved: number;
  /** Held back from promising; kept on bucket 0 only. */
  safetyStock: number;
  available: number;
  /** Where the SKU sits at the location, set with `PUT /locations/{id}/bins/{sku}`; only on bucket 0. */
  bin?: string;
}

/** A SKU at a location, its buckets added up. `available` is available-to-promise: never negative. */
export interface StockRecord {
  sku: string;
  locationId: string;
  onHand: number;
  reserved: number;
  safetyStock: number;
  available: number;
  buckets: number;
}

export type AdjustmentType = 'receipt' | 'count' | 'damage' | 'correction';

export interface Movement {
  sku: string;
  locationId: string;
  bucket: number;
  type: AdjustmentType | 'shipment';
  delta: number;
  reason: string;
  reference?: string;
  at: string;
}

/** Writes per second one partition takes on AWS; beyond it a flash sale needs buckets. */
export const PARTITION_WRITE_LIMIT = 1000;
export const MAX_BUCKETS = 32;

export async function stockBucketCount(deps: Deps, sku: string): Promise<number> {
  const result = await deps.db.send(
    new GetCommand({ TableName: deps.tableName, Key: keys.skuSettings(sku) }),
  );
  return Number(result.Item?.buckets ?? 1);
}

/**
 * Spreads a SKU over `buckets` partitions. New buckets start empty and fill from receipts and counts; a
 * bucket that is dropped must hold no reservations, and its stock moves back to bucket 0.
 */
export async function setStockBuckets(deps: Deps, sku: string, buckets: number): Promise<void> {
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > MAX_BUCKETS) {
    throw new ValidationError(`buckets must be 1 to ${MAX_BUCKETS}`, [
      { field: 'buckets', message: 'out of range' },
    ]);
  }
  const current = await stockBucketCount(deps, sku);
  const now = deps.clock.now().toISOString();
  if (buckets < current) {
    const all = await stockBuckets(deps, sku, current);
    for (const dropped of all.filter((row) => row.bucket >= buckets)) {
      if (dropped.reserved > 0) {
        throw new ConflictError(
          `bucket ${dropped.bucket} of ${sku} at ${dropped.locationId} still holds reservations`,
        );
      }
      if (dropped.onHand === 0) continue;
      const id = deps.ids.next('mv');
      await mergeBucket(
        deps,
        sku,
        new TransactWriteCommand({
          TransactItems: [
            countItem(deps, dropped, 0, now),
            addOnHandItem(deps, sku, dropped.locationId, 0, dropped.onHand, now),
            movementItem(
              deps,
              { ...dropped, type: 'correction', delta: -dropped.onHand, reason: 'bucket merged', at: now },
              id,
            ),
            movementItem(
              deps,
              {
                ...dropped,
                bucket: 0,
                type: 'correction',
                delta: dropped.onHand,
                reason: 'bucket merged',
                at: now,
              },
              `${id}b`,
            ),
          ],
        }),
      );
    }
  }
  await deps.db.send(
    new PutCommand({
      TableName: deps.tableName,
      Item: {
        ...keys.skuSettings(sku),
        entity: 'SkuSettings',
        entityVersion: 1,
        sku,
        buckets,
        updatedAt: now,
      },
    }),
  );
}

/**
 * Moves a dropped bucket's stock back to bucket 0. Its count is conditional on the on-hand just read, so a
 * concurrent count, receipt or merge makes it fail: the caller's change is refused as a conflict to retry,
 * not a server error.
 */
async function mergeBucket(deps: Deps, sku: string, merge: TransactWriteCommand): Promise<void> {
  try {
    await deps.db.send(merge);
  } catch (error) {
    if (isConditionFailure(error)) {
      throw new ConflictError(`stock of ${sku} changed while its buckets were being merged; retry`);
    }
    throw error;
  }
}

/** Every bucket of a SKU at every location: one Query per bucket partition, in parallel. */
export async function stockBuckets(deps: Deps, sku: string, count?: number): Promise<StockBucket[]> {
  const buckets = count ?? (await stockBucketCount(deps, sku));
  const pages = await Promise.all(
    Array.from({ length: buckets }, async (_, bucket) => {
      const rows: StockBucket[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await deps.db.send(
          new QueryCommand({
            TableName: deps.tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :stock)',
            ExpressionAttributeValues: { ':pk': keys.stockPartition(sku, bucket), ':stock': 'STOCK#' },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) {
          rows.push({
            sku,
            locationId: String(item.locationId),
            bucket,
            onHand: Number(item.onHand ?? 0),
            reserved: Number(item.reserved ?? 0),
            safetyStock: Number(item.safetyStock ?? 0),
            available: Number(item.available ?? 0),
            // The pick bin of the SKU at this location (docs/fulfillment.md), on bucket 0's row.
            ...(typeof item.bin === 'string' ? { bin: item.bin } : {}),
          });
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return rows;
    }),
  );
  return pages.flat();
}

export function aggregate(buckets: readonly StockBucket[]): StockRecord[] {
  const byLocation = new Map<string, StockRecord>();
  for (const row of buckets) {
    const record = byLocation.get(row.locationId) ?? {
      sku: row.sku,
      locationId: row.locationId,
      onHand: 0,
      reserved: 0,
      safetyStock: 0,
      available: 0,
      buckets: 0,
    };
    record.onHand += row.onHand;
    record.reserved += row.reserved;
    record.safetyStock += row.safetyStock;
    record.buckets += 1;
    byLocation.set(row.locationId, record);
  }
  return [...byLocation.values()]
    .map((record) => ({
      ...record,
      available: Math.max(0, record.onHand - record.reserved - record.safetyStock),
    }))
    .sort((a, b) => a.locationId.localeCompare(b.locationId));
}

export async function stockForSku(deps: Deps, sku: string): Promise<StockRecord[]> {
  return aggregate(await stockBuckets(deps, sku));
}

const countItem = (deps: Deps, row: StockBucket, onHand: number, now: string): TransactItem => ({
  Update: {
    TableName: deps.tableName,
    Key: keys.stock(row.sku, row.locationId, row.bucket),
    UpdateExpression: 'SET onHand = :onHand, available = available + :delta, updatedAt = :now',
    // Optimistic on on-hand: a count is only right against the figure it was computed from. Reservations
    // move `reserved`, not `onHand`, so they never conflict with a count.
    ConditionExpression: 'onHand = :expected AND reserved <= :onHand',
    ExpressionAttributeValues: {
      ':onHand': onHand,
      ':expected': row.onHand,
      ':delta': onHand - row.onHand,
      ':now': now,
    },
  },
});

const addOnHandItem = (
  deps: Deps,
  sku: string,
  locationId: string,
  bucket: number,
  delta: number,
  now: string,
): TransactItem => ({
  Update: {
    TableName: deps.tableName,
    Key: keys.stock(sku, locationId, bucket),
    UpdateExpression:
      'SET onHand = if_not_exists(onHand, :zero) + :delta, available = if_not_exists(available, :zero) + :delta, ' +
      'reserved = if_not_exists(reserved, :zero), safetyStock = if_not_exists(safetyStock, :zero), ' +
      'sku = :sku, locationId = :loc, #bucket = :bucket, updatedAt = :now, entity = :entity, entityVersion = :v',
    // BUCKET is a DynamoDB reserved word.
    ExpressionAttributeNames: { '#bucket': 'bucket' },
    ExpressionAttributeValues: {
      ':zero': 0,
      ':delta': delta,
      ':sku': sku,
      ':loc': locationId,
      ':bucket': bucket,
      ':now': now,
      ':entity': 'Stock',
      ':v': 2,
    },
  },
});

function movementItem(deps: Deps, movement: Movement, id: string): TransactItem {
  return {
    Put: {
      TableName: deps.tableName,
      Item: {
        ...keys.movement(movement.sku, movement.bucket, movement.locationId, movement.at, id),
        entity: 'StockMovement',
        entityVersion: 1,
        id,
        sku: movement.sku,
        locationId: movement.locationId,
        bucket: movement.bucket,
        type: movement.type,
        delta: movement.delta,
        reason: movement.reason,
        ...(movement.reference ? { reference: movement.reference } : {}),
        at: movement.at,
      },
    },
  };
}

/** Splits `total` into `parts` near-equal integers, the remainder going to the first ones. */
function spread(total: number, parts: number): number[] {
  return Array.from(
    { length: parts },
    (_, index) => Math.floor(total / parts) + (index < total % parts ? 1 : 0),
  );
}

/**
 * Applies a stock adjustment as one transaction: the bucket updates and their append-only movements are
 * written together, so on-hand always equals the sum of its movements. A receipt spreads over the buckets;
 * a count sets the total (each bucket keeps its reserved units and an even share of the rest); a damage
 * takes units that are not reserved.
 */
export async function adjustStock(
  deps: Deps,
  input: {
    locationId: string;
    sku: string;
    type: AdjustmentType;
    quantity: number;
    reason: string;
    reference?: string;
    /** Events to write with the adjustment (outbox), given the change in on-hand and the new on-hand. */
    events?: (delta: number, onHand: number) => DomainEvent[];
    /**
     * Items written in the same transaction, for a change the adjustment is part of (a purchase-order receipt
     * line). When one of their conditions fails nothing is written and `ConflictError` is thrown at once,
     * with `details.companion` set: the caller finds out why.
     */
    alsoWrite?: readonly TransactItem[];
  },
): Promise<{ stock: StockRecord; delta: number }> {
  if (!(await getLocation(deps, input.locationId))) {
    throw new NotFoundError(`location ${input.locationId} does not exist`);
  }
  for (let attempt = 0; ; attempt += 1) {
    const count = await stockBucketCount(deps, input.sku);
    const rows = (await stockBuckets(deps, input.sku, count)).filter(
      (row) => row.locationId === input.locationId,
    );
    const current = Array.from(
      { length: count },
      (_, bucket) =>
        rows.find((row) => row.bucket === bucket) ?? {
          sku: input.sku,
          locationId: input.locationId,
          bucket,
          onHand: 0,
          reserved: 0,
          safetyStock: 0,
          available: 0,
        },
    );
    const onHand = current.reduce((sum, row) => sum + row.onHand, 0);
    const reserved = current.reduce((sum, row) => sum + row.reserved, 0);
    let targets: number[];
    if (input.type === 'receipt') {
      targets = spread(input.quantity, count).map((add, index) => (current[index]?.onHand ?? 0) + add);
    } else if (input.type === 'count' || input.type === 'correction') {
      if (input.quantity < reserved) {
        throw new ConflictError(
          `a count of ${input.quantity} is below the ${reserved} units reserved at ${input.locationId}`,
          { field: 'quantity', reserved },
        );
      }
      const free = spread(input.quantity - reserved, count);
      targets = current.map((row, index) => row.reserved + (free[index] ?? 0));
    } else {
      if (input.quantity > onHand - reserved) {
        throw new ConflictError(
          `cannot write off ${input.quantity}: only ${onHand - reserved} of ${onHand} on hand are not reserved`,
          { field: 'quantity' },
        );
      }
      let left = input.quantity;
      targets = current.map((row) => {
        const take = Math.min(left, row.onHand - row.reserved);
        left -= take;
        return row.onHand - take;
      });
    }
    const now = deps.clock.now().toISOString();
    const items: TransactItem[] = [];
    current.forEach((row, index) => {
      const target = targets[index] ?? row.onHand;
      const delta = target - row.onHand;
      if (delta === 0) return;
      const exists = rows.some((existing) => existing.bucket === row.bucket);
      items.push(
        exists && input.type !== 'receipt'
          ? countItem(deps, row, target, now)
          : addOnHandItem(deps, input.sku, input.locationId, row.bucket, delta, now),
      );
      items.push(
        movementItem(
          deps,
          {
            ...row,
            type: input.type,
            delta,
            reason: input.reason,
            ...(input.reference ? { reference: input.reference } : {}),
            at: now,
          },
          deps.ids.next('mv'),
        ),
      );
    });
    if (items.length === 0 && rows.length === 0) {
      // A count of zero for a SKU never seen here still creates its stock row, so it shows (and can be
      // reserved against once stock arrives).
      items.push(addOnHandItem(deps, input.sku, input.locationId, 0, 0, now));
    }
    if (items.length === 0) {
      return { stock: aggregate(current)[0] ?? emptyRecord(input.sku, input.locationId), delta: 0 };
    }
    const newOnHand = targets.reduce((sum, target) => sum + target, 0);
    items.push(...outboxItem(deps, input.events?.(newOnHand - onHand, newOnHand) ?? []));
    const companions = items.length;
    items.push(...(input.alsoWrite ?? []));
    try {
      await deps.db.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (failedConditionIndexes(error).some((index) => index >= companions)) {
        throw new ConflictError('the change this adjustment belongs to is no longer possible', {
          companion: true,
        });
      }
      if (isConditionFailure(error) && attempt < 5) continue;
      if (isConditionFailure(error))
        throw new ConflictError('stock changed while it was being adjusted; retry');
      throw error;
    }
    const after = (await stockBuckets(deps, input.sku, count)).filter(
      (row) => row.locationId === input.locationId,
    );
    return {
      stock: aggregate(after)[0] ?? emptyRecord(input.sku, input.locationId),
      delta: targets.reduce((sum, target) => sum + target, 0) - onHand,
    };
  }
}

const emptyRecord = (sku: string, locationId: string): StockRecord => ({
  sku,
  locationId,
  onHand: 0,
  reserved: 0,
  safetyStock: 0,
  available: 0,
  buckets: 1,
});

/** Sets on-hand from a count (the walking skeleton's `PUT /inventory/{locationId}/{sku}`). */
export async function setOnHand(
  deps: Deps,
  locationId: string,
  sku: string,
  onHand: number,
): Promise<StockRecord> {
  return (
    await adjustStock(deps, { locationId, sku, type: 'count', quantity: onHand, reason: 'stock count' })
  ).stock;
}

/** Safety stock is held back from promising; it lives on bucket 0. */
export async function setSafetyStock(deps: Deps, locationId: string, sku: string, safetyStock: number) {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const row = (await stockBuckets(deps, sku, 1)).find((bucket) => bucket.locationId === locationId);
    const old = row?.safetyStock ?? 0;
    try {
      await deps.db.send(
        new TransactWriteCommand({
          TransactItems: [
            row
              ? {
                  Update: {
                    TableName: deps.tableName,
                    Key: keys.stock(sku, locationId, 0),
                    UpdateExpression: 'SET safetyStock = :new, available = available - :change',
                    ConditionExpression: 'safetyStock = :old',
                    ExpressionAttributeValues: {
                      ':new': safetyStock,
                      ':old': old,
                      ':change': safetyStock - old,
                    },
                  },
                }
              : addOnHandItem(deps, sku, locationId, 0, 0, deps.clock.now().toISOString()),
          ],
        }),
      );
      if (row) return;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
  throw new ConflictError('stock changed while safety stock was being set; retry');
}

/** How much of a location's SKU to take from which bucket, starting at a bucket chosen by `seed`. */
export function planBucketParts(
  buckets: readonly StockBucket[],
  quantity: number,
  seed: number,
): { bucket: number; quantity: number }[] | undefined {
  if (buckets.length === 0) return undefined;
  const sorted = [...buckets].sort((a, b) => a.bucket - b.bucket);
  const start = Math.abs(seed) % sorted.length;
  const parts: { bucket: number; quantity: number }[] = [];
  let left = quantity;
  for (let offset = 0; offset < sorted.length && left > 0; offset += 1) {
    const row = sorted[(start + offset) % sorted.length];
    if (!row || row.available <= 0) continue;
    const take = Math.min(left, row.available);
    parts.push({ bucket: row.bucket, quantity: take });
    left -= take;
  }
  return left === 0 ? parts : undefined;
}

/** Takes `quantity` from available into reserved; the condition is what makes overselling impossible. */
export const reserveItem = (
  deps: Deps,
  locationId: string,
  sku: string,
  quantity: number,
  now: string,
  bucket = 0,
): TransactItem => ({
  Update: {
    TableName: deps.tableName,
    Key: keys.stock(sku, locationId, bucket),
    UpdateExpression: 'SET reserved = reserved + :q, available = available - :q, updatedAt = :now',
    ConditionExpression: 'available >= :q',
    ExpressionAttributeValues: { ':q': quantity, ':now': now },
  },
});

export const releaseItem = (
  deps: Deps,
  locationId: string,
  sku: string,
  quantity: number,
  now: string,
  bucket = 0,
): TransactItem => ({
  Update: {
    TableName: deps.tableName,
    Key: keys.stock(sku, locationId, bucket),
    UpdateExpression: 'SET reserved = reserved - :q, available = available + :q, updatedAt = :now',
    ConditionExpression: 'reserved >= :q',
    ExpressionAttributeValues: { ':q': quantity, ':now': now },
  },
});

/** Reserved units that leave the location: out of on-hand and reserved (available unchanged), with a movement. */
const takeOutReserved = (
  deps: Deps,
  stock: { locationId: string; sku: string; bucket: number },
  quantity: number,
  now: string,
  movement: { type: 'shipment' | 'correction'; reason: string; reference: string },
): TransactItem[] => [
  {
    Update: {
      TableName: deps.tableName,
      Key: keys.stock(stock.sku, stock.locationId, stock.bucket),
      UpdateExpression: 'SET reserved = reserved - :q, onHand = onHand - :q, updatedAt = :now',
      ConditionExpression: 'reserved >= :q AND onHand >= :q',
      ExpressionAttributeValues: { ':q': quantity, ':now': now },
    },
  },
  movementItem(deps, { ...stock, ...movement, delta: -quantity, at: now }, deps.ids.next('mv')),
];

/** Goods that ship leave both on-hand and reserved, with a shipment movement; available does not change. */
export const shipItems = (
  deps: Deps,
  locationId: string,
  sku: string,
  quantity: number,
  now: string,
  bucket: number,
  reference: string,
): TransactItem[] =>
  takeOutReserved(deps, { locationId, sku, bucket }, quantity, now, {
    type: 'shipment',
    reason: 'shipped',
    reference,
  });

/**
 * Units a picker did not find on the shelf: they leave on-hand and reserved (a `correction` movement naming
 * the ticket), so they are not offered again at that location until a receipt or a count brings them back.
 */
export const writeOffUnpicked = (
  deps: Deps,
  locationId: string,
  sku: string,
  quantity: number,
  now: string,
  bucket: number,
  pickTicketId: string,
): TransactItem[] =>
  takeOutReserved(deps, { locationId, sku, bucket }, quantity, now, {
    type: 'correction',
    reason: 'not on the shelf at pick',
    reference: pickTicketId,
  });

export async function listMovements(
  deps: Deps,
  sku: string,
  locationId?: string,
): Promise<(Movement & { id: string })[]> {
  const count = await stockBucketCount(deps, sku);
  const pages = await Promise.all(
    Array.from({ length: count }, async (_, bucket) => {
      const rows: (Movement & { id: string })[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await deps.db.send(
          new QueryCommand({
            TableName: deps.tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: {
              ':pk': keys.stockPartition(sku, bucket),
              ':prefix': locationId ? `MOVEMENT#${locationId}#` : 'MOVEMENT#',
            },
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) {
          const { id, type, delta, reason, reference, at } = item as Movement & { id: string };
          rows.push({
            id,
            sku,
            locationId: String(item.locationId),
            bucket,
            type,
            delta,
            reason,
            ...(reference ? { reference } : {}),
            at,
          });
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return rows;
    }),
  );
  return pages.flat().sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
}
