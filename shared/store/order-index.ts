import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { parseStatusEntry, type StatusEntry } from '../domain/live-metrics.js';
import type { OrderStatus } from '../domain/order.js';
import type { Deps } from '../runtime/deps.js';
import { batchGet, type ItemKey } from './db.js';
import { gsi2 } from './keys.js';
import { type OrderRecord, orderRecordOf } from './orders.js';

/**
 * Orders in a status, read from the status index (gsi2): `gsi2pk = STATUS#<status>`, `gsi2sk =
 * <time the order entered the status>#<orderId>`. The index projects keys only, so each page is a Query for
 * keys and a BatchGetItem for the orders (access patterns in docs/data-model.md).
 */
export interface StatusQuery {
  /** Only orders that entered the status before this ISO time ("stuck since before T"). */
  enteredBefore?: string;
  /** Only orders that entered the status at or after this ISO time. */
  enteredAfter?: string;
  /** Oldest first, in the order the orders entered the status; newest first otherwise. */
  oldestFirst?: boolean;
  /** Index entries read for the page (DynamoDB's `Limit`): the page holds at most this many orders. */
  limit?: number;
  /** Where to go on from: the `nextKey` of the page before. */
  startKey?: Record<string, unknown>;
  /** Read the orders strongly consistent (the index itself never is). */
  consistent?: boolean;
}

export interface StatusPage {
  orders: OrderRecord[];
  /** Set while the index holds more entries; the page may still be short, or empty. */
  nextKey?: Record<string, unknown>;
}

function keyCondition(status: OrderStatus, query: StatusQuery) {
  const values: Record<string, unknown> = { ':pk': gsi2.status(status) };
  let condition = 'gsi2pk = :pk';
  const { enteredBefore: before, enteredAfter: after } = query;
  // `gsi2sk` is `<time>#<id>`, so `< T` keeps orders that entered before T and `>= T` those at or after it;
  // BETWEEN's inclusive upper end changes nothing, no entry equals a bare time.
  if (before !== undefined && after !== undefined) {
    condition += ' AND gsi2sk BETWEEN :after AND :before';
    values[':after'] = after;
    values[':before'] = before;
  } else if (before !== undefined) {
    condition += ' AND gsi2sk < :before';
    values[':before'] = before;
  } else if (after !== undefined) {
    condition += ' AND gsi2sk >= :after';
    values[':after'] = after;
  }
  return { condition, values };
}

/**
 * The order as it is now still meets the query. The index lags the table, so an entry can point at an order
 * that has since moved on (or left and re-entered the status): those are dropped, not shown in a status
 * they are no longer in.
 */
function stillMatches(item: Record<string, unknown>, status: OrderStatus, query: StatusQuery): boolean {
  const sortKey = item.gsi2sk;
  if (item.gsi2pk !== gsi2.status(status) || typeof sortKey !== 'string') return false;
  if (query.enteredBefore !== undefined && !(sortKey < query.enteredBefore)) return false;
  if (query.enteredAfter !== undefined && !(sortKey >= query.enteredAfter)) return false;
  return true;
}

/** One page of the orders in `status`, with the key to go on from. */
export async function ordersInStatus(
  deps: Deps,
  status: OrderStatus,
  query: StatusQuery = {},
): Promise<StatusPage> {
  const { enteredBefore: before, enteredAfter: after } = query;
  if (before !== undefined && after !== undefined && after >= before) return { orders: [] };
  const { condition, values } = keyCondition(status, query);
  const page = await deps.db.send(
    new QueryCommand({
      TableName: deps.tableName,
      IndexName: 'gsi2',
      KeyConditionExpression: condition,
      ExpressionAttributeValues: values,
      ScanIndexForward: query.oldestFirst === true,
      ...(query.limit !== undefined ? { Limit: query.limit } : {}),
      ...(query.startKey ? { ExclusiveStartKey: query.startKey } : {}),
    }),
  );
  const entries = (page.Items ?? []) as ItemKey[];
  const items = await batchGet(deps, entries, query.consistent ? { consistent: true } : {});
  const orders = items.filter((item) => stillMatches(item, status, query)).map(orderRecordOf);
  return page.LastEvaluatedKey ? { orders, nextKey: page.LastEvaluatedKey } : { orders };
}

/** Every order in `status`, page by page, for the callers that go through the whole partition. */
export async function* eachOrderInStatus(
  deps: Deps,
  status: OrderStatus,
  query: Omit<StatusQuery, 'startKey'> = {},
): AsyncGenerator<OrderRecord> {
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await ordersInStatus(deps, status, startKey ? { ...query, startKey } : query);
    yield* page.orders;
    startKey = page.nextKey;
  } while (startKey);
}

export async function allOrdersInStatus(
  deps: Deps,
  status: OrderStatus,
  query: Omit<StatusQuery, 'startKey' | 'limit'> = {},
): Promise<OrderRecord[]> {
  const orders: OrderRecord[] = [];
  for await (const order of eachOrderInStatus(deps, status, query)) orders.push(order);
  return orders;
}

/** How many entries the status index holds for `status`: keys only, no order is read. */
export async function countOrdersInStatus(
  deps: Deps,
  status: OrderStatus,
  query: Pick<StatusQuery, 'enteredBefore' | 'enteredAfter'> = {},
): Promise<number> {
  const { enteredBefore: before, enteredAfter: after } = query;
  if (before !== undefined && after !== undefined && after >= before) return 0;
  const { condition, values } = keyCondition(status, query);
  let count = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await deps.db.send(
      new QueryCommand({
        TableName: deps.tableName,
        IndexName: 'gsi2',
        KeyConditionExpression: condition,
        ExpressionAttributeValues: values,
        Select: 'COUNT',
        ExclusiveStartKey: startKey,
      }),
    );
    count += page.Count ?? 0;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return count;
}

/**
 * The index entry of the order that has been in `status` longest (within the query's range): one key read,
 * no order. Its time is when the order entered the status, read from the sort key `<time>#<orderId>`.
 */
export async function oldestEntryInStatus(
  deps: Deps,
  status: OrderStatus,
  query: Pick<StatusQuery, 'enteredBefore' | 'enteredAfter'> = {},
): Promise<StatusEntry | undefined> {
  const { enteredBefore: before, enteredAfter: after } = query;
  if (before !== undefined && after !== undefined && after >= before) return undefined;
  const { condition, values } = keyCondition(status, query);
  const page = await deps.db.send(
    new QueryCommand({
      TableName: deps.tableName,
      IndexName: 'gsi2',
      KeyConditionExpression: condition,
      ExpressionAttributeValues: values,
      ScanIndexForward: true,
      Limit: 1,
    }),
  );
  const sortKey = page.Items?.[0]?.gsi2sk;
  return typeof sortKey === 'string' ? parseStatusEntry(sortKey) : undefined;
}
