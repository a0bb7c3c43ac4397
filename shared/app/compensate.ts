import { BUSINESS_METRICS } from '../config/monitoring.js';
import { emailHash } from '../domain/email-hash.js';
import { ConflictError, NotFoundError } from '../domain/errors.js';
import type { OrderStatus } from '../domain/order.js';
import { OrderFailed, PaymentVoided, StockReleased } from '../events/catalogue.js';
import { countMetric } from '../observability.js';
import type { Deps } from '../runtime/deps.js';
import { releaseItems } from '../store/coupons.js';
import type { TransactItem } from '../store/db.js';
import { releaseItem } from '../store/inventory.js';
import { keys } from '../store/keys.js';
import {
  getOrderAggregate,
  type OrderRecord,
  type PaymentState,
  partsOf,
  type ReservationRecord,
  statusUpdateItem,
  transact,
} from '../store/orders.js';
import { type Change, withChange } from '../store/outbox.js';
import { authorizationKey, capturesOf, listRefunds, refundIdFor, refundOrder } from './payments.js';

/** Statuses a failing workflow may still undo; a shipped or completed order is never compensated. */
const UNDOABLE: readonly OrderStatus[] = ['placed', 'allocated', 'picking', 'backordered', 'failed'];

/**
 * Undo of the payment: void an authorization nothing was captured from, refund every capture (the whole
 * order, oldest capture first, as one refund named `compensation`), void by the authorization's key when
 * the authorization timed out (its outcome unknown: an authorization may exist that the order never
 * learned of), nothing when nothing was taken.
 */
export async function cancelPayment(
  deps: Deps,
  input: { orderId: string },
): Promise<{ outcome: 'voided' | 'refunded' | 'nothing-to-undo' }> {
  const aggregate = await getOrderAggregate(deps, input.orderId);
  if (!aggregate) throw new NotFoundError(`order ${input.orderId} does not exist`);
  const { order } = aggregate;
  if (!UNDOABLE.includes(order.status)) return { outcome: 'nothing-to-undo' };
  const now = deps.clock.now().toISOString();

  if (capturesOf(aggregate).length > 0) {
    const refundable = order.payment.captured - order.payment.refunded;
    const compensation = await listRefunds(deps, order.id).then((rows) =>
      rows.find((row) => row.id === refundIdFor(order.id, COMPENSATION_KEY)),
    );
    if (refundable <= 0 && !compensation) return { outcome: 'nothing-to-undo' };
    // The accounting consumer posts the reversal of the sales from PaymentRefunded.
    await refundOrder(deps, {
      orderId: order.id,
      reason: 'order failed: compensation',
      idempotencyKey: COMPENSATION_KEY,
    });
    return { outcome: 'refunded' };
  }

  if (order.payment.status === 'authorized' && order.payment.authorizationId) {
    await voidAuthorization(deps, order);
    return { outcome: 'voided' };
  }

  if (order.payment.status === 'pending' && order.payment.timedOutAt) {
    // Never a new authorization: the void names the one the timed-out request may have made.
    const voided = await deps.payments.void({
      idempotencyKey: `void:${order.id}`,
      authorizationKey: authorizationKey(order.id),
    });
    const payment: PaymentState = {
      ...order.payment,
      status: 'failed',
      failureReason: 'authorization timed out',
      ...(voided.voidId ? { voidId: voided.voidId } : {}),
    };
    await transact(deps, [
      paymentUpdate(deps, order.id, payment, 'pending', {
        timeline: [
          {
            type: 'PaymentVoided',
            at: now,
            detail: { reason: 'authorization timed out', voidId: voided.voidId ?? null },
          },
        ],
      }),
    ]);
    return { outcome: voided.voidId ? 'voided' : 'nothing-to-undo' };
  }
  return { outcome: 'nothing-to-undo' };
}

/**
 * Voids the order's uncaptured authorization at the gateway (keyed by the authorization, so a retry voids
 * nothing twice) and records it once with PaymentVoided and its timeline line. The record is conditioned on
 * the payment still naming the authorization voided: an agent's change may re-authorize a bigger amount in
 * between (shared/app/order-changes.ts), and then the fresh order's authorization is voided instead, so the
 * order never shows `voided` while a live hold is the one it records. The workflow's compensation and an
 * agent's cancellation end an authorization this same way.
 */
export async function voidAuthorization(
  deps: Deps,
  order: Pick<OrderRecord, 'id' | 'correlationId' | 'payment'>,
): Promise<void> {
  let current: Pick<OrderRecord, 'payment'> | undefined = order;
  for (let attempt = 0; attempt < VOID_ATTEMPTS && current; attempt += 1) {
    const { authorizationId } = current.payment;
    if (current.payment.status !== 'authorized' || !authorizationId) return;
    await deps.payments.void({ idempotencyKey: `void:${authorizationId}`, authorizationId });
    const payment: PaymentState = { ...current.payment, status: 'voided' };
    const recorded = await transact(deps, [
      paymentUpdate(
        deps,
        order.id,
        payment,
        'authorized',
        {
          timeline: [{ type: 'PaymentVoided', at: deps.clock.now().toISOString() }],
          events: [
            PaymentVoided.create(
              { orderId: order.id, authorizationId },
              {
                correlationId: order.correlationId,
                idempotencyKey: `${order.id}:voided`,
                occurredAt: deps.clock.now(),
              },
            ),
          ],
        },
        authorizationId,
      ),
    ]);
    if (recorded) return;
    // Voided already (nothing left), or another authorization replaced this one: decide on the order as it is.
    current = (await getOrderAggregate(deps, order.id))?.order;
  }
  if (current?.payment.status === 'authorized') {
    throw new ConflictError(`order ${order.id} kept changing its authorization while it was being voided`);
  }
}

const VOID_ATTEMPTS = 4;

/** The compensation's refund is one refund per order, named by this key. */
const COMPENSATION_KEY = 'compensation';

function paymentUpdate(
  deps: Deps,
  orderId: string,
  payment: PaymentState,
  from: string,
  change: Change,
  authorizationId?: string,
) {
  return {
    Update: withChange(
      deps,
      {
        TableName: deps.tableName,
        Key: keys.order(orderId),
        UpdateExpression: 'SET payment = :payment, updatedAt = :now',
        ConditionExpression: `payment.#status = :from${authorizationId ? ' AND payment.authorizationId = :id' : ''}`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':payment': payment,
          ':from': from,
          ...(authorizationId ? { ':id': authorizationId } : {}),
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
      reservationReleaseItem(deps, order, reservation, now),
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

/**
 * A held reservation row marked released, carrying the StockReleased event and its timeline line (once: the
 * row's `held` condition). The stock items go with it in the caller's transaction: the compensation writes
 * one row at a time, an agent's cancellation every row at once (its stock items grouped per bucket).
 */
export function reservationReleaseItem(
  deps: Deps,
  order: Pick<OrderRecord, 'id' | 'correlationId'>,
  reservation: ReservationRecord,
  now: string,
): TransactItem {
  const lines = reservation.lines.map((line) => ({
    locationId: reservation.locationId,
    sku: line.sku,
    quantity: line.quantity,
  }));
  return {
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
  };
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
    // Coupon uses go back with the move to failed, once (the status condition): docs/coupons.md#release.
    ...releaseItems(deps, order.coupons ?? [], emailHash(order.customer.email), deps.clock.now()),
  ]);
  if (written) countMetric(BUSINESS_METRICS.ordersFailed);
  return { status: written ? 'failed' : order.status };
}
