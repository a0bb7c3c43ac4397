import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AppliedCoupon } from '../domain/coupons.js';
import { emailHash } from '../domain/email-hash.js';
import { ConflictError, UnprocessableError } from '../domain/errors.js';
import { type CanonicalOrder, cardAmount, deriveTotals } from '../domain/order.js';
import { OrderPlaced } from '../events/catalogue.js';
import type { Deps } from '../runtime/deps.js';
import { redemptionItems, transactWithRetry } from '../store/coupons.js';
import { isConditionFailure } from '../store/db.js';
import { keys } from '../store/keys.js';
import { getLocation } from '../store/locations.js';
import { getOrderRecord, type OrderRecord, orderIndexes, type TimelineEntry } from '../store/orders.js';
import { changeAttributes } from '../store/outbox.js';
import { explainRedemptionFailure, priceOrderWithCoupons, rejectionError } from './coupons.js';

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

export interface PlaceOrderInput {
  order: CanonicalOrder;
  deliveryId?: string;
  requestHash?: string;
  idempotencyKey?: string;
  /**
   * Coupon codes to redeem (direct orders only; normalised, distinct): the OMS prices the lines with them and
   * takes one use of each in the same transaction as the order (docs/coupons.md). Without codes the order is
   * one conditional put, as ever.
   */
  couponCodes?: readonly string[];
  /**
   * Timeline lines written with the order's put, after its own first line: an exchange's replacement order
   * names its return and the agent (shared/app/returns.ts). A duplicate writes nothing.
   */
  timeline?: readonly TimelineEntry[];
}

export async function placeOrder(deps: Deps, input: PlaceOrderInput): Promise<PlaceOrderResult> {
  let { order } = input;
  let applied: AppliedCoupon[] | undefined;
  if (input.couponCodes && input.couponCodes.length > 0) {
    const priced = await priceOrderWithCoupons(deps, order, input.couponCodes);
    if ('rejected' in priced) {
      // A repeat of an order that took the last use finds the code spent: it is the same order, a duplicate.
      const existing = await getOrderRecord(deps, orderIdFor(order.channel, order.externalId));
      if (existing) return duplicateOf(deps, existing, input);
      throw rejectionError(priced.rejected);
    }
    ({ order, applied } = priced);
  }
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
    ...(order.tenders ? { tenders: order.tenders } : {}),
    payment: { status: 'pending', amount: cardAmount(totals, order.tenders), captured: 0, refunded: 0 },
    allocations: [],
    placedAt: order.placedAt ?? now,
    createdAt: now,
    updatedAt: now,
    correlationId: id,
    ...(applied ? { coupons: applied } : {}),
  };
  const item = {
    ...keys.order(id),
    ...orderIndexes(record),
    entity: 'Order',
    entityVersion: 1,
    ...record,
    ...(input.deliveryId ? { firstDeliveryId: input.deliveryId } : {}),
    ...(input.requestHash ? { requestHash: input.requestHash } : {}),
    // The timeline's first line is the order's own createdAt (shared/app/order-view.ts).
    ...changeAttributes(deps, {
      events: [placedEvent(deps, record)],
      ...(input.timeline ? { timeline: input.timeline } : {}),
    }),
  };

  if (applied) {
    // With codes: one transaction, the order put and one use of each code (docs/coupons.md). The order's
    // condition comes first, so a repeated delivery is a duplicate and counts nothing.
    const outcome = await transactWithRetry(deps, [
      { Put: { TableName: deps.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } },
      ...redemptionItems(deps, applied, emailHash(order.customer.email), deps.clock.now()),
    ]);
    if (!outcome.written) {
      const existing = outcome.failed.includes(0) ? await getOrderRecord(deps, id) : undefined;
      if (existing) return duplicateOf(deps, existing, input);
      throw await explainRedemptionFailure(deps, order, applied);
    }
    await startWorkflow(deps, record);
    return { orderId: id, duplicate: false };
  }

  try {
    // One conditional put: the order and its OrderPlaced event (published from the stream) travel in the
    // same item.
    await deps.db.send(
      new PutCommand({
        TableName: deps.tableName,
        Item: item,
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const old = error instanceof ConditionalCheckFailedException ? error.Item : undefined;
    const existing = old ? (unmarshall(old) as OrderRecord & { requestHash?: string }) : undefined;
    if (!existing) return { orderId: id, duplicate: true };
    return duplicateOf(deps, existing, input);
  }

  await startWorkflow(deps, record);
  return { orderId: id, duplicate: false };
}

/** The answer to an order that exists: 409 for a reused Idempotency-Key with another body, else a duplicate. */
async function duplicateOf(
  deps: Deps,
  existing: OrderRecord & { requestHash?: string },
  input: PlaceOrderInput,
): Promise<PlaceOrderResult> {
  if (
    input.idempotencyKey &&
    existing.requestHash &&
    input.requestHash &&
    existing.requestHash !== input.requestHash
  ) {
    throw new ConflictError('Idempotency-Key was already used with a different request body', {
      field: 'Idempotency-Key',
    });
  }
  // A previous delivery may have stored the order and then failed to start the workflow; the sender's
  // retry lands here and finishes the job. Starting is idempotent by execution name.
  if (existing.status === 'placed') await startWorkflow(deps, existing);
  return { orderId: existing.id, duplicate: true };
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

/**
 * The Express shipping run of an order's workflow; a re-routed ticket's run adds its wave (`t<n>`), a
 * reconciler's restart its attempt number.
 */
export const shippingName = (order: Pick<OrderRecord, 'id' | 'redrives'>, attempt = 0, wave?: string) =>
  `${workflowName(order)}.ship${wave ? `.${wave}` : ''}${attempt > 0 ? `.${attempt}` : ''}`;

export async function startWorkflow(
  deps: Deps,
  order: Pick<OrderRecord, 'id' | 'correlationId' | 'redrives'>,
): Promise<void> {
  await deps.workflows.start(workflowName(order), {
    orderId: order.id,
    correlationId: order.correlationId,
  });
}

/**
 * Starts an Express shipping run (select carrier → bill → notify, compensating on failure) for the picked
 * tickets it ships: one run per wave, so a re-routed remainder ships and is billed on its own
 * (docs/fulfillment.md).
 */
export async function startShipping(
  deps: Deps,
  order: Pick<OrderRecord, 'id' | 'correlationId' | 'redrives'>,
  run: { pickTicketIds: string[]; wave?: string; attempt?: number },
): Promise<void> {
  await deps.shipping.start(shippingName(order, run.attempt ?? 0, run.wave), {
    orderId: order.id,
    correlationId: order.correlationId,
    pickTicketIds: run.pickTicketIds,
  });
}
