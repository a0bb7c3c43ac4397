import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { activeCartShard, type Cart, isOpen } from '../domain/carts.js';
import type { DomainEvent } from '../events/envelope.js';
import type { Deps } from '../runtime/deps.js';
import { batchGet, type ItemKey, writeIfCondition } from './db.js';
import { gsi2, keys } from './keys.js';
import { withChange } from './outbox.js';

/**
 * The Cart item (`CART#<cartId>` / `CART`, docs/carts-and-marketing.md). Every change is one conditional
 * UpdateItem on the version it read; the item's place in gsi2 follows its status: open carts under
 * `CARTS#ACTIVE#<shard>` by last activity, abandoned ones under `CARTS#ABANDONED#<day>`, completed ones in no
 * index.
 */

/** Carts are kept this long after their last activity (TTL), abandoned or not. */
const CART_TTL_DAYS = 90;

/** The attributes a cart write owns; `recovery` belongs to marketing and is never written here. */
const CART_FIELDS = [
  'id',
  'status',
  'currency',
  'customer',
  'lines',
  'subtotal',
  'shippingOptions',
  'signals',
  'lastActivityAt',
  'createdAt',
  'updatedAt',
  'recentEventIds',
  'version',
  'completedAt',
  'orderId',
  'abandonedAt',
  'cause',
  'causeSignals',
  'lastAbandonment',
] as const satisfies readonly (keyof Cart)[];

const INTERNAL = new Set([
  'pk',
  'sk',
  'gsi2pk',
  'gsi2sk',
  'entity',
  'entityVersion',
  'expiresAt',
  'outbox',
  'outboxId',
]);

export function cartOf(item: Record<string, unknown>): Cart {
  const cart = Object.fromEntries(
    Object.entries(item).filter(([name]) => !INTERNAL.has(name)),
  ) as unknown as Cart;
  return {
    ...cart,
    lines: cart.lines ?? [],
    shippingOptions: cart.shippingOptions ?? [],
    signals: cart.signals ?? {},
    recentEventIds: cart.recentEventIds ?? [],
    version: cart.version ?? 0,
  };
}

export async function getCart(
  deps: Deps,
  cartId: string,
  options: { consistent?: boolean } = {},
): Promise<Cart | undefined> {
  const result = await deps.db.send(
    new GetCommand({ TableName: deps.tableName, Key: keys.cart(cartId), ConsistentRead: options.consistent }),
  );
  return result.Item ? cartOf(result.Item) : undefined;
}

/** Where a cart sits in gsi2, from its status; undefined keys take it out of the index. */
export function cartIndexKeys(cart: Cart): { gsi2pk?: string; gsi2sk?: string } {
  if (isOpen(cart.status)) {
    return {
      gsi2pk: gsi2.activeCarts(activeCartShard(cart.id)),
      gsi2sk: `${cart.lastActivityAt}#${cart.id}`,
    };
  }
  if (cart.status === 'abandoned' && cart.abandonedAt) {
    return {
      gsi2pk: gsi2.abandonedCarts(cart.abandonedAt.slice(0, 10)),
      gsi2sk: `${cart.abandonedAt}#${cart.id}`,
    };
  }
  return {};
}

/**
 * An empty map is not stored (the attribute is removed, and read back as empty): DynamoDB Local's stream
 * hands an empty map over as a value of no type, which no reader can unmarshall.
 */
function storable(value: unknown): unknown {
  const isMap = value !== null && typeof value === 'object' && !Array.isArray(value);
  return isMap && Object.keys(value).length === 0 ? undefined : value;
}

/**
 * Stores `next` in one UpdateItem, conditional on the cart still being at the version `before` was read at
 * (or not existing yet), with `events` packed on the item for the stream to publish. False when the
 * condition failed: another write got there first.
 */
export async function saveCart(
  deps: Deps,
  before: Cart | undefined,
  next: Cart,
  options: { events?: readonly DomainEvent[]; index?: boolean } = {},
): Promise<boolean> {
  // `index: false` takes an open cart out of the open-cart index (an empty cart that went quiet).
  const index = options.index === false ? {} : cartIndexKeys(next);
  const expiresAt = Math.floor(Date.parse(next.lastActivityAt) / 1000) + CART_TTL_DAYS * 24 * 3600;
  const values: Record<string, unknown> = {
    ...Object.fromEntries(CART_FIELDS.map((field) => [field, storable(next[field])])),
    version: (before?.version ?? 0) + 1,
    entity: 'Cart',
    entityVersion: 1,
    expiresAt,
    gsi2pk: index.gsi2pk,
    gsi2sk: index.gsi2sk,
  };
  const names: Record<string, string> = {};
  const expressionValues: Record<string, unknown> = {};
  const sets: string[] = [];
  const removes: string[] = [];
  Object.entries(values).forEach(([field, value], position) => {
    names[`#f${position}`] = field;
    if (value === undefined) removes.push(`#f${position}`);
    else {
      sets.push(`#f${position} = :f${position}`);
      expressionValues[`:f${position}`] = value;
    }
  });
  let condition = 'attribute_not_exists(pk)';
  if (before) {
    condition = '#version = :expected';
    names['#version'] = 'version';
    expressionValues[':expected'] = before.version;
  }
  const update = withChange(
    deps,
    {
      UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: expressionValues,
    },
    { events: options.events ?? [] },
  );
  return writeIfCondition(
    deps,
    new UpdateCommand({
      TableName: deps.tableName,
      Key: keys.cart(next.id),
      ConditionExpression: condition,
      ...update,
    }),
  );
}

export interface IndexPage {
  keys: (ItemKey & { gsi2pk: string; gsi2sk: string })[];
  nextKey?: Record<string, unknown>;
}

/** A page of index entries of one gsi2 partition, optionally only those sorting before `before`. */
export async function cartIndexPage(
  deps: Deps,
  partition: string,
  query: { before?: string; limit?: number; startKey?: Record<string, unknown>; newestFirst?: boolean } = {},
): Promise<IndexPage> {
  const page = await deps.db.send(
    new QueryCommand({
      TableName: deps.tableName,
      IndexName: 'gsi2',
      KeyConditionExpression:
        query.before === undefined ? 'gsi2pk = :pk' : 'gsi2pk = :pk AND gsi2sk < :before',
      ExpressionAttributeValues: {
        ':pk': partition,
        ...(query.before === undefined ? {} : { ':before': query.before }),
      },
      ScanIndexForward: !query.newestFirst,
      ...(query.limit ? { Limit: query.limit } : {}),
      ...(query.startKey ? { ExclusiveStartKey: query.startKey } : {}),
    }),
  );
  return {
    keys: (page.Items ?? []) as IndexPage['keys'],
    ...(page.LastEvaluatedKey ? { nextKey: page.LastEvaluatedKey } : {}),
  };
}

/**
 * The carts behind a page of index entries, without those that moved on since (the index lags the table): a
 * cart is returned only while it still sits in `partition`.
 */
export async function cartsAt(deps: Deps, partition: string, entries: readonly ItemKey[]): Promise<Cart[]> {
  const items = await batchGet(
    deps,
    entries.map(({ pk, sk }) => ({ pk, sk })),
  );
  return items.filter((item) => item.gsi2pk === partition).map(cartOf);
}
