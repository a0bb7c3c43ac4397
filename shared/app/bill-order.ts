import { BUSINESS_METRICS } from '../config/monitoring.js';
import { ConflictError, NotFoundError } from '../domain/errors.js';
import { OrderShipped, PaymentCaptured } from '../events/catalogue.js';
import { countMetric } from '../observability.js';
import type { Deps } from '../runtime/deps.js';
import { faultPoint } from '../runtime/faults.js';
import { shipItems } from '../store/inventory.js';
import { keys } from '../store/keys.js';
import { saleEntryId } from '../store/ledger.js';
import {
  getOrderAggregate,
  type PaymentState,
  partsOf,
  statusUpdateItem,
  transact,
} from '../store/orders.js';

/**
 * Captures the payment when the goods ship and, in one transaction, commits the stock (it leaves on-hand and
 * reserved) and marks the order shipped with its PaymentCaptured and OrderShipped events. The accounting
 * consumer posts the balanced sale entry from PaymentCaptured, exactly once. The gateway capture is
 * idempotent by key, so a retry after a failed write never captures twice.
 */
export async function billOrder(deps: Deps, input: { orderId: string }): Promise<{ payment: PaymentState }> {
  const aggregate = await getOrderAggregate(deps, input.orderId);
  if (!aggregate) throw new NotFoundError(`order ${input.orderId} does not exist`);
  const { order } = aggregate;
  if (order.payment.status === 'captured') return { payment: order.payment };
  if (order.status !== 'picking' || order.payment.status !== 'authorized' || !order.payment.authorizationId) {
    throw new ConflictError(
      `order ${order.id} is ${order.status} with payment ${order.payment.status}; cannot bill`,
    );
  }
  if (aggregate.shipments.length === 0) throw new ConflictError(`order ${order.id} has no shipment to bill`);

  const capture = await deps.payments.capture({
    idempotencyKey: `capture:${order.id}`,
    authorizationId: order.payment.authorizationId,
    amount: order.totals.grand,
    currency: order.currency,
  });
  // Money has moved at the gateway but nothing is recorded yet: the worst moment to lose the process.
  faultPoint('after-capture');
  const now = deps.clock.now().toISOString();
  const journalEntryId = saleEntryId(order.id);
  const payment: PaymentState = {
    ...order.payment,
    status: 'captured',
    captureId: capture.captureId,
    captured: order.totals.grand,
  };
  const meta = (suffix: string) => ({
    correlationId: order.correlationId,
    idempotencyKey: `${order.id}:${suffix}`,
    occurredAt: deps.clock.now(),
  });
  const events = [
    PaymentCaptured.create(
      {
        orderId: order.id,
        amount: order.totals.grand,
        currency: order.currency,
        captureId: capture.captureId,
        journalEntryId,
        totals: order.totals,
      },
      meta('captured'),
    ),
    OrderShipped.create(
      {
        orderId: order.id,
        shipments: aggregate.shipments.map(({ carrier, service, trackingNumber }) => ({
          carrier,
          service,
          trackingNumber,
        })),
      },
      meta('shipped'),
    ),
  ];
  const held = aggregate.reservations.filter((reservation) => reservation.status === 'held');
  const written = await transact(deps, [
    statusUpdateItem(
      deps,
      order,
      'shipped',
      ['picking'],
      { payment },
      {
        events,
        timeline: [
          {
            type: 'PaymentCaptured',
            at: now,
            detail: { amount: order.totals.grand, captureId: capture.captureId, journalEntryId },
          },
        ],
      },
    ),
    ...held.flatMap((reservation) => [
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
  ]);
  if (!written) {
    const again = await getOrderAggregate(deps, order.id);
    if (again?.order.payment.status === 'captured') return { payment: again.order.payment };
    throw new ConflictError(`order ${order.id} changed while it was being billed`);
  }
  countMetric(BUSINESS_METRICS.ordersShipped);
  return { payment };
}
