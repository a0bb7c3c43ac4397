import { CHANNELS } from '../domain/order.js';
import type { Deps } from '../runtime/deps.js';
import { getOrderRecords, listOrders, type OrderRecord } from '../store/orders.js';
import { orderIdFor } from './place-order.js';

export type SearchKind = 'order-id' | 'email' | 'external-id';

export interface OrderSearchResult {
  /** How the query was read. */
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
const MAX_RESULTS = 25;

/**
 * What an agent types into the console's search box, answered from keys the orders already have: an order
 * id directly, an email through the email index, anything else as a sales channel's own order id (the order
 * id is derived from channel and external id, decision 0002, so each channel is one key to read). A leading
 * `#` (how channels show order numbers) is ignored.
 */
export async function searchOrders(deps: Deps, query: string): Promise<OrderSearchResult> {
  const q = query.trim();
  if (ORDER_ID.test(q)) {
    return result(['order-id'], await getOrderRecords(deps, [q]));
  }
  if (q.includes('@')) {
    const page = await listOrders(deps, { email: q, limit: MAX_RESULTS });
    return result(['email'], page.items);
  }
  const externalId = q.replace(/^#/, '');
  const orders = await getOrderRecords(
    deps,
    CHANNELS.map((channel) => orderIdFor(channel, externalId)),
  );
  return result(['external-id'], orders);
}

function result(matchedBy: SearchKind[], orders: OrderRecord[]): OrderSearchResult {
  return {
    matchedBy,
    orders: orders
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
