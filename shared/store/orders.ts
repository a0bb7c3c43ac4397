import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AppliedCoupon } from '../domain/coupons.js';
import type { AvoidedCarriers } from '../domain/disruptions.js';
import { NotFoundError } from '../domain/errors.js';
import type { JournalEntry } from '../domain/ledger.js';
import type {
  Address,
  Channel,
  FulfillmentChoice,
  OrderLine,
  OrderStatus,
  OrderTotals,
  PaymentStatus,
  Tenders,
} from '../domain/order.js';
import type { PackedCarton } from '../domain/pick.js';
import type { Deps } from '../runtime/deps.js';
import {
  batchGet,
  encodeCursor,
  type ItemKey,
  indexStartKey,
  isConditionFailure,
  partitionItems,
  stripKeys,
  type TransactItem,
} from './db.js';
import { gsi1, gsi2, gsi3, gsi4, keys } from './keys.js';
import { type Change, withChange } from './outbox.js';

export interface PaymentState {
  status: PaymentStatus;
  amount: number;
  authorizationId?: string;
  captureId?: string;
  refundId?: string;
  captured: number;
  refunded: number;
  /** When an authorization timed out (its outcome unknown): the compensation voids by its key. */
  timedOutAt?: string;
  /** Why the payment failed (a timed-out authorization), with the void that released it, if any. */
  failureReason?: string;
  voidId?: string;
  /** Sum of the per-shipment captures' parts so far; absent before the first capture. */
  capturedTotals?: { subtotal: number; discount: number; shipping: number; tax: number; grand: number };
  /**
   * One per billed shipment (docs/fulfillment.md#capture-per-shipment): on the order, which bill-order
   * writes anyway, so billing a shipment costs no write of the (large) shipment item.
   */
  captures?: { shipmentId: string; captureId: string; amount: number; at?: string }[];
  /**
   * The capture one shipping run is about to make, written before it calls the gateway when the order ships in
   * several parts: a retry (or a run that lost a race) sends the very request it stored, never a recomputed
   * one under the same key, and another shipment waits until it is recorded (docs/fulfillment.md).
   */
  pendingCapture?: PendingCapture;
}

export interface PendingCapture {
  shipmentId: string;
  amount: number;
  final: boolean;
  first: boolean;
  share: { subtotal: number; discount: number; shipping: number; tax: number; grand: number };
}

export interface AllocationView {
  locationId: string;
  reason: string;
  rule: string;
  lines: { sku: string; quantity: number }[];
  estimatedCost: number;
  /**
   * Every location the sourcing engine scored. No longer stored (it repeated per allocation and cost a
   * write unit per step); present on orders allocated before.
   */
  candidates?: unknown[];
  decidedAt: string;
}

export interface OrderRecord {
  id: string;
  channel: Channel;
  externalId: string;
  orderNumber?: string;
  status: OrderStatus;
  currency: string;
  customer: { email: string; phone?: string; name?: string };
  shippingAddress: Address;
  /** Absent on orders stored before BOPIS existed: they ship. */
  fulfillment?: FulfillmentChoice;
  lines: OrderLine[];
  totals: OrderTotals;
  /** Gift card and store credit paying part of the total; the card pays `payment.amount` (the rest). */
  tenders?: Tenders;
  payment: PaymentState;
  allocations: AllocationView[];
  /** Why the order is waiting for stock, when it is backordered. */
  backorder?: { reason: string; missing: { sku: string; quantity: number }[]; since: string };
  /** Workflow executions started for this order after the first (backorder re-drives). */
  redrives?: number;
  placedAt: string;
  createdAt: string;
  updatedAt: string;
  /** Ties every event and log line of this order together. */
  correlationId: string;
  /**
   * The delivery date (ISO `YYYY-MM-DD`) promised to the customer, once a disruption moved it; absent, the
   * promise is `placedAt` + `defaultPromiseBusinessDays` business days (`promiseOf()` in
   * shared/domain/disruptions.ts).
   */
  promisedBy?: string;
  /** Carriers not to ship with during a disruption's window, recorded by the disruption (select-carrier). */
  avoidCarriers?: AvoidedCarriers[];
  /** The disruptions already applied to this order: a repeated or resumed disruption skips it. */
  disruptionIds?: string[];
  /**
   * Coupon codes the order redeemed at intake (direct orders with `couponCodes`), each with its discount and
   * its share of every line; the lines' `discount` is their sum (docs/coupons.md).
   */
  coupons?: AppliedCoupon[];
  /** Who cancelled the order and why, when an agent did (docs/customer-service.md, order changes). */
  cancellation?: { reason: string; by: { agentId: string; username: string }; at: string; actionId: string };
}

export interface TimelineEntry {
  type: string;
  at: string;
  detail?: Record<string, unknown>;
}

export interface PickTicketRecord {
  id: string;
  orderId: string;
  locationId: string;
  /**
   * `escalated`: not confirmed by its due time; its stock was re-routed. `cancelled`: its order ended (failed,
   * cancelled) while it was open (docs/fulfillment.md).
   */
  status: 'open' | 'confirmed' | 'short' | 'escalated' | 'cancelled';
  /** In walk order: by bin, lines without a bin last, then SKU. Older tickets carry `BIN-<sku>` placeholders. */
  lines: { sku: string; quantity: number; bin?: string }[];
  picked?: { sku: string; ordered: number; picked: number }[];
  /** The Standard workflow's token; empty on tickets opened after its wait was answered (re-routes). */
  taskToken: string;
  createdAt: string;
  confirmedAt?: string;
  /** When the location should have confirmed it; absent on tickets opened before escalation existed. */
  dueAt?: string;
  /**
   * False on tickets opened by a re-route (short pick, escalation, remainder re-drive): they ship on their
   * own run and the Standard workflow does not wait for them. Absent: an allocation's ticket (first wave).
   */
  firstWave?: boolean;
  /** Its reservation rows are the location's chunks from here to here + 999 (absent: 0). */
  chunkBase?: number;
  /** The ticket whose shortfall this one picks up. */
  rerouteOf?: string;
  /** What a short pick or escalation did with the units not picked. */
  remainder?: { reroutedTo: string[]; backordered: { sku: string; quantity: number }[] };
  cartons?: PackedCarton[];
  packedAt?: string;
  escalatedAt?: string;
}

export interface ShipmentRecord {
  id: string;
  locationId: string;
  /** The pick ticket it ships (absent on shipments recorded before partial shipments). */
  pickTicketId?: string;
  carrier: string;
  service: string;
  trackingNumber: string;
  cost: number;
  currency: string;
  estimatedDelivery: string;
  /** The day the carrier takes the parcels (the origin's cut-off and the carrier's business days). */
  shipDate?: string;
  /** Billable pounds over the shipment's parcels (docs/shipping.md). */
  billableWeightLb?: number;
  /** How `cost` adds up: base + surcharges + fuel (minor units of `currency`). */
  breakdown?: { base: number; surcharges: { code: string; amount: number }[]; fuel: number };
  /** Set when no service could deliver by the promise date and the earliest one was used. */
  missesPromise?: boolean;
  options: unknown[];
  createdAt: string;
}

export interface ReservedLine {
  sku: string;
  quantity: number;
  /** Which stock buckets the units came from; absent means bucket 0. */
  parts?: { bucket: number; quantity: number }[];
}

export interface ReservationRecord {
  orderId: string;
  locationId: string;
  chunk: number;
  lines: ReservedLine[];
  status: 'held' | 'released' | 'shipped';
  createdAt: string;
  updatedAt: string;
}

/** The bucket parts of a reserved line (bucket 0 for lines reserved before buckets existed). */
export const partsOf = (line: ReservedLine) => line.parts ?? [{ bucket: 0, quantity: line.quantity }];

export interface NotificationRecord {
  template: string;
  /** 'none': the customer asked for no notifications; the record still keeps the event from repeating. */
  channel: 'email' | 'sms' | 'none';
  to: string;
  subject: string;
  body: string;
  at: string;
  /**
   * `pending` (recorded, not yet handed to a port: a disruption's delay notice), `sent`, `skipped` (channel
   * none). Absent on records written before delivery existed: treated as done.
   */
  status?: 'pending' | 'sent' | 'skipped';
  sentAt?: string;
  messageId?: string;
}

export interface OrderAggregate {
  order: OrderRecord;
  timeline: TimelineEntry[];
  pickTickets: PickTicketRecord[];
  shipments: ShipmentRecord[];
  reservations: ReservationRecord[];
  journal: JournalEntry[];
  notifications: NotificationRecord[];
}

/**
 * Index attributes of a new order header: email and status, and, when the order has them, its phone (the
 * customer's, else the shipping address's) and the channel's order number for the agents' search. Written
 * at intake only: status changes move gsi2 alone (statusUpdateItem), so the phone and number entries are
 * never rewritten.
 */
export const orderIndexes = (
  order: Pick<OrderRecord, 'id' | 'status' | 'createdAt' | 'customer'> &
    Partial<Pick<OrderRecord, 'orderNumber' | 'shippingAddress'>>,
) => {
  const sortKey = `${order.createdAt}#${order.id}`;
  const phone = gsi3.phone(order.customer.phone ?? order.shippingAddress?.phone ?? '');
  const orderNumber = gsi4.orderNumber(order.orderNumber ?? '');
  return {
    gsi1pk: gsi1.customerEmail(order.customer.email),
    gsi1sk: sortKey,
    gsi2pk: gsi2.status(order.status),
    gsi2sk: sortKey,
    // gsi3 and gsi4 sort by gsi1sk (shared/config/table.ts): no sort key attributes of their own.
    ...(phone ? { gsi3pk: phone } : {}),
    ...(orderNumber ? { gsi4pk: orderNumber } : {}),
  };
};

/**
 * A status change as one transaction item, carrying the change's events and timeline lines: the condition
 * makes a late or repeated step a no-op instead of moving the order backwards. The status index's sort key
 * is the moment the order entered the status, so "stuck in picking since before T" is a key range.
 */
export function statusUpdateItem(
  deps: Deps,
  order: OrderRecord,
  to: OrderStatus,
  from: readonly OrderStatus[],
  extra: Record<string, unknown> = {},
  change: Change = {},
  /** Attribute paths (`payment.captured`) that must still hold these values, as they were read. */
  unchanged: Record<string, unknown> = {},
): TransactItem {
  const now = deps.clock.now().toISOString();
  const names: Record<string, string> = { '#status': 'status' };
  const values: Record<string, unknown> = {
    ':to': to,
    ':now': now,
    ':g2': gsi2.status(to),
    ':g2s': `${now}#${order.id}`,
  };
  const sets = ['#status = :to', 'updatedAt = :now', 'gsi2pk = :g2', 'gsi2sk = :g2s'];
  Object.entries(extra).forEach(([name, value], index) => {
    names[`#x${index}`] = name;
    values[`:x${index}`] = value;
    sets.push(`#x${index} = :x${index}`);
  });
  const fromValues = from.map((status, index) => {
    values[`:from${index}`] = status;
    return `:from${index}`;
  });
  const conditions = [`#status IN (${fromValues.join(', ')})`];
  Object.entries(unchanged).forEach(([path, value], index) => {
    const segments = path.split('.').map((segment, depth) => {
      names[`#u${index}_${depth}`] = segment;
      return `#u${index}_${depth}`;
    });
    values[`:u${index}`] = value;
    conditions.push(`${segments.join('.')} = :u${index}`);
  });
  return {
    Update: withChange(
      deps,
      {
        TableName: deps.tableName,
        Key: keys.order(order.id),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
      change,
    ),
  };
}

export async function getOrderRecord(deps: Deps, orderId: string): Promise<OrderRecord | undefined> {
  const result = await deps.db.send(
    new GetCommand({ TableName: deps.tableName, Key: keys.order(orderId), ConsistentRead: true }),
  );
  return result.Item ? stripKeys<OrderRecord>(result.Item) : undefined;
}

/**
 * The order's timeline: the lines each of its items recorded when it changed (the order itself, its pick
 * tickets, its notifications), plus rows of the older one-row-per-line layout, oldest first.
 */
function timelineOf(items: readonly Record<string, unknown>[]): TimelineEntry[] {
  const lines = items.flatMap((item) => {
    if (String(item.sk).startsWith('TIMELINE#')) return [stripKeys<TimelineEntry>(item)];
    return Array.isArray(item.timeline) ? (item.timeline as TimelineEntry[]) : [];
  });
  return lines.sort((a, b) => a.at.localeCompare(b.at));
}

/** The whole order in one Query: header, timeline, tickets, shipments, reservations, journal, notifications. */
export async function getOrderAggregate(deps: Deps, orderId: string): Promise<OrderAggregate | undefined> {
  const items = await partitionItems(deps, keys.orderPartition(orderId));
  const header = items.find((item) => item.sk === 'ORDER');
  if (!header) return undefined;
  const bySk = (prefix: string) => items.filter((item) => String(item.sk).startsWith(prefix));
  return {
    order: stripKeys<OrderRecord>(header),
    timeline: timelineOf(items),
    pickTickets: bySk('PICK#').map((item) => stripKeys<PickTicketRecord>(item)),
    shipments: bySk('SHIPMENT#').map((item) => stripKeys<ShipmentRecord>(item)),
    reservations: bySk('RESERVATION#').map((item) => stripKeys<ReservationRecord>(item)),
    journal: bySk('JOURNAL#').map((item) => stripKeys<JournalEntry>(item)),
    notifications: bySk('NOTIFICATION#').map((item) => stripKeys<NotificationRecord>(item)),
  };
}

/** The order with everything in its partition, or a 404 naming it. */
export async function requireOrderAggregate(deps: Deps, orderId: string): Promise<OrderAggregate> {
  const aggregate = await getOrderAggregate(deps, orderId);
  if (!aggregate) throw new NotFoundError(`order ${orderId} does not exist`);
  return aggregate;
}

export async function listPickTickets(deps: Deps, orderId: string): Promise<PickTicketRecord[]> {
  const items = await partitionItems(deps, keys.orderPartition(orderId), { skPrefix: 'PICK#' });
  return items.map((item) => stripKeys<PickTicketRecord>(item));
}

/**
 * Pick ticket ids carry their order (`pt_<order hash>_<n>`), so the ticket is read from the order's
 * partition, strongly consistent: a confirmation right after the ticket opened never misses it. Any other id
 * names no ticket (no index holds tickets).
 */
export async function findPickTicket(deps: Deps, ticketId: string): Promise<PickTicketRecord | undefined> {
  const match = /^pt_([0-9a-f]+)_\d+$/.exec(ticketId);
  if (!match) return undefined;
  const result = await deps.db.send(
    new GetCommand({
      TableName: deps.tableName,
      Key: keys.pickTicket(`ord_${match[1]}`, ticketId),
      ConsistentRead: true,
    }),
  );
  return result.Item ? stripKeys<PickTicketRecord>(result.Item) : undefined;
}

/** An order header as read from the table, without its keys and bookkeeping attributes. */
export const orderRecordOf = (item: Record<string, unknown>): OrderRecord => stripKeys<OrderRecord>(item);

/**
 * One page of orders, newest first. With an email the customer's partition of gsi1 is read (small, where a
 * status partition is not) and a status, if given too, is checked on the orders; otherwise the status
 * partition of gsi2. Both indexes project keys only: the page's keys are read, then the orders with one
 * BatchGetItem. `limit` bounds the index entries read, so a page can hold fewer orders, even none, while
 * `nextCursor` is set: an order that no longer matches (the index lags the table) is left out.
 */
export async function listOrders(
  deps: Deps,
  filter: { status?: OrderStatus; email?: string; limit: number; cursor?: string },
): Promise<{ items: OrderRecord[]; nextCursor?: string }> {
  const byEmail = filter.email !== undefined;
  const index = byEmail ? 'gsi1' : 'gsi2';
  const partition = byEmail ? gsi1.customerEmail(filter.email ?? '') : gsi2.status(filter.status ?? '');
  const result = await deps.db.send(
    new QueryCommand({
      TableName: deps.tableName,
      IndexName: index,
      KeyConditionExpression: `${index}pk = :pk`,
      ExpressionAttributeValues: { ':pk': partition },
      ScanIndexForward: false,
      Limit: filter.limit,
      ExclusiveStartKey: indexStartKey(filter.cursor, index, partition),
    }),
  );
  const found = await batchGet(deps, (result.Items ?? []) as ItemKey[]);
  const items = found
    .filter(
      (item) =>
        item[`${index}pk`] === partition && (filter.status === undefined || item.status === filter.status),
    )
    .map(orderRecordOf);
  const nextCursor = encodeCursor(result.LastEvaluatedKey);
  return nextCursor ? { items, nextCursor } : { items };
}

/** Runs a transaction; returns false when a condition failed (the step already happened), throws otherwise. */
export async function transact(deps: Deps, items: TransactItem[], token?: string): Promise<boolean> {
  try {
    await deps.db.send(
      new TransactWriteCommand({
        TransactItems: items,
        ...(token ? { ClientRequestToken: token.slice(0, 36) } : {}),
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/**
 * `transact` for a writer that re-reads and re-plans when it loses: false also when another transaction on
 * the same items was in flight (`TransactionConflict`); throttling or a malformed request still throw.
 */
export async function transactUnlessContended(deps: Deps, items: TransactItem[]): Promise<boolean> {
  try {
    return await transact(deps, items);
  } catch (error) {
    const conflict =
      error instanceof TransactionCanceledException &&
      (error.CancellationReasons ?? []).some((reason) => reason.Code === 'TransactionConflict');
    if (conflict) return false;
    throw error;
  }
}

export async function setPickTicketToken(
  deps: Deps,
  orderId: string,
  ticketId: string,
  taskToken: string,
): Promise<void> {
  await deps.db.send(
    new UpdateCommand({
      TableName: deps.tableName,
      Key: keys.pickTicket(orderId, ticketId),
      UpdateExpression: 'SET taskToken = :token',
      ConditionExpression: '#status = :open',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':token': taskToken, ':open': 'open' },
    }),
  );
}

/** The orders of these ids that exist (one BatchGetItem per 100), in no particular order. */
export async function getOrderRecords(deps: Deps, orderIds: readonly string[]): Promise<OrderRecord[]> {
  const items = await batchGet(
    deps,
    orderIds.map((id) => keys.order(id)),
    { consistent: true },
  );
  return items.map((item) => stripKeys<OrderRecord>(item));
}
