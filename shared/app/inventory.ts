import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { NotFoundError } from '../domain/errors.js';
import { shippingZone } from '../domain/rate-shopping.js';
import { StockReceived } from '../events/catalogue.js';
import type { Deps } from '../runtime/deps.js';
import type { TransactItem } from '../store/db.js';
import {
  type AdjustmentType,
  adjustStock,
  type StockRecord,
  setSafetyStock,
  stockForSku,
} from '../store/inventory.js';
import { keys } from '../store/keys.js';
import { getLocation, listLocations } from '../store/locations.js';

/**
 * Adjusts stock with a reason (kept as an append-only movement) and, when on-hand grew, announces it so
 * backordered orders can fill.
 */
export async function adjustStockAndAnnounce(
  deps: Deps,
  input: {
    locationId: string;
    sku: string;
    type: AdjustmentType;
    quantity: number;
    reason: string;
    reference?: string;
    /** Items written in the adjustment's transaction (see adjustStock). */
    alsoWrite?: readonly TransactItem[];
  },
): Promise<StockRecord> {
  const { stock } = await adjustStock(deps, {
    ...input,
    // Growth in on-hand may fill backorders: announce it with the adjustment itself.
    events: (delta, onHand) =>
      delta > 0
        ? [
            StockReceived.create(
              { sku: input.sku, locationId: input.locationId, quantity: delta, onHand, reason: input.reason },
              {
                correlationId: `${input.sku}@${input.locationId}`,
                idempotencyKey: `stock:${input.sku}:${input.locationId}:${deps.ids.next('adj')}`,
                occurredAt: deps.clock.now(),
              },
            ),
          ]
        : [],
  });
  return stock;
}

export async function setStock(
  deps: Deps,
  input: { locationId: string; sku: string; onHand?: number; safetyStock?: number },
): Promise<StockRecord> {
  if (input.safetyStock !== undefined) {
    if (!(await getLocation(deps, input.locationId)))
      throw new NotFoundError(`location ${input.locationId} does not exist`);
    await setSafetyStock(deps, input.locationId, input.sku, input.safetyStock);
  }
  if (input.onHand !== undefined) {
    return await adjustStockAndAnnounce(deps, {
      locationId: input.locationId,
      sku: input.sku,
      type: 'count',
      quantity: input.onHand,
      reason: 'stock count',
    });
  }
  const rows = await stockForSku(deps, input.sku);
  const row = rows.find((record) => record.locationId === input.locationId);
  if (!row) throw new NotFoundError(`no stock of ${input.sku} at ${input.locationId}`);
  return row;
}

export interface ScheduledReceipt {
  id: string;
  sku: string;
  locationId: string;
  quantity: number;
  dueDate: string;
  reference?: string;
}

/** Stock due in (a purchase order line): counts toward available-to-promise for dates on or after it. */
export async function addScheduledReceipt(
  deps: Deps,
  receipt: Omit<ScheduledReceipt, 'id'>,
): Promise<ScheduledReceipt> {
  if (!(await getLocation(deps, receipt.locationId)))
    throw new NotFoundError(`location ${receipt.locationId} does not exist`);
  const id = deps.ids.next('inb');
  const record = { id, ...receipt };
  await deps.db.send(
    new PutCommand({
      TableName: deps.tableName,
      Item: {
        ...keys.scheduledReceipt(receipt.sku, receipt.locationId, receipt.dueDate, id),
        entity: 'ScheduledReceipt',
        entityVersion: 1,
        ...record,
      },
    }),
  );
  return record;
}

async function scheduledReceipts(deps: Deps, sku: string): Promise<ScheduledReceipt[]> {
  const result = await deps.db.send(
    new QueryCommand({
      TableName: deps.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :inbound)',
      ExpressionAttributeValues: { ':pk': keys.skuPartition(sku), ':inbound': 'INBOUND#' },
    }),
  );
  return (result.Items ?? []) as ScheduledReceipt[];
}

/**
 * Available-to-promise per location and for the network: on hand − reserved − safety stock (never below
 * zero), plus receipts due by `date` when one is asked for. Locations that cannot serve the requested
 * fulfillment are listed with the reason and left out of the network figure.
 */
export async function availability(
  deps: Deps,
  input: { sku: string; fulfillment: 'ship' | 'pickup'; postalCode?: string; date?: string },
) {
  const [locations, stock, inbound] = await Promise.all([
    listLocations(deps),
    stockForSku(deps, input.sku),
    input.date ? scheduledReceipts(deps, input.sku) : Promise.resolve([]),
  ]);
  const rows = locations.map((location) => {
    const row = stock.find((record) => record.locationId === location.id);
    const atp = row?.available ?? 0;
    const due = inbound
      .filter((receipt) => receipt.locationId === location.id && input.date && receipt.dueDate <= input.date)
      .reduce((sum, receipt) => sum + receipt.quantity, 0);
    const eligible = input.fulfillment === 'ship' ? location.shipsToHome : location.pickup;
    return {
      locationId: location.id,
      kind: location.kind,
      name: location.name,
      eligible,
      ...(eligible
        ? {}
        : { reason: input.fulfillment === 'ship' ? 'does not ship to home' : 'does not offer pickup' }),
      onHand: row?.onHand ?? 0,
      reserved: row?.reserved ?? 0,
      safetyStock: row?.safetyStock ?? 0,
      atp,
      ...(input.date ? { scheduledReceipts: due, atpByDate: atp + due } : {}),
      ...(input.postalCode ? { zone: shippingZone(location.address.postalCode, input.postalCode) } : {}),
    };
  });
  rows.sort(
    (a, b) => Number(b.eligible) - Number(a.eligible) || (a.zone ?? 0) - (b.zone ?? 0) || b.atp - a.atp,
  );
  const eligible = rows.filter((row) => row.eligible);
  return {
    sku: input.sku,
    fulfillment: input.fulfillment,
    ...(input.postalCode ? { postalCode: input.postalCode } : {}),
    ...(input.date ? { date: input.date } : {}),
    network: {
      atp: eligible.reduce((sum, row) => sum + row.atp, 0),
      ...(input.date
        ? {
            scheduledReceipts: eligible.reduce((sum, row) => sum + (row.scheduledReceipts ?? 0), 0),
            atpByDate: eligible.reduce((sum, row) => sum + (row.atpByDate ?? 0), 0),
          }
        : {}),
      locations: eligible.filter((row) => row.atp > 0).length,
    },
    locations: rows,
  };
}

/** A SKU's stock per location and in total: `GET /inventory/{sku}` and the console's `GET /agent/inventory/{sku}`. */
export async function skuStock(deps: Deps, sku: string) {
  const rows = await stockForSku(deps, sku);
  const sum = (field: 'onHand' | 'reserved' | 'available') =>
    rows.reduce((total, row) => total + row[field], 0);
  return {
    sku,
    locations: rows.map(({ locationId, onHand, reserved, available }) => ({
      locationId,
      onHand,
      reserved,
      available,
    })),
    totals: { onHand: sum('onHand'), reserved: sum('reserved'), available: sum('available') },
  };
}
