import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { emailHash } from '../domain/email-hash.js';
import { ConflictError, UnprocessableError } from '../domain/errors.js';
import { type CanonicalOrder, deriveTotals } from '../domain/order.js';
import { OrderPlaced } from '../events/catalogue.js';
import type { Deps } from '../runtime/deps.js';
import { isConditionFailure } from '../store/db.js';
import { keys } from '../store/keys.js';
import { getLocation } from '../store/locations.js';
import { type OrderRecord, orderIndexes } from '../store/orders.js';
import { changeAttributes } from '../store/outbox.js';

export interface PlaceOrderResult {
  orderId: string;
  duplicate: boolean;
}

/**
 * The order id is derived from the channel and the channel's own order id, so every repeat of the same
 * external order (a retried delivery, the same order under a new delivery id) lands on the same item and
 * one conditional put is the whole idempotency check. See docs/decisions/0002-deterministic-order-ids.md.
 */
export function orderIdFor(channel: string, externalId: string): string {
  return `ord_${createHash('sha256').update(`${channel}:${externalId}`).digest('hex').slice(0, 24)}`;
}

export const requestHash = (body: Uint8Array | string): string =>
  createHash('sha256').update(body).digest('hex');

export async function placeOrder(
  deps: Deps,
  input: { order: CanonicalOrder; deliveryId?: string; requestHash?: string; idempotencyKey?: string },
): Promise<PlaceOrderResult> {
  const { order } = input;
  const totals = deriveTotals(order);
  if (order.fulfillment.type === 'pickup') {
    const store = await getLocation(deps, order.fulfillment.locationId);
    if (!store?.pickup) {
      throw new UnprocessableError(
        `location ${order.fulfillment.locationId} ${store ? 'does not offer pickup' : 'does not exist'}`,
        { field: 'fulfillment.locationId' },
      );
    }
  }
  const now = deps.clock.now().toISOString();
  const id = orderIdFor(order.channel, order.externalId);
  const record: OrderRecord = {
    id,
    channel: order.channel,
    externalId: order.externalId,
    ...(order.orderNumber ? { orderNumber: order.orderNumber } : {}),
    status: 'placed',
    currency: order.currency,
    customer: order.customer,
    shippingAddress: order.shippingAddress,
    fulfillment: order.fulfillment,
    lines: order.lines,
    totals,
    payment: { status: 'pending', amount: totals.grand, captured: 0, refunded: 0 },
    allocations: [],
    placedAt: order.placedAt ?? now,
    createdAt: now,
    updatedAt: now,
    correlationId: id,
  };

  try {
    // One conditional put: the order and its OrderPlaced event (published from the stream) travel in the
    // same item.
    await deps.db.send(
      new PutCommand({
        TableName: deps.tableName,
        Item: {
          ...keys.order(id),
          ...orderIndexes(record),
          entity: 'Order',
          entityVersion: 1,
          ...record,
          ...(input.deliveryId ? { firstDeliveryId: input.deliveryId } : {}),
          ...(input.requestHash ? { requestHash: input.requestHash } : {}),
          // The timeline's first line is the order's own createdAt (shared/app/order-view.ts).
          ...changeAttributes(deps, { events: [placedEvent(deps, record)] }),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const old = error instanceof ConditionalCheckFailedException ? error.Item : undefined;
    const existing = old ? (unmarshall(old) as OrderRecord & { requestHash?: string }) : undefined;
    if (
      input.idempotencyKey &&
      existing?.requestHash &&
      input.requestHash &&
      existing.requestHash !== input.requestHash
    ) {
      throw new ConflictError('Idempotency-Key was already used with a different request body', {
        field: 'Idempotency-Key',
      });
    }
    // A previous delivery may have stored the order and then failed to start the workflow; the sender's
    // retry lands here and finishes the job. Starting is idempotent by execution name.
    if (existing?.status === 'placed') await startWorkflow(deps, existing);
    return { orderId: id, duplicate: true };
  }

  await startWorkflow(deps, record);
  return { orderId: id, duplicate: false };
}

function placedEvent(deps: Deps, record: OrderRecord) {
  const { id, totals } = record;
  return OrderPlaced.create(
    {
      orderId: id,
      channel: record.channel,
      externalId: record.externalId,
      currency: record.currency,
      grandTotal: totals.grand,
      lineCount: record.lines.length,
      skus: [...new Set(record.lines.map((line) => line.sku))],
      emailHash: emailHash(record.customer.email),
    },
    { correlationId: id, idempotencyKey: `${id}:placed`, occurredAt: deps.clock.now() },
  );
}

/** Execution names are unique per order and re-drive: Step Functions refuses a name reused within 90 days. */
export const workflowName = (order: Pick<OrderRecord, 'id' | 'redrives'>) =>
  order.redrives ? `${order.id}.r${order.redrives}` : order.id;

/** The Express shipping run of an order's workflow; a reconciler's restart adds its attempt number. */
export const shippingName = (order: Pick<OrderRecord, 'id' | 'redrives'>, attempt = 0) =>
  `${workflowName(order)}.ship${attempt > 0 ? `.${attempt}` : ''}`;

export async function startWorkflow(
  deps: Deps,
  order: Pick<OrderRecord, 'id' | 'correlationId' | 'redrives'>,
): Promise<void> {
  await deps.workflows.start(workflowName(order), {
    orderId: order.id,
    correlationId: order.correlationId,
  });
}

/** Starts the order's Express shipping run (select carrier → bill → notify, compensating on failure). */
export async function startShipping(
  deps: Deps,
  order: Pick<OrderRecord, 'id' | 'correlationId' | 'redrives'>,
  attempt = 0,
): Promise<void> {
  await deps.shipping.start(shippingName(order, attempt), {
    orderId: order.id,
    correlationId: order.correlationId,
  });
}
