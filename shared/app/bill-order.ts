import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { BUSINESS_METRICS } from '../config/monitoring.js';
import { addShares, captureShare, ZERO_SHARE } from '../domain/capture.js';
import { ConflictError, NotFoundError, TransientError } from '../domain/errors.js';
import { OrderShipped, PaymentCaptured } from '../events/catalogue.js';
import { countMetric } from '../observability.js';
import type { Deps } from '../runtime/deps.js';
import { faultPoint } from '../runtime/faults.js';
import type { TransactItem } from '../store/db.js';
import { writeIfCondition } from '../store/db.js';
import { shipItems } from '../store/inventory.js';
import { keys } from '../store/keys.js';
import { saleEntryId } from '../store/ledger.js';
import {
  getOrderAggregate,
  type OrderAggregate,
  type OrderRecord,
  type PaymentState,
  type PendingCapture,
  type PickTicketRecord,
  partsOf,
  type ShipmentRecord,
  statusUpdateItem,
  transact,
} from '../store/orders.js';
import { billedTickets, hasPicked, ticketIdOfShipment, ticketRows } from './fulfillment.js';
import { shippedLines } from './select-carrier.js';

const MAX_ATTEMPTS = 4;

const ticketOf = (aggregate: OrderAggregate, shipment: ShipmentRecord): PickTicketRecord | undefined =>
  aggregate.pickTickets.find((ticket) => ticket.id === ticketIdOfShipment(shipment));

/**
 * Bills the shipments of one shipping run, each on its own: captures that shipment's share of the order's
 * money (docs/fulfillment.md#capture-per-shipment) under the key `capture:<orderId>:<shipmentId>`, and, in
 * one transaction, commits its stock (the ticket's reservation rows leave on-hand and reserved), marks the
 * capture on the order's payment (`captures`) and moves the order to `partially_shipped`, or `shipped` with
 * the final capture, with PaymentCaptured (this capture's totals) and OrderShipped. The capture is idempotent
 * by key, the order's write is conditional on nothing else having been captured since it was read and each
 * reservation row on still being held, so a retried run never captures or commits twice.
 */
export async function billOrder(
  deps: Deps,
  input: { orderId: string; pickTicketIds?: string[] },
): Promise<{ payment: PaymentState; billed: string[] }> {
  const aggregate = await getOrderAggregate(deps, input.orderId);
  if (!aggregate) throw new NotFoundError(`order ${input.orderId} does not exist`);
  const ofRun = aggregate.shipments.filter((shipment) => {
    if (!input.pickTicketIds) return true;
    const ticket = ticketOf(aggregate, shipment);
    return ticket !== undefined && input.pickTicketIds.includes(ticket.id);
  });
  if (ofRun.length === 0) {
    if (aggregate.order.payment.status === 'captured')
      return { payment: aggregate.order.payment, billed: [] };
    throw new ConflictError(`order ${aggregate.order.id} has no shipment to bill`);
  }
  let payment = aggregate.order.payment;
  const billed: string[] = [];
  let read: OrderAggregate | undefined = aggregate;
  for (const shipment of [...ofRun].sort((a, b) => a.id.localeCompare(b.id))) {
    payment = await billShipment(deps, input.orderId, shipment.id, read);
    read = undefined;
    billed.push(shipment.id);
  }
  return { payment, billed };
}

async function billShipment(
  deps: Deps,
  orderId: string,
  shipmentId: string,
  read?: OrderAggregate,
): Promise<PaymentState> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    // The run's own read serves the first attempt; a retry reads what the other writer left.
    const aggregate = attempt === 0 && read ? read : await getOrderAggregate(deps, orderId);
    if (!aggregate) throw new NotFoundError(`order ${orderId} does not exist`);
    const { order } = aggregate;
    const shipment = aggregate.shipments.find((row) => row.id === shipmentId);
    if (!shipment) throw new ConflictError(`order ${orderId} has no shipment ${shipmentId}`);
    // Billed already (a retried run), or billed as a whole before captures were per shipment.
    if (billedTickets(aggregate).has(ticketIdOfShipment(shipment))) return order.payment;
    const { authorizationId } = order.payment;
    // A free order (nothing for the card to pay: an exchange's replacement) has no authorization to capture.
    const free = order.payment.amount === 0 && !authorizationId;
    if (
      (order.status !== 'picking' && order.status !== 'partially_shipped') ||
      order.payment.status !== 'authorized' ||
      (!authorizationId && !free)
    ) {
      throw new ConflictError(
        `order ${order.id} is ${order.status} with payment ${order.payment.status}; cannot bill`,
      );
    }
    const ticket = ticketOf(aggregate, shipment);
    if (!ticket) throw new ConflictError(`shipment ${shipment.id} has no pick ticket`);
    const rows = ticketRows(aggregate.reservations, ticket);
    const capturedSoFar = order.payment.capturedTotals ?? ZERO_SHARE;
    const pending = order.payment.pendingCapture;
    if (pending && pending.shipmentId !== shipment.id) {
      // Another shipment of this order is between its capture and its record: bill after it (Step Functions
      // retries TransientError with backoff).
      throw new TransientError(
        `order ${order.id} is billing shipment ${pending.shipmentId}; ${shipment.id} waits`,
      );
    }
    const intent = pending ?? captureIntent(order, ticket, shipment, aggregate, capturedSoFar);
    const { final, first, share, amount } = intent;
    // An order shipping in several parts records the request before the gateway sees it (one more write of the
    // order, for those orders only): whatever happens next, this key is only ever sent with this request.
    if (!pending && !(first && final) && !(await recordIntent(deps, order, intent))) continue;
    const idempotencyKey = `capture:${order.id}:${shipment.id}`;
    // A free order's shipment is billed for 0 without the gateway, under an id that names no gateway capture:
    // the rest is any shipment's (PaymentCaptured carries its share, so the sale and its 100 % discount post).
    const capture = authorizationId
      ? await deps.payments.capture({
          idempotencyKey,
          authorizationId,
          amount,
          currency: order.currency,
          final,
        })
      : { captureId: `none_${shipment.id}` };
    // Money has moved at the gateway but nothing is recorded yet: the worst moment to lose the process.
    faultPoint('after-capture');
    const now = deps.clock.now().toISOString();
    // The whole order in one capture keeps the ids it always had; later captures get their own.
    const whole = first && final;
    const suffix = shipment.id.replace(/^sh_[0-9a-f]+_/, '');
    const journalEntryId = first ? saleEntryId(order.id) : `${saleEntryId(order.id)}_${suffix}`;
    const capturedTotals = addShares(capturedSoFar, share);
    // An order that ships in one piece keeps the payment's old shape (no per-shipment list): the common
    // case writes no more than it did (the order item is written twice-sized in the transaction).
    const payment: PaymentState = whole
      ? {
          ...order.payment,
          status: 'captured',
          captureId: capture.captureId,
          captured: order.payment.captured + amount,
        }
      : {
          ...withoutPending(order.payment),
          status: final ? 'captured' : 'authorized',
          captureId: capture.captureId,
          captured: order.payment.captured + amount,
          capturedTotals,
          captures: [
            ...(order.payment.captures ?? []),
            { shipmentId: shipment.id, captureId: capture.captureId, amount, at: now },
          ],
        };
    const meta = (name: string) => ({
      correlationId: order.correlationId,
      idempotencyKey: whole ? `${order.id}:${name}` : `${order.id}:${name}:${shipment.id}`,
      occurredAt: deps.clock.now(),
    });
    const events = [
      PaymentCaptured.create(
        {
          orderId: order.id,
          amount,
          currency: order.currency,
          captureId: capture.captureId,
          journalEntryId,
          totals: share,
          shipmentId: shipment.id,
        },
        meta('captured'),
      ),
      OrderShipped.create(
        {
          orderId: order.id,
          shipments: [
            { carrier: shipment.carrier, service: shipment.service, trackingNumber: shipment.trackingNumber },
          ],
        },
        meta('shipped'),
      ),
    ];
    const orderItem = statusUpdateItem(
      deps,
      order,
      final ? 'shipped' : 'partially_shipped',
      ['picking', 'partially_shipped'],
      { payment },
      {
        events,
        timeline: [
          {
            type: 'PaymentCaptured',
            at: now,
            // A whole-order capture's line stays as it was (the order item is billed by size in the transaction).
            detail: {
              amount,
              captureId: capture.captureId,
              journalEntryId,
              ...(whole ? {} : { shipmentId: shipment.id, final }),
            },
          },
        ],
      },
      // Two runs billing two shipments of one order at once: the second re-reads and takes its share after.
      // The payment is written whole, so a refund reserved since the read must not be lost either.
      { 'payment.captured': order.payment.captured, 'payment.refunded': order.payment.refunded },
    );
    const items: TransactItem[] = [
      orderItem,
      ...rows.flatMap((reservation) => [
        ...reservation.lines.flatMap((line) =>
          partsOf(line).flatMap((part) =>
            shipItems(deps, reservation.locationId, line.sku, part.quantity, now, part.bucket, order.id),
          ),
        ),
        {
          Update: {
            TableName: deps.tableName,
            Key: keys.reservation(order.id, reservation.locationId, reservation.chunk ?? 0),
            UpdateExpression: 'SET #status = :shipped, updatedAt = :now',
            ConditionExpression: '#status = :held',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':shipped': 'shipped', ':held': 'held', ':now': now },
          },
        },
      ]),
    ];
    if (await transact(deps, items)) {
      if (final) countMetric(BUSINESS_METRICS.ordersShipped);
      return payment;
    }
  }
  throw new ConflictError(`order ${orderId} changed while shipment ${shipmentId} was being billed`);
}

/**
 * Whether anything of the order is still to ship besides this shipment: an open ticket, another picked
 * ticket not billed yet, stock still held for another ticket, or units waiting for stock.
 */
function moreToShip(aggregate: OrderAggregate, ticket: PickTicketRecord, shipment: ShipmentRecord): boolean {
  const billed = billedTickets(aggregate);
  billed.add(ticketIdOfShipment(shipment));
  const mine = new Set(
    ticketRows(aggregate.reservations, ticket).map((row) => `${row.locationId}#${row.chunk}`),
  );
  return (
    aggregate.pickTickets.some((row) => row.status === 'open') ||
    aggregate.pickTickets.some((row) => row.id !== ticket.id && hasPicked(row) && !billed.has(row.id)) ||
    aggregate.reservations.some(
      (row) => row.status === 'held' && !mine.has(`${row.locationId}#${row.chunk}`),
    ) ||
    (aggregate.order.backorder?.missing.length ?? 0) > 0
  );
}

/** What this shipment's capture is: its share of the order's money and the card amount (docs/fulfillment.md). */
function captureIntent(
  order: OrderRecord,
  ticket: PickTicketRecord,
  shipment: ShipmentRecord,
  aggregate: OrderAggregate,
  capturedSoFar: PendingCapture['share'],
): PendingCapture {
  const final = !moreToShip(aggregate, ticket, shipment);
  const first = (order.payment.captures ?? []).length === 0;
  const share = captureShare({
    lines: order.lines,
    totals: order.totals,
    shipped: shippedLines(ticket),
    captured: capturedSoFar,
    first,
    final,
  });
  // The card pays `payment.amount` (less than the grand total when gift cards or store credit pay part): its
  // captures follow the shares, the final one taking what is left of it. BigInt: share × card total can pass
  // 2^53 on large JPY or KWD orders.
  const cardTotal = order.payment.amount;
  const grand = order.totals.grand;
  const amount = final
    ? cardTotal - order.payment.captured
    : grand <= 0
      ? 0
      : cardTotal === grand
        ? share.grand
        : Number((BigInt(share.grand) * BigInt(cardTotal)) / BigInt(grand));
  return { shipmentId: shipment.id, amount, final, first, share };
}

/** Stores the intent on the order if nothing was captured or intended since the read; false when it lost. */
async function recordIntent(deps: Deps, order: OrderRecord, intent: PendingCapture): Promise<boolean> {
  return await writeIfCondition(
    deps,
    new UpdateCommand({
      TableName: deps.tableName,
      Key: keys.order(order.id),
      UpdateExpression: 'SET payment.pendingCapture = :intent',
      ConditionExpression: 'attribute_not_exists(payment.pendingCapture) AND payment.captured = :captured',
      ExpressionAttributeValues: { ':intent': intent, ':captured': order.payment.captured },
    }),
  );
}

const withoutPending = ({ pendingCapture: _pending, ...payment }: PaymentState): PaymentState => payment;
