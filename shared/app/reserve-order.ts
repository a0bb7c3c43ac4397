import { createHash } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { sourcingProfileFor } from '../config/sourcing-profiles.js';
import { consolidateLines } from '../domain/allocation.js';
import { OutOfStockError, TransientError } from '../domain/errors.js';
import { decideSourcing, type SourcingDecision, type SourcingLocation } from '../domain/sourcing.js';
import { OrderAllocated, OrderBackordered } from '../events/catalogue.js';
import type { DomainEvent } from '../events/envelope.js';
import type { Deps } from '../runtime/deps.js';
import { failedConditionIndexes, pause, type TransactItem } from '../store/db.js';
import {
  planBucketParts,
  releaseItem,
  reserveItem,
  type StockBucket,
  stockBuckets,
} from '../store/inventory.js';
import { keys } from '../store/keys.js';
import { allocatedToday, type LocationRecord, listLocations, takeCapacityItem } from '../store/locations.js';
import {
  type AllocationView,
  type OrderRecord,
  type PaymentState,
  type ReservedLine,
  statusUpdateItem,
  transact,
} from '../store/orders.js';
import { pickTicketPut } from '../store/pick-tickets.js';

/** DynamoDB's limit on items per transaction. */
export const TRANSACTION_LIMIT = 100;
const MAX_ATTEMPTS = 6;

export interface ReserveOptions {
  payment: PaymentState;
  /** Opens the pick tickets in the same write (the workflow step); without it the order stops at `allocated`. */
  taskToken?: string;
  /** Stock writes per chunk when an order needs more than one transaction (smaller in tests). */
  chunkSize?: number;
  /** A backorder re-drive: counts it, so the new workflow execution gets a name of its own. */
  redrive?: boolean;
  /** More events to publish with the reservation (the caller's, e.g. the payment authorization). */
  events?: (allocations: AllocationView[]) => DomainEvent[];
}

export type ReserveOutcome =
  | { outcome: 'reserved'; allocations: AllocationView[]; pickTicketIds: string[] }
  | { outcome: 'already-reserved' };

export const pickTicketId = (orderId: string, index: number) =>
  `pt_${orderId.replace(/^ord_/, '')}_${index + 1}`;

/**
 * Reserves every line of an order, atomically: the sourcing decision is turned into one transaction (stock
 * buckets, per-location reservations, capacity, order status, pick tickets). Stock is re-read and the
 * decision re-made when another order wins a race; an order too large for one transaction reserves in
 * chunks and undoes the chunks it took if a later one fails, so no reservation is ever left half-made.
 */
export async function reserveOrder(
  deps: Deps,
  order: OrderRecord,
  options: ReserveOptions,
): Promise<ReserveOutcome> {
  const lines = consolidateLines(order.lines);
  const profile = sourcingProfileFor(order.channel);
  let lastDecision: SourcingDecision | undefined;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    const locations = await listLocations(deps);
    const buckets = (await Promise.all(lines.map((line) => stockBuckets(deps, line.sku)))).flat();
    const used = await allocatedToday(
      deps,
      locations.map((location) => location.id),
    );
    const candidates = toSourcingLocations(locations, buckets, used);
    const decision = decideSourcing({ lines, fulfillment: sourcingFulfillment(order) }, candidates, profile);
    lastDecision = decision;
    if (decision.outcome === 'unfillable') {
      await backorder(deps, order, options.payment, decision);
      throw new OutOfStockError(decision.reason, { missing: decision.missing });
    }

    const now = deps.clock.now().toISOString();
    const allocations: AllocationView[] = decision.shipments.map((shipment) => ({
      locationId: shipment.locationId,
      lines: shipment.lines,
      reason: decision.reason,
      rule: decision.rule,
      estimatedCost: shipment.estimatedCost,
      decidedAt: now,
    }));
    const seed = Number.parseInt(createHash('sha256').update(order.id).digest('hex').slice(0, 8), 16);
    const reservations = decision.shipments.map((shipment) => ({
      locationId: shipment.locationId,
      lines: shipment.lines.map((line): ReservedLine => {
        const parts = planBucketParts(
          buckets.filter((row) => row.sku === line.sku && row.locationId === shipment.locationId),
          line.quantity,
          seed,
        );
        return {
          sku: line.sku,
          quantity: line.quantity,
          parts: parts ?? [{ bucket: 0, quantity: line.quantity }],
        };
      }),
    }));
    const stockItems = reservations.flatMap((reservation) =>
      reservation.lines.flatMap((line) =>
        (line.parts ?? []).map((part) => ({
          item: reserveItem(deps, reservation.locationId, line.sku, part.quantity, now, part.bucket),
          locationId: reservation.locationId,
          sku: line.sku,
          part,
        })),
      ),
    );
    const tickets = options.taskToken
      ? reservations.map((reservation, index) =>
          pickTicketItem(deps, order, reservation, index, options.taskToken ?? '', now, buckets),
        )
      : [];
    const closing: TransactItem[] = [
      ...decision.shipments.map((shipment) =>
        takeCapacityItem(
          deps,
          locations.find((location) => location.id === shipment.locationId) as LocationRecord,
        ),
      ),
      statusUpdateItem(
        deps,
        order,
        options.taskToken ? 'picking' : 'allocated',
        ['placed', 'backordered'],
        {
          allocations,
          payment: options.payment,
          backorder: null,
          ...(options.redrive ? { redrives: (order.redrives ?? 0) + 1 } : {}),
        },
        {
          timeline: [
            {
              type: 'OrderAllocated',
              at: now,
              // Rule and reason are on the allocations themselves.
              detail: { locations: allocations.map((a) => a.locationId) },
            },
          ],
          events: [
            OrderAllocated.create(
              {
                orderId: order.id,
                allocations: allocations.map(({ locationId, lines: allocated, reason }) => ({
                  locationId,
                  lines: allocated,
                  reason,
                })),
              },
              {
                correlationId: order.correlationId,
                idempotencyKey: `${order.id}:allocated:${order.redrives ?? 0}`,
                occurredAt: deps.clock.now(),
              },
            ),
            ...(options.events?.(allocations) ?? []),
          ],
        },
      ),
      ...tickets,
    ];

    const single =
      stockItems.length + reservations.length + closing.length <= TRANSACTION_LIMIT && !options.chunkSize;
    const result = single
      ? await writeOnce(deps, stockItems, reservations, order.id, closing, now)
      : await writeInChunks(
          deps,
          stockItems,
          order.id,
          closing,
          now,
          options.chunkSize ?? TRANSACTION_LIMIT - 1,
        );
    if (result === 'written') {
      return {
        outcome: 'reserved',
        allocations,
        pickTicketIds: reservations.map((_, index) => pickTicketId(order.id, index)),
      };
    }
    if (result === 'order-moved') return { outcome: 'already-reserved' };
    // Stock or capacity moved under us: back off a little and decide again from fresh figures.
    await pause(attempt);
  }
  throw new TransientError(
    `order ${order.id} could not reserve after ${MAX_ATTEMPTS} attempts under contention (${lastDecision?.reason ?? ''})`,
  );
}

type WriteResult = 'written' | 'order-moved' | 'contended';

interface StockWrite {
  item: TransactItem;
  locationId: string;
  sku: string;
  part: { bucket: number; quantity: number };
}

/**
 * The put of a held reservation row (entity version 2, one location, one chunk), conditional on the row being
 * new: chunk keys are never reused, so a retry can never overwrite units another write already holds. Also
 * used by an agent's added units (shared/app/order-changes.ts), which must write the same shape as intake.
 */
export function reservationItem(
  deps: Deps,
  orderId: string,
  locationId: string,
  chunk: number,
  lines: ReservedLine[],
  now: string,
): TransactItem {
  return {
    Put: {
      TableName: deps.tableName,
      Item: {
        ...keys.reservation(orderId, locationId, chunk),
        entity: 'Reservation',
        entityVersion: 2,
        orderId,
        locationId,
        chunk,
        lines,
        status: 'held',
        createdAt: now,
        updatedAt: now,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

async function writeOnce(
  deps: Deps,
  stock: StockWrite[],
  reservations: { locationId: string; lines: ReservedLine[] }[],
  orderId: string,
  closing: TransactItem[],
  now: string,
): Promise<WriteResult> {
  const items = [
    ...stock.map((write) => write.item),
    ...reservations.map((reservation) =>
      reservationItem(deps, orderId, reservation.locationId, 0, reservation.lines, now),
    ),
    ...closing,
  ];
  try {
    await deps.db.send(new TransactWriteCommand({ TransactItems: items }));
    return 'written';
  } catch (error) {
    const capacityStart = stock.length + reservations.length;
    const capacityCount = new Set(reservations.map((reservation) => reservation.locationId)).size;
    return classify(
      error,
      (index) => index < stock.length || (index >= capacityStart && index < capacityStart + capacityCount),
    );
  }
}

/**
 * Too many writes for one transaction: reserve chunk by chunk, each chunk with its own reservation record,
 * and finish with the order's own write. A failed chunk releases the chunks already taken, exactly.
 */
async function writeInChunks(
  deps: Deps,
  stock: StockWrite[],
  orderId: string,
  closing: TransactItem[],
  now: string,
  chunkSize: number,
): Promise<WriteResult> {
  const taken: { chunk: number; locationId: string; writes: StockWrite[] }[] = [];
  const chunks: StockWrite[][] = [];
  // A chunk holds writes of one location so its reservation record names one location.
  for (const locationId of [...new Set(stock.map((write) => write.locationId))]) {
    const writes = stock.filter((write) => write.locationId === locationId);
    for (let start = 0; start < writes.length; start += chunkSize)
      chunks.push(writes.slice(start, start + chunkSize));
  }
  for (const [index, writes] of chunks.entries()) {
    const locationId = writes[0]?.locationId ?? '';
    const lines = writes.map((write) => ({
      sku: write.sku,
      quantity: write.part.quantity,
      parts: [write.part],
    }));
    try {
      await deps.db.send(
        new TransactWriteCommand({
          TransactItems: [
            ...writes.map((write) => write.item),
            reservationItem(deps, orderId, locationId, index, lines, now),
          ],
        }),
      );
      taken.push({ chunk: index, locationId, writes });
    } catch (error) {
      await undoChunks(deps, orderId, taken, now);
      return classify(error, (failedIndex) => failedIndex < writes.length);
    }
  }
  const capacityCount = new Set(stock.map((write) => write.locationId)).size;
  try {
    await deps.db.send(new TransactWriteCommand({ TransactItems: closing }));
    return 'written';
  } catch (error) {
    await undoChunks(deps, orderId, taken, now);
    return classify(error, (index) => index < capacityCount);
  }
}

async function undoChunks(
  deps: Deps,
  orderId: string,
  taken: { chunk: number; locationId: string; writes: StockWrite[] }[],
  now: string,
) {
  for (const { chunk, locationId, writes } of taken) {
    await transact(deps, [
      {
        // Deleted, not marked released: the next attempt writes the same chunk keys again, and a leftover
        // row would read as "another invocation reserved this order".
        Delete: {
          TableName: deps.tableName,
          Key: keys.reservation(orderId, locationId, chunk),
          ConditionExpression: '#status = :held',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':held': 'held' },
        },
      },
      ...writes.map((write) =>
        releaseItem(deps, locationId, write.sku, write.part.quantity, now, write.part.bucket),
      ),
    ]);
  }
}

/**
 * Which kind of failure: a stock or capacity condition (decide again from fresh figures), or the order's own
 * items (its reservation record or status): another invocation reserved it first.
 */
function classify(error: unknown, contended: (index: number) => boolean): WriteResult {
  if (!(error instanceof TransactionCanceledException)) throw error;
  const reasons = error.CancellationReasons ?? [];
  if (reasons.some((reason) => reason.Code === 'TransactionConflict')) return 'contended';
  const failed = failedConditionIndexes(error);
  if (failed.length === 0) throw error;
  return failed.every(contended) ? 'contended' : 'order-moved';
}

function pickTicketItem(
  deps: Deps,
  order: OrderRecord,
  reservation: { locationId: string; lines: ReservedLine[] },
  index: number,
  taskToken: string,
  now: string,
  buckets: readonly StockBucket[],
): TransactItem {
  const bins = new Map<string, string>();
  for (const row of buckets) {
    if (row.locationId === reservation.locationId && row.bin) bins.set(row.sku, row.bin);
  }
  return pickTicketPut(deps, {
    orderId: order.id,
    id: pickTicketId(order.id, index),
    locationId: reservation.locationId,
    lines: reservation.lines.map((line) => ({ sku: line.sku, quantity: line.quantity })),
    bins,
    taskToken,
    now,
  });
}

export function toSourcingLocations(
  locations: readonly LocationRecord[],
  buckets: readonly StockBucket[],
  usedToday: Record<string, number>,
): SourcingLocation[] {
  return locations.map((location) => {
    const available: Record<string, number> = {};
    for (const row of buckets) {
      if (row.locationId !== location.id) continue;
      available[row.sku] = (available[row.sku] ?? 0) + row.available;
    }
    for (const sku of Object.keys(available)) available[sku] = Math.max(0, available[sku] ?? 0);
    return {
      id: location.id,
      kind: location.kind,
      shipsToHome: location.shipsToHome,
      pickup: location.pickup,
      postalCode: location.address.postalCode,
      country: location.address.country,
      ...(location.address.coordinates ? { coordinates: location.address.coordinates } : {}),
      remainingCapacity:
        location.dailyCapacity > 0
          ? Math.max(0, location.dailyCapacity - (usedToday[location.id] ?? 0))
          : Number.MAX_SAFE_INTEGER,
      available,
    };
  });
}

async function backorder(deps: Deps, order: OrderRecord, payment: PaymentState, decision: SourcingDecision) {
  const now = deps.clock.now().toISOString();
  await transact(deps, [
    statusUpdateItem(
      deps,
      order,
      'backordered',
      ['placed', 'backordered'],
      {
        payment,
        backorder: {
          reason: decision.reason,
          missing: decision.missing,
          since: order.backorder?.since ?? now,
        },
        allocations: [],
      },
      {
        timeline: [
          {
            type: 'OrderBackordered',
            at: now,
            detail: { reason: decision.reason, missing: decision.missing },
          },
        ],
        // Announced once, when the order first waits; a re-drive that still finds no stock stays quiet.
        events:
          order.status === 'backordered'
            ? []
            : [
                OrderBackordered.create(
                  { orderId: order.id, missing: decision.missing },
                  {
                    correlationId: order.correlationId,
                    idempotencyKey: `${order.id}:backordered`,
                    occurredAt: deps.clock.now(),
                  },
                ),
              ],
      },
    ),
  ]);
}

/** Where an order's goods go, as sourcing sees it: the pickup store, or the shipping address's postal code. */
export function sourcingFulfillment(order: Pick<OrderRecord, 'fulfillment' | 'shippingAddress'>) {
  const fulfillment = order.fulfillment ?? { type: 'ship' as const };
  return fulfillment.type === 'pickup'
    ? fulfillment
    : {
        type: 'ship' as const,
        postalCode: order.shippingAddress.postalCode,
        country: order.shippingAddress.country,
      };
}
