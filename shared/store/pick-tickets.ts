import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { pickDueSeconds } from '../config/fulfillment.js';
import { sortByBin } from '../domain/pick.js';
import type { Deps } from '../runtime/deps.js';
import { batchGet, type ItemKey, indexKeys, type TransactItem } from './db.js';
import { gsi2, keys } from './keys.js';
import { orderRecordOf, type PickTicketRecord } from './orders.js';

/** The next pick ticket of an order is numbered after every ticket it ever had. */
export const ticketNumber = (ticketId: string) => Number(/_(\d+)$/.exec(ticketId)?.[1] ?? 0);

/** The number the order's next pick ticket takes: one more than the highest it has. */
export const nextTicketNumber = (tickets: readonly { id: string }[]) =>
  Math.max(0, ...tickets.map((ticket) => ticketNumber(ticket.id))) + 1;

/** The index attributes of an open ticket: in its location's queue, by due time. */
export const queueKeys = (locationId: string, dueAt: string, ticketId: string) => ({
  gsi2pk: gsi2.pickQueue(locationId),
  gsi2sk: `${dueAt}#${ticketId}`,
});

export const dueAtFrom = (now: string) => new Date(Date.parse(now) + pickDueSeconds() * 1000).toISOString();

/**
 * A new pick ticket: lines in walk order (by bin), due `pickDueSeconds` after it opens, in its location's
 * queue. `onlyNew` makes the put conditional (a re-route numbers its tickets itself and must not overwrite).
 */
export function pickTicketPut(
  deps: Deps,
  ticket: {
    orderId: string;
    id: string;
    locationId: string;
    lines: { sku: string; quantity: number }[];
    bins: ReadonlyMap<string, string>;
    taskToken: string;
    now: string;
    firstWave?: boolean;
    chunkBase?: number;
    rerouteOf?: string;
  },
  options: { onlyNew?: boolean } = {},
): TransactItem {
  const dueAt = dueAtFrom(ticket.now);
  const lines = sortByBin(
    ticket.lines.map((line) => {
      const bin = ticket.bins.get(line.sku);
      return { sku: line.sku, quantity: line.quantity, ...(bin ? { bin } : {}) };
    }),
  );
  return {
    Put: {
      TableName: deps.tableName,
      Item: {
        ...keys.pickTicket(ticket.orderId, ticket.id),
        ...queueKeys(ticket.locationId, dueAt, ticket.id),
        entity: 'PickTicket',
        entityVersion: 2,
        id: ticket.id,
        orderId: ticket.orderId,
        locationId: ticket.locationId,
        status: 'open',
        lines,
        taskToken: ticket.taskToken,
        createdAt: ticket.now,
        dueAt,
        ...(ticket.firstWave === false ? { firstWave: false } : {}),
        ...(ticket.chunkBase ? { chunkBase: ticket.chunkBase } : {}),
        ...(ticket.rerouteOf ? { rerouteOf: ticket.rerouteOf } : {}),
      },
      ...(options.onlyNew ? { ConditionExpression: 'attribute_not_exists(pk)' } : {}),
    },
  };
}

/** The bins of some SKUs at one location (bucket 0's stock row holds the bin): one BatchGetItem. */
export async function binsAt(
  deps: Deps,
  locationId: string,
  skus: readonly string[],
): Promise<Map<string, string>> {
  const items = await batchGet(
    deps,
    skus.map((sku) => keys.stock(sku, locationId, 0)),
  );
  const bins = new Map<string, string>();
  for (const item of items) {
    if (typeof item.bin === 'string' && typeof item.sku === 'string') bins.set(item.sku, item.bin);
  }
  return bins;
}

/**
 * Sets the bin of a SKU at a location on its stock row (bucket 0), creating the row with no stock when the
 * SKU has none there yet. The stock row is read by every reservation anyway, so the bin costs no extra read.
 */
export async function putBin(deps: Deps, locationId: string, sku: string, bin: string): Promise<void> {
  const now = deps.clock.now().toISOString();
  await deps.db.send(
    new UpdateCommand({
      TableName: deps.tableName,
      Key: keys.stock(sku, locationId, 0),
      UpdateExpression:
        'SET bin = :bin, onHand = if_not_exists(onHand, :zero), available = if_not_exists(available, :zero), ' +
        'reserved = if_not_exists(reserved, :zero), safetyStock = if_not_exists(safetyStock, :zero), ' +
        'sku = :sku, locationId = :loc, #bucket = if_not_exists(#bucket, :zero), updatedAt = :now, ' +
        'entity = :entity, entityVersion = if_not_exists(entityVersion, :v)',
      ExpressionAttributeNames: { '#bucket': 'bucket' },
      ExpressionAttributeValues: {
        ':bin': bin,
        ':zero': 0,
        ':sku': sku,
        ':loc': locationId,
        ':now': now,
        ':entity': 'Stock',
        ':v': 2,
      },
    }),
  );
}

const ticketOf = (item: Record<string, unknown>) => orderRecordOf(item) as unknown as PickTicketRecord;

/**
 * A location's open tickets, earliest due first; with `dueBefore` only those due before that instant. The
 * index projects keys only: the tickets are read with one BatchGetItem, and one that was answered since
 * (the index lags) is left out.
 */
export async function openTicketsAt(
  deps: Deps,
  locationId: string,
  options: { dueBefore?: string } = {},
): Promise<PickTicketRecord[]> {
  const found: ItemKey[] = await indexKeys(deps, 'gsi2', gsi2.pickQueue(locationId), {
    ...(options.dueBefore ? { between: ['0', `${options.dueBefore}#`] as const } : {}),
  });
  const items = await batchGet(deps, found);
  return items
    .filter((item) => item.status === 'open')
    .map(ticketOf)
    .sort(
      (a, b) => (a.dueAt ?? a.createdAt).localeCompare(b.dueAt ?? b.createdAt) || a.id.localeCompare(b.id),
    );
}
