import { BatchGetCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Deps } from '../runtime/deps.js';
import { batchGet, indexKeys, type TransactItem } from './db.js';
import { gsi1, keys } from './keys.js';

export interface LocationRecord {
  id: string;
  kind: 'warehouse' | 'store';
  name: string;
  address: {
    line1: string;
    city: string;
    region?: string;
    postalCode: string;
    country: string;
    coordinates?: { lat: number; lon: number };
  };
  shipsToHome: boolean;
  pickup: boolean;
  /** Shipments the location can take per day; 0 means no limit. */
  dailyCapacity: number;
  /**
   * Orders ready after this time (HH:MM) ship the carrier's next business day; local time of `timeZone`,
   * UTC when the location has none (docs/shipping.md).
   */
  cutoffTime: string;
  /** IANA time zone of the location (e.g. `America/New_York`); absent means UTC. */
  timeZone?: string;
}

const pickLocation = (item: Record<string, unknown>): LocationRecord => {
  const { id, kind, name, address, shipsToHome, pickup, dailyCapacity, cutoffTime, timeZone } =
    item as Partial<LocationRecord>;
  return {
    id: id ?? '',
    kind: kind ?? 'warehouse',
    name: name ?? '',
    address: address ?? { line1: '', city: '', postalCode: '', country: '' },
    shipsToHome: shipsToHome ?? false,
    pickup: pickup ?? false,
    dailyCapacity: dailyCapacity ?? 0,
    cutoffTime: cutoffTime ?? '23:59',
    ...(timeZone ? { timeZone } : {}),
  };
};

export async function putLocation(deps: Deps, location: LocationRecord, options: { create?: boolean } = {}) {
  await deps.db.send(
    new PutCommand({
      TableName: deps.tableName,
      Item: {
        ...keys.location(location.id),
        gsi1pk: gsi1.locations,
        gsi1sk: location.id,
        entity: 'Location',
        entityVersion: 2,
        ...location,
        updatedAt: deps.clock.now().toISOString(),
      },
      ...(options.create ? { ConditionExpression: 'attribute_not_exists(pk)' } : {}),
    }),
  );
}

/** Every location: the LOCATIONS partition of gsi1 holds their keys, one BatchGetItem per 100 the items. */
export async function listLocations(deps: Deps): Promise<LocationRecord[]> {
  const entries = await indexKeys(deps, 'gsi1', gsi1.locations);
  return (await batchGet(deps, entries)).map(pickLocation);
}

export async function getLocation(deps: Deps, locationId: string): Promise<LocationRecord | undefined> {
  const result = await deps.db.send(
    new GetCommand({ TableName: deps.tableName, Key: keys.location(locationId) }),
  );
  return result.Item ? pickLocation(result.Item) : undefined;
}

export const capacityDay = (now: Date) => now.toISOString().slice(0, 10);

/** Shipments already allocated today per location (one BatchGet for all of them). */
export async function allocatedToday(
  deps: Deps,
  locationIds: readonly string[],
): Promise<Record<string, number>> {
  const day = capacityDay(deps.clock.now());
  const result: Record<string, number> = {};
  for (let start = 0; start < locationIds.length; start += 100) {
    const batch = locationIds.slice(start, start + 100);
    let request: Record<string, { Keys: Record<string, unknown>[] }> | undefined = {
      [deps.tableName]: { Keys: batch.map((id) => keys.locationCapacity(id, day)) },
    };
    while (request && Object.keys(request).length > 0) {
      const page = await deps.db.send(new BatchGetCommand({ RequestItems: request }));
      for (const item of page.Responses?.[deps.tableName] ?? []) {
        result[String(item.pk).replace(/^LOCATION#/, '')] = Number(item.allocated ?? 0);
      }
      request = page.UnprocessedKeys as typeof request;
    }
  }
  return result;
}

/** Takes one shipment of today's capacity; the condition refuses the one that would exceed it. */
export function takeCapacityItem(deps: Deps, location: LocationRecord): TransactItem {
  const day = capacityDay(deps.clock.now());
  return {
    Update: {
      TableName: deps.tableName,
      Key: keys.locationCapacity(location.id, day),
      UpdateExpression: 'ADD allocated :one SET entity = :entity, expiresAt = :expires',
      ...(location.dailyCapacity > 0
        ? {
            ConditionExpression: 'attribute_not_exists(allocated) OR allocated < :cap',
            ExpressionAttributeValues: {
              ':one': 1,
              ':cap': location.dailyCapacity,
              ':entity': 'LocationCapacity',
              ':expires': Math.floor(deps.clock.now().getTime() / 1000) + 7 * 86_400,
            },
          }
        : {
            ExpressionAttributeValues: {
              ':one': 1,
              ':entity': 'LocationCapacity',
              ':expires': Math.floor(deps.clock.now().getTime() / 1000) + 7 * 86_400,
            },
          }),
    },
  };
}
