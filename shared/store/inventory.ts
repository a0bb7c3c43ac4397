import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '../domain/errors.js';
import type { Deps } from '../runtime/deps.js';
import { isConditionFailure, type TransactItem } from './db.js';
import { gsi1, keys } from './keys.js';

export interface LocationRecord {
  id: string;
  kind: 'warehouse' | 'store';
  name: string;
  address: { line1: string; city: string; region?: string; postalCode: string; country: string };
  shipsToHome: boolean;
  pickup: boolean;
}

export interface StockRecord {
  sku: string;
  locationId: string;
  onHand: number;
  reserved: number;
  /** Kept equal to onHand − reserved by every write so a condition can guard it (DynamoDB conditions cannot subtract). */
  available: number;
  updatedAt: string;
}

export async function putLocation(deps: Deps, location: LocationRecord): Promise<void> {
  await deps.db.send(
    new PutCommand({
      TableName: deps.tableName,
      Item: {
        ...keys.location(location.id),
        gsi1pk: gsi1.locations,
        gsi1sk: location.id,
        entity: 'Location',
        entityVersion: 1,
        ...location,
      },
    }),
  );
}

export async function listLocations(deps: Deps): Promise<LocationRecord[]> {
  const items: LocationRecord[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await deps.db.send(
      new QueryCommand({
        TableName: deps.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': gsi1.locations },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      const { id, kind, name, address, shipsToHome, pickup } = item as LocationRecord;
      items.push({ id, kind, name, address, shipsToHome, pickup });
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

export async function getLocation(deps: Deps, locationId: string): Promise<LocationRecord | undefined> {
  const result = await deps.db.send(
    new GetCommand({ TableName: deps.tableName, Key: keys.location(locationId) }),
  );
  return result.Item as LocationRecord | undefined;
}

export async function stockForSku(deps: Deps, sku: string): Promise<StockRecord[]> {
  const result = await deps.db.send(
    new QueryCommand({
      TableName: deps.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :stock)',
      ExpressionAttributeValues: { ':pk': keys.skuPartition(sku), ':stock': 'STOCK#' },
      ConsistentRead: true,
    }),
  );
  return (result.Items ?? []).map((item) => {
    const { sku: itemSku, locationId, onHand, reserved, available, updatedAt } = item as StockRecord;
    return { sku: itemSku, locationId, onHand, reserved, available, updatedAt };
  });
}

/**
 * Sets on-hand from a count. Reserved stock is untouched, and a count below what is reserved is refused:
 * it would promise goods the location does not have.
 */
export async function setOnHand(
  deps: Deps,
  locationId: string,
  sku: string,
  onHand: number,
): Promise<StockRecord> {
  if (!(await getLocation(deps, locationId)))
    throw new NotFoundError(`location ${locationId} does not exist`);
  const now = deps.clock.now().toISOString();
  try {
    const result = await deps.db.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: keys.stock(sku, locationId),
        UpdateExpression:
          'SET onHand = :onHand, reserved = if_not_exists(reserved, :zero), available = :onHand - if_not_exists(reserved, :zero), sku = :sku, locationId = :loc, updatedAt = :now, entity = :entity, entityVersion = :v',
        ConditionExpression: 'attribute_not_exists(reserved) OR reserved <= :onHand',
        ExpressionAttributeValues: {
          ':onHand': onHand,
          ':zero': 0,
          ':sku': sku,
          ':loc': locationId,
          ':now': now,
          ':entity': 'Stock',
          ':v': 1,
        },
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    const item = result.Attributes as StockRecord;
    return {
      sku,
      locationId,
      onHand: item.onHand,
      reserved: item.reserved,
      available: item.available,
      updatedAt: now,
    };
  } catch (error) {
    if (isConditionFailure(error)) {
      throw new ConflictError(`onHand ${onHand} is below the quantity already reserved at ${locationId}`, {
        field: 'onHand',
      });
    }
    throw error;
  }
}

/** Takes `quantity` from available into reserved; the condition is what makes overselling impossible. */
export const reserveItem = (
  deps: Deps,
  locationId: string,
  sku: string,
  quantity: number,
  now: string,
): TransactItem => ({
  Update: {
    TableName: deps.tableName,
    Key: keys.stock(sku, locationId),
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
): TransactItem => ({
  Update: {
    TableName: deps.tableName,
    Key: keys.stock(sku, locationId),
    UpdateExpression: 'SET reserved = reserved - :q, available = available + :q, updatedAt = :now',
    ConditionExpression: 'reserved >= :q',
    ExpressionAttributeValues: { ':q': quantity, ':now': now },
  },
});

/** Goods that ship leave both on-hand and reserved; available does not change. */
export const shipItem = (
  deps: Deps,
  locationId: string,
  sku: string,
  quantity: number,
  now: string,
): TransactItem => ({
  Update: {
    TableName: deps.tableName,
    Key: keys.stock(sku, locationId),
    UpdateExpression: 'SET reserved = reserved - :q, onHand = onHand - :q, updatedAt = :now',
    ConditionExpression: 'reserved >= :q AND onHand >= :q',
    ExpressionAttributeValues: { ':q': quantity, ':now': now },
  },
});
