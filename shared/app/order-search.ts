import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { IndexName } from '../config/table.js';
import { CHANNELS } from '../domain/order.js';
import type { Deps } from '../runtime/deps.js';
import { batchGet, type ItemKey } from '../store/db.js';
import { gsi3, gsi4 } from '../store/keys.js';
import { getOrderRecords, listOrders, type OrderRecord, orderRecordOf } from '../store/orders.js';
import { orderIdFor } from './place-order.js';

export type SearchKind = 'order-id' | 'email' | 'phone' | 'order-number' | 'external-id';

export interface OrderSearchResult {
  /** The ways of reading the query that found an order (empty when none did). */
  matchedBy: SearchKind[];
  orders: {
    id: string;
    status: string;
    channel: string;
    externalId: string;
    orderNumber: string | null;
    customerEmail: string;
    customerName: string | null;
    currency: string;
    grandTotal: number;
    createdAt: string;
  }[];
}

const ORDER_ID = /^ord_[a-z0-9]{1,40}$/;
/** Digits and what people type around them: `+1 (212) 555-0142`, `212.555.0142`. */
const PHONE_LIKE = /^\+?[\d\s().-]+$/;
const MAX_RESULTS = 25;

/**
 * What an agent types into the console's search box, answered from keys the orders already have: an order
 * id directly; an email through the email index; something shaped like a phone number (7 or more digits,
 * with `+ - ( ) .` and spaces) through the phone index; and anything but an id or an email through the
 * order-number index and as a sales channel's own order id (the order id is derived from channel and
 * external id, decision 0002, so each channel is one key to read): a long number may be any of the three. A leading `#` (how channels show order numbers) is ignored. Orders placed before the phone and
 * order-number indexes existed are not in them and are found only the other ways.
 */
export async function searchOrders(deps: Deps, query: string): Promise<OrderSearchResult> {
  const q = query.trim();
  if (ORDER_ID.test(q)) {
    return result([['order-id', await getOrderRecords(deps, [q])]]);
  }
  if (q.includes('@')) {
    const page = await listOrders(deps, { email: q, limit: MAX_RESULTS });
    return result([['email', page.items]]);
  }
  const number = gsi4.orderNumber(q);
  const phone = PHONE_LIKE.test(q) ? gsi3.phone(q) : undefined;
  // Shopify and WooCommerce order ids are long numbers too: every reading of digits is tried.
  const [byPhone, numbered, byExternalId] = await Promise.all([
    phone ? newestInIndex(deps, 'gsi3', phone) : Promise.resolve([]),
    number ? newestInIndex(deps, 'gsi4', number) : Promise.resolve([]),
    getOrderRecords(
      deps,
      CHANNELS.map((channel) => orderIdFor(channel, q.replace(/^#/, '').trim())),
    ),
  ]);
  return result([
    ['phone', byPhone],
    ['order-number', numbered],
    ['external-id', byExternalId],
  ]);
}

/**
 * The newest orders of one partition of a keys-only order index (gsi3, gsi4), read with one BatchGetItem.
 * The index lags the table, so an order whose key no longer names this partition is left out.
 */
async function newestInIndex(deps: Deps, index: IndexName, partition: string): Promise<OrderRecord[]> {
  const page = await deps.db.send(
    new QueryCommand({
      TableName: deps.tableName,
      IndexName: index,
      KeyConditionExpression: `${index}pk = :pk`,
      ExpressionAttributeValues: { ':pk': partition },
      ScanIndexForward: false,
      Limit: MAX_RESULTS,
    }),
  );
  const items = await batchGet(deps, (page.Items ?? []) as ItemKey[]);
  return items.filter((item) => item[`${index}pk`] === partition).map(orderRecordOf);
}

/** The orders every kind found, each once, newest first; `matchedBy` names the kinds that found any. */
function result(found: readonly (readonly [SearchKind, OrderRecord[]])[]): OrderSearchResult {
  const orders = new Map<string, OrderRecord>();
  for (const [, records] of found) for (const order of records) orders.set(order.id, order);
  return {
    matchedBy: found.filter(([, records]) => records.length > 0).map(([kind]) => kind),
    orders: [...orders.values()]
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .slice(0, MAX_RESULTS)
      .map((order) => ({
        id: order.id,
        status: order.status,
        channel: order.channel,
        externalId: order.externalId,
        orderNumber: order.orderNumber ?? null,
        customerEmail: order.customer.email,
        customerName: order.customer.name ?? null,
        currency: order.currency,
        grandTotal: order.totals.grand,
        createdAt: order.createdAt,
      })),
  };
}
