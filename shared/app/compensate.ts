import { BUSINESS_METRICS } from '../config/monitoring.js';
import { NotFoundError } from '../domain/errors.js';
import type { OrderStatus } from '../domain/order.js';
import { OrderFailed, PaymentRefunded, PaymentVoided, StockReleased } from '../events/catalogue.js';
import { countMetric } from '../observability.js';
import type { Deps } from '../runtime/deps.js';
import { releaseItem } from '../store/inventory.js';
import { keys } from '../store/keys.js';
import { refundEntryId } from '../store/ledger.js';
import {
  getOrderAggregate,
  type PaymentState,
  partsOf,
  statusUpdateItem,
  transact,
} from '../store/orders.js';
import { type Change, withChange } from '../store/outbox.js';

/** Statuses a failing workflow may still undo; a shipped or completed order is never compensated. */
const UNDOABLE: readonly OrderStatus[] = ['placed', 'allocated', 'picking', 'backordered', 'failed'];

/** Undo of the payment: void an authorization, refund a capture, nothing when nothing was taken. */
export async function cancelPayment(
  deps: Deps,
  input: { orderId: string },
): Promise<{ outcome: 'voided' | 'refunded' | 'nothing-to-undo' }> {
  const aggregate = await getOrderAggregate(deps, input.orderId);
  if (!aggregate) throw new NotFoundError(`order ${input.orderId} does not exist`);
  const { order } = aggregate;
  if (!UNDOABLE.includes(order.status)) return { outcome: 'nothing-to-undo' };
  const now = deps.clock.now().toISOString();
  const meta = (suffix: string) => ({
    correlationId: order.correlationId,
    idempotencyKey: `${order.id}:${suffix}`,
    occurredAt: deps.clock.now(),
  });

  if (order.payment.status === 'authorized' && order.payment.authorizationId) {
    await deps.payments.void({
      idempotencyKey: `void:${order.id}`,
      authorizationId: order.payment.authorizationId,
    });
    const payment: PaymentState = { ...order.payment, status: 'voided' };
    await transact(deps, [
      paymentUpdate(deps, order.id, payment, 'authorized', {
        timeline: [{ type: 'PaymentVoided', at: now }],
        events: [
          PaymentVoided.create(
            { orderId: order.id, authorizationId: order.payment.authorizationId },
            meta('voided'),
          ),
        ],
      }),
    ]);
    return { outcome: 'voided' };
  }

  if (order.payment.status === 'captured' && order.payment.captureId) {
    const refund = await deps.payments.refund({
      idempotencyKey: `refund:${order.id}`,
      captureId: order.payment.captureId,
      amount: order.payment.captured,
      currency: order.currency,
    });
    const payment: PaymentState = {
      ...order.payment,
      status: 'refunded',
      refundId: refund.refundId,
      refunded: order.payment.captured,
    };
    // The accounting consumer posts the reversal of the sale from PaymentRefunded.
    await transact(deps, [
      paymentUpdate(deps, order.id, payment, 'captured', {
        timeline: [{ type: 'PaymentRefunded', at: now, detail: { refundId: refund.refundId } }],
        events: [
          PaymentRefunded.create(
            {
              orderId: order.id,
              amount: payment.refunded,
              currency: order.currency,
              refundId: refund.refundId,
              journalEntryId: refundEntryId(order.id),
            },
            meta('refunded'),
          ),
        ],
      }),
    ]);
    return { outcome: 'refunded' };
  }
  return { outcome: 'nothing-to-undo' };
}

function paymentUpdate(deps: Deps, orderId: string, payment: PaymentState, from: string, change: Change) {
  return {
    Update: withChange(
      deps,
      {
        TableName: deps.tableName,
        Key: keys.order(orderId),
        UpdateExpression: 'SET payment = :payment, updatedAt = :now',
        ConditionExpression: 'payment.#status = :from',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':payment': payment,
          ':from': from,
          ':now': deps.clock.now().toISOString(),
        },
      },
      change,
    ),
  };
}

/** Undo of the reservation: returns exactly what is still held, once per reservation. */
export async function releaseAllocation(
  deps: Deps,
  input: { orderId: string },
): Promise<{ released: { locationId: string; sku: string; quantity: number }[] }> {
  const aggregate = await getOrderAggregate(deps, input.orderId);
  if (!aggregate) throw new NotFoundError(`order ${input.orderId} does not exist`);
  const { order } = aggregate;
  if (!UNDOABLE.includes(order.status)) return { released: [] };
  const now = deps.clock.now().toISOString();
  const released: { locationId: string; sku: string; quantity: number }[] = [];
  for (const reservation of aggregate.reservations.filter((row) => row.status === 'held')) {
    const lines = reservation.lines.map((line) => ({
      locationId: reservation.locationId,
      sku: line.sku,
      quantity: line.quantity,
    }));
    const written = await transact(deps, [
      {
        // The reservation's release carries the StockReleased event and its timeline line.
        Update: withChange(
          deps,
          {
            TableName: deps.tableName,
            Key: keys.reservation(order.id, reservation.locationId, reservation.chunk ?? 0),
            UpdateExpression: 'SET #status = :released, updatedAt = :now',
            ConditionExpression: '#status = :held',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':released': 'released', ':held': 'held', ':now': now },
          },
          {
            timeline: [
              {
                type: 'StockReleased',
                at: now,
                detail: { locationId: reservation.locationId, lines: reservation.lines },
              },
            ],
            events: [
              StockReleased.create(
                { orderId: order.id, lines },
                {
                  correlationId: order.correlationId,
                  idempotencyKey: `${order.id}:released:${reservation.locationId}:${reservation.chunk ?? 0}`,
                  occurredAt: deps.clock.now(),
                },
              ),
            ],
          },
        ),
      },
      ...reservation.lines.flatMap((line) =>
        partsOf(line).map((part) =>
          releaseItem(deps, reservation.locationId, line.sku, part.quantity, now, part.bucket),
        ),
      ),
    ]);
    if (written) released.push(...lines);
  }
  return { released };
}

export async function markOrderFailed(
  deps: Deps,
  input: { orderId: string; error?: { Error?: string; Cause?: string } },
): Promise<{ status: OrderStatus }> {
  const aggregate = await getOrderAggregate(deps, input.orderId);
  if (!aggregate) throw new NotFoundError(`order ${input.orderId} does not exist`);
  const { order } = aggregate;
  const error = input.error?.Error ?? 'Unknown';
  const cause = (input.error?.Cause ?? '').slice(0, 1000);
  const now = deps.clock.now().toISOString();
  const written = await transact(deps, [
    statusUpdateItem(
      deps,
      order,
      'failed',
      ['placed', 'allocated', 'picking'],
      { failure: { error, cause } },
      {
        timeline: [{ type: 'OrderFailed', at: now, detail: { error, cause } }],
        events: [
          OrderFailed.create(
            { orderId: order.id, error, cause },
            {
              correlationId: order.correlationId,
              idempotencyKey: `${order.id}:failed`,
              occurredAt: deps.clock.now(),
            },
          ),
        ],
      },
    ),
  ]);
  if (written) countMetric(BUSINESS_METRICS.ordersFailed);
  return { status: written ? 'failed' : order.status };
}
