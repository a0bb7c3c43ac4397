import { createHash } from 'node:crypto';
import { ConflictError, NotFoundError, PaymentDeclinedError, UnprocessableError } from '../domain/errors.js';
import type { OrderLine } from '../domain/order.js';
import { PaymentRefunded } from '../events/catalogue.js';
import type { Deps } from '../runtime/deps.js';
import { partitionItems, stripKeys } from '../store/db.js';
import { keys } from '../store/keys.js';
import { refundEntryId } from '../store/ledger.js';
import {
  getOrderAggregate,
  getOrderRecord,
  type OrderAggregate,
  type OrderRecord,
  transact,
} from '../store/orders.js';
import { withChange } from '../store/outbox.js';

/** The key an order's card is authorized under: retries and a void by key (a timeout) name it. */
export const authorizationKey = (orderId: string) => `authorize:${orderId}`;

/** One capture of an order, oldest first. */
export interface CaptureRecord {
  captureId: string;
  amount: number;
  at: string;
}

/**
 * The order's captures, oldest first: from `payment.captures` when the capture step keeps such a list, else
 * from the `PaymentCaptured` lines of the timeline (one per capture: each names its capture and amount),
 * else the single capture of an order billed in one go.
 */
export function capturesOf(aggregate: Pick<OrderAggregate, 'order' | 'timeline'>): CaptureRecord[] {
  const { order } = aggregate;
  const listed = (order.payment as { captures?: unknown }).captures;
  const found = new Map<string, CaptureRecord>();
  if (Array.isArray(listed)) {
    for (const row of listed as { captureId?: unknown; amount?: unknown; at?: unknown }[]) {
      if (typeof row.captureId === 'string' && typeof row.amount === 'number') {
        found.set(row.captureId, {
          captureId: row.captureId,
          amount: row.amount,
          at: typeof row.at === 'string' ? row.at : '',
        });
      }
    }
  }
  for (const line of aggregate.timeline) {
    if (line.type !== 'PaymentCaptured') continue;
    const { captureId, amount } = (line.detail ?? {}) as { captureId?: unknown; amount?: unknown };
    if (typeof captureId === 'string' && typeof amount === 'number' && !found.has(captureId)) {
      found.set(captureId, { captureId, amount, at: line.at });
    }
  }
  if (found.size === 0 && order.payment.captureId && order.payment.captured > 0) {
    found.set(order.payment.captureId, {
      captureId: order.payment.captureId,
      amount: order.payment.captured,
      at: order.updatedAt,
    });
  }
  return [...found.values()].sort(
    (a, b) => a.at.localeCompare(b.at) || a.captureId.localeCompare(b.captureId),
  );
}

export interface RefundRecord {
  id: string;
  orderId: string;
  /** `pending` while the gateway is being asked (the amount is already reserved on the order). */
  status: 'pending' | 'completed';
  amount: number;
  currency: string;
  reason: string;
  lines?: { sku: string; quantity: number }[];
  /**
   * Oldest capture first; `refundedBefore` is what earlier refunds had returned from that capture, `refundId`
   * the gateway's, set when the refund completed.
   */
  captures: { captureId: string; amount: number; refundedBefore: number; refundId?: string }[];
  journalEntryId: string;
  requestHash: string;
  createdAt: string;
  completedAt?: string;
}

/** The order's refunds (its partition, strongly consistent). */
export async function listRefunds(deps: Deps, orderId: string): Promise<RefundRecord[]> {
  const items = await partitionItems(deps, keys.orderPartition(orderId), { skPrefix: 'REFUND#' });
  return items.map((item) => stripKeys<RefundRecord>(item));
}

/**
 * What refunding some units of lines is worth: their price, less their share of the line's own discount
 * and of the order-level discount, plus their share of the tax, each rounded down. Shipping is not
 * refunded by lines (give an amount for that).
 */
export function amountOfLines(
  order: Pick<OrderRecord, 'lines' | 'totals'>,
  lines: readonly { sku: string; quantity: number }[],
): number {
  const { totals } = order;
  const allocated = order.lines.reduce((sum, line) => sum + line.discount, 0);
  const orderLevel = Math.max(0, totals.discount - allocated);
  const net = totals.subtotal - totals.discount;
  let amount = 0;
  lines.forEach((wanted, index) => {
    const line: OrderLine | undefined = order.lines.find((candidate) => candidate.sku === wanted.sku);
    if (!line || wanted.quantity > line.quantity) {
      throw new UnprocessableError(
        line
          ? `line ${wanted.sku} has ${line.quantity} units; cannot refund ${wanted.quantity}`
          : `the order has no line ${wanted.sku}`,
        { field: `lines[${index}]` },
      );
    }
    const price = line.unitPrice * wanted.quantity;
    const discount =
      Math.floor((line.discount * wanted.quantity) / line.quantity) +
      (totals.subtotal > 0 ? Math.floor((orderLevel * price) / totals.subtotal) : 0);
    const tax = net > 0 ? Math.floor((totals.tax * (price - discount)) / net) : 0;
    amount += price - discount + tax;
  });
  return amount;
}

export interface RefundInput {
  orderId: string;
  /** Minor units; default: everything captured and not yet refunded (or the lines' worth). */
  amount?: number;
  lines?: { sku: string; quantity: number }[];
  reason: string;
  /** Names the refund: the same key is the same refund (required: a retry never refunds twice). */
  idempotencyKey: string;
}

export const refundIdFor = (orderId: string, key: string) =>
  `rf_${createHash('sha256').update(`${orderId}:${key}`).digest('hex').slice(0, 20)}`;

/**
 * Refunds captured money, in full or in part (`POST /orders/{id}/refunds`), in two steps so that no retry or
 * race moves money twice:
 *
 * 1. reserve: the refund item (`pending`, with the captures it draws on, oldest first, each up to what it has
 *    left) and the order's refunded total, in one transaction conditional on the total it was computed from.
 *    The amount may not exceed what was captured less what was refunded;
 * 2. refund each part at the gateway under a key derived from the refund and the capture, then complete the
 *    item with the gateway's ids, its PaymentRefunded event and its timeline line.
 *
 * A retry with the same key finds the item and resumes step 2 with the parts stored in step 1.
 */
export async function refundOrder(
  deps: Deps,
  input: RefundInput,
): Promise<{ refund: RefundRecord; duplicate: boolean }> {
  const aggregate = await getOrderAggregate(deps, input.orderId);
  if (!aggregate) throw new NotFoundError(`order ${input.orderId} does not exist`);
  const { order } = aggregate;
  const id = refundIdFor(order.id, input.idempotencyKey);
  const requestHash = createHash('sha256')
    .update(JSON.stringify([input.amount ?? null, input.lines ?? null, input.reason]))
    .digest('hex');
  const refunds = await listRefunds(deps, order.id);
  const existing = refunds.find((refund) => refund.id === id);
  if (existing) {
    if (existing.requestHash !== requestHash) {
      throw new ConflictError('Idempotency-Key was already used for a different refund', {
        field: 'Idempotency-Key',
      });
    }
    if (existing.status === 'completed') return { refund: existing, duplicate: true };
    return { refund: await completeRefund(deps, order, existing), duplicate: true };
  }

  const captures = capturesOf(aggregate);
  if (captures.length === 0) {
    throw new ConflictError(
      `order ${order.id} has no captured payment to refund (payment ${order.payment.status})`,
    );
  }
  const refundedBy = new Map<string, number>();
  for (const refund of refunds) {
    for (const part of refund.captures) {
      refundedBy.set(part.captureId, (refundedBy.get(part.captureId) ?? 0) + part.amount);
    }
  }
  const refunded = Math.max(
    order.payment.refunded,
    refunds.reduce((sum, refund) => sum + refund.amount, 0),
  );
  const refundable = captures.reduce((sum, capture) => sum + capture.amount, 0) - refunded;
  const amount = input.lines ? amountOfLines(order, input.lines) : (input.amount ?? refundable);
  if (input.lines && input.amount !== undefined && input.amount !== amount) {
    throw new UnprocessableError(`the lines are worth ${amount}, not ${input.amount}`, { field: 'amount' });
  }
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    throw new UnprocessableError(
      refundable <= 0 ? `order ${order.id} has nothing left to refund` : 'amount must be positive',
      { field: 'amount', refundable },
    );
  }
  if (amount > refundable) {
    throw new UnprocessableError(
      `refund of ${amount} exceeds what order ${order.id} has captured and not refunded (${refundable})`,
      { field: 'amount', refundable },
    );
  }

  const parts: RefundRecord['captures'] = [];
  let rest = amount;
  for (const capture of captures) {
    const left = capture.amount - (refundedBy.get(capture.captureId) ?? 0);
    const take = Math.min(left, rest);
    if (take > 0) {
      parts.push({
        captureId: capture.captureId,
        amount: take,
        refundedBefore: refundedBy.get(capture.captureId) ?? 0,
      });
    }
    rest -= take;
    if (rest === 0) break;
  }
  // A legacy refund recorded only on the order (before refund items) leaves captures looking fuller.
  if (rest > 0) throw new UnprocessableError(`order ${order.id} has only ${amount - rest} left to refund`);

  const refund: RefundRecord = {
    id,
    orderId: order.id,
    status: 'pending',
    amount,
    currency: order.currency,
    reason: input.reason,
    ...(input.lines ? { lines: input.lines } : {}),
    captures: parts,
    journalEntryId: refundEntryId(order.id, id),
    requestHash,
    createdAt: deps.clock.now().toISOString(),
  };
  const reserved = await transact(deps, [
    {
      Put: {
        TableName: deps.tableName,
        Item: { ...keys.refund(order.id, id), entity: 'Refund', entityVersion: 1, ...refund },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    {
      Update: {
        TableName: deps.tableName,
        Key: keys.order(order.id),
        UpdateExpression: 'SET payment.refunded = :after, updatedAt = :now',
        ConditionExpression: 'payment.refunded = :before',
        ExpressionAttributeValues: {
          ':after': order.payment.refunded + amount,
          ':before': order.payment.refunded,
          ':now': refund.createdAt,
        },
      },
    },
  ]);
  if (!reserved) {
    const again = (await listRefunds(deps, order.id)).find((row) => row.id === id);
    if (again?.requestHash === requestHash) {
      return { refund: await completeRefund(deps, order, again), duplicate: true };
    }
    throw new ConflictError(
      `order ${order.id} was refunded by another request meanwhile; retry with the same key`,
    );
  }
  return { refund: await completeRefund(deps, order, refund), duplicate: false };
}

/** Step 2: the gateway refunds (idempotent by key), then the completed item with its event, once. */
async function completeRefund(deps: Deps, order: OrderRecord, refund: RefundRecord): Promise<RefundRecord> {
  const captures: RefundRecord['captures'] = [];
  for (const [index, part] of refund.captures.entries()) {
    let result: { refundId: string };
    try {
      result = await deps.payments.refund({
        idempotencyKey: `refund:${refund.id}:${part.captureId}`,
        captureId: part.captureId,
        amount: part.amount,
        currency: refund.currency,
      });
    } catch (error) {
      // Refused before any part moved money (parts go in order, so no earlier attempt moved any either):
      // the reservation is given back. A timeout, or a refusal after a part went through, stays pending
      // for a retry with the same key.
      if (index === 0 && (error instanceof PaymentDeclinedError || error instanceof ConflictError)) {
        await releaseRefund(deps, order.id, refund);
      }
      throw error;
    }
    captures.push({ ...part, refundId: result.refundId });
  }
  const completedAt = deps.clock.now().toISOString();
  const completed: RefundRecord = { ...refund, status: 'completed', captures, completedAt };
  const event = PaymentRefunded.create(
    {
      orderId: order.id,
      amount: refund.amount,
      currency: refund.currency,
      refundId: refund.id,
      journalEntryId: refund.journalEntryId,
      captures: captures.map((part) => ({
        captureId: part.captureId,
        refundId: part.refundId ?? '',
        amount: part.amount,
        refundedBefore: part.refundedBefore,
      })),
      reason: refund.reason,
    },
    {
      correlationId: order.correlationId,
      idempotencyKey: `${order.id}:refunded:${refund.id}`,
      occurredAt: new Date(completedAt),
    },
  );
  const fresh = await getOrderRecord(deps, order.id);
  const captured = fresh?.payment.captured ?? order.payment.captured;
  const refunded = fresh?.payment.refunded ?? order.payment.refunded;
  // Fully refunded once nothing captured is left and the order will capture nothing more.
  const done = refunded >= captured && (fresh?.payment.status ?? order.payment.status) === 'captured';
  const written = await transact(deps, [
    {
      Update: withChange(
        deps,
        {
          TableName: deps.tableName,
          Key: keys.refund(order.id, refund.id),
          UpdateExpression: 'SET #status = :completed, captures = :captures, completedAt = :now',
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':completed': 'completed',
            ':pending': 'pending',
            ':captures': captures,
            ':now': completedAt,
          },
        },
        {
          events: [event],
          timeline: [
            {
              type: 'PaymentRefunded',
              at: completedAt,
              detail: {
                refundId: refund.id,
                amount: refund.amount,
                reason: refund.reason,
                journalEntryId: refund.journalEntryId,
              },
            },
          ],
        },
      ),
    },
    {
      Update: {
        TableName: deps.tableName,
        Key: keys.order(order.id),
        UpdateExpression: done
          ? 'SET payment.refundId = :refundId, payment.#status = :refunded'
          : 'SET payment.refundId = :refundId',
        ...(done ? { ExpressionAttributeNames: { '#status': 'status' } } : {}),
        ExpressionAttributeValues: { ':refundId': refund.id, ...(done ? { ':refunded': 'refunded' } : {}) },
      },
    },
  ]);
  if (!written) {
    const again = (await listRefunds(deps, order.id)).find((row) => row.id === refund.id);
    if (again) return again;
  }
  return completed;
}

/** Gives a refused refund's reservation back: the pending item goes, the order's refunded total drops. */
async function releaseRefund(deps: Deps, orderId: string, refund: RefundRecord): Promise<void> {
  await transact(deps, [
    {
      Delete: {
        TableName: deps.tableName,
        Key: keys.refund(orderId, refund.id),
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':pending': 'pending' },
      },
    },
    {
      Update: {
        TableName: deps.tableName,
        Key: keys.order(orderId),
        UpdateExpression: 'SET payment.refunded = payment.refunded - :amount, updatedAt = :now',
        ConditionExpression: 'payment.refunded >= :amount',
        ExpressionAttributeValues: { ':amount': refund.amount, ':now': deps.clock.now().toISOString() },
      },
    },
  ]);
}
