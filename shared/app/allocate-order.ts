import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { consolidateLines, type LocationCandidate, planAllocation } from '../domain/allocation.js';
import { ConflictError, NotFoundError, OutOfStockError, PaymentDeclinedError } from '../domain/errors.js';
import {
  OrderAllocated,
  OrderBackordered,
  PaymentAuthorized,
  PickTicketOpened,
} from '../events/catalogue.js';
import type { DomainEvent } from '../events/envelope.js';
import type { Deps } from '../runtime/deps.js';
import { failedConditionIndexes } from '../store/db.js';
import { listLocations, reserveItem, stockForSku } from '../store/inventory.js';
import { gsi1, keys } from '../store/keys.js';
import {
  getOrderAggregate,
  type OrderRecord,
  type PaymentState,
  setPickTicketToken,
  statusUpdateItem,
  timelineItem,
  transact,
} from '../store/orders.js';

const MAX_RACE_RETRIES = 3;

export interface AllocateResult {
  outcome: 'allocated' | 'already-allocated';
  pickTicketIds: string[];
}

/**
 * The first workflow step: authorize the payment, reserve stock at one location and open its pick ticket
 * carrying the workflow's task token, all in one transaction. Invoked again (a retry, a duplicate), it
 * re-attaches the new token to the open ticket instead of reserving twice.
 */
export async function allocateOrder(
  deps: Deps,
  input: { orderId: string; taskToken: string },
): Promise<AllocateResult> {
  const aggregate = await getOrderAggregate(deps, input.orderId);
  if (!aggregate) throw new NotFoundError(`order ${input.orderId} does not exist`);
  const { order } = aggregate;

  const openTickets = aggregate.pickTickets.filter((ticket) => ticket.status === 'open');
  if (order.status === 'picking' && openTickets.length > 0) {
    for (const ticket of openTickets) await setPickTicketToken(deps, order.id, ticket.id, input.taskToken);
    return { outcome: 'already-allocated', pickTicketIds: openTickets.map((ticket) => ticket.id) };
  }
  if (order.status !== 'placed' && order.status !== 'backordered') {
    throw new ConflictError(
      `order ${order.id} is ${order.status}; only placed or backordered orders allocate`,
    );
  }

  const payment = await authorize(deps, order);
  const locations = await listLocations(deps);
  const lines = consolidateLines(order.lines);
  const stock = await Promise.all(lines.map((line) => stockForSku(deps, line.sku)));
  const candidates: LocationCandidate[] = locations.map((location) => ({
    locationId: location.id,
    kind: location.kind,
    shipsToHome: location.shipsToHome,
    available: Object.fromEntries(
      lines.map((line, index) => [
        line.sku,
        stock[index]?.find((row) => row.locationId === location.id)?.available ?? 0,
      ]),
    ),
  }));

  const lostRaces = new Set<string>();
  for (let attempt = 0; attempt <= MAX_RACE_RETRIES; attempt += 1) {
    const plan = planAllocation(lines, candidates, lostRaces);
    if (plan.kind === 'short') {
      await backorder(deps, order, payment, plan.missing);
      throw new OutOfStockError(
        `no location can fulfil order ${order.id}: short ${plan.missing.map((line) => `${line.quantity} × ${line.sku}`).join(', ')}`,
      );
    }
    const now = deps.clock.now().toISOString();
    const ticketId = deps.ids.next('pt');
    const allocation = {
      locationId: plan.locationId,
      reason: plan.reason,
      lines: plan.lines,
      candidates: plan.candidates,
    };
    const items = [
      ...plan.lines.map((line) => reserveItem(deps, plan.locationId, line.sku, line.quantity, now)),
      {
        Put: {
          TableName: deps.tableName,
          Item: {
            ...keys.reservation(order.id, plan.locationId),
            entity: 'Reservation',
            entityVersion: 1,
            orderId: order.id,
            locationId: plan.locationId,
            lines: plan.lines,
            status: 'held',
            createdAt: now,
            updatedAt: now,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: deps.tableName,
          Item: {
            ...keys.pickTicket(order.id, ticketId),
            gsi1pk: gsi1.pickTicket(ticketId),
            gsi1sk: 'PICKTICKET',
            entity: 'PickTicket',
            entityVersion: 1,
            id: ticketId,
            orderId: order.id,
            locationId: plan.locationId,
            status: 'open',
            // Bins come with the warehouse issue; sorting by SKU keeps the walk deterministic meanwhile.
            lines: [...plan.lines]
              .sort((a, b) => a.sku.localeCompare(b.sku))
              .map((line) => ({ ...line, bin: `BIN-${line.sku}` })),
            taskToken: input.taskToken,
            createdAt: now,
          },
        },
      },
      statusUpdateItem(deps, order, 'picking', ['placed', 'backordered'], {
        allocations: [allocation],
        payment,
      }),
      timelineItem(deps, order.id, {
        type: 'OrderAllocated',
        at: now,
        detail: { locationId: plan.locationId, reason: plan.reason, pickTicketId: ticketId },
      }),
    ];
    try {
      await deps.db.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      const failed = failedConditionIndexes(error);
      if (failed.length === 0) throw error;
      if (failed.some((index) => index >= plan.lines.length)) {
        // The order moved on under us: another invocation allocated it. Re-run as the duplicate path.
        return await allocateOrder(deps, input);
      }
      // Another order took the stock between our read and our write: try the next best location.
      lostRaces.add(plan.locationId);
      continue;
    }

    const meta = (suffix: string) => ({
      correlationId: order.correlationId,
      idempotencyKey: `${order.id}:${suffix}`,
      occurredAt: deps.clock.now(),
    });
    const events: DomainEvent[] = [
      OrderAllocated.create({ orderId: order.id, allocations: [allocation] }, meta('allocated')),
      PickTicketOpened.create(
        { orderId: order.id, pickTicketId: ticketId, locationId: plan.locationId },
        meta(`pick-opened:${ticketId}`),
      ),
    ];
    if (payment.authorizationId && order.payment.status !== 'authorized') {
      events.unshift(
        PaymentAuthorized.create(
          {
            orderId: order.id,
            amount: payment.amount,
            currency: order.currency,
            authorizationId: payment.authorizationId,
          },
          meta('authorized'),
        ),
      );
    }
    await deps.events.publish(events);
    return { outcome: 'allocated', pickTicketIds: [ticketId] };
  }
  await backorder(deps, order, payment, lines);
  throw new OutOfStockError(`order ${order.id} lost the race for stock ${MAX_RACE_RETRIES + 1} times`);
}

async function authorize(deps: Deps, order: OrderRecord): Promise<PaymentState> {
  if (order.payment.status === 'authorized' && order.payment.authorizationId) return order.payment;
  const result = await deps.payments.authorize({
    idempotencyKey: `authorize:${order.id}`,
    amount: order.totals.grand,
    currency: order.currency,
    customerEmail: order.customer.email,
  });
  if (!result.approved) {
    // Recorded before the workflow's compensation runs, so the order shows why it failed.
    await transact(deps, [
      {
        Update: {
          TableName: deps.tableName,
          Key: keys.order(order.id),
          UpdateExpression:
            'SET payment.#status = :declined, payment.declineReason = :reason, updatedAt = :now',
          ConditionExpression: 'payment.#status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':declined': 'declined',
            ':pending': 'pending',
            ':reason': result.reason,
            ':now': deps.clock.now().toISOString(),
          },
        },
      },
      timelineItem(deps, order.id, { type: 'PaymentDeclined', at: deps.clock.now().toISOString() }),
    ]);
    throw new PaymentDeclinedError(`payment for order ${order.id} was declined: ${result.reason}`);
  }
  return { ...order.payment, status: 'authorized', authorizationId: result.authorizationId };
}

async function backorder(
  deps: Deps,
  order: OrderRecord,
  payment: PaymentState,
  missing: { sku: string; quantity: number }[],
): Promise<void> {
  const now = deps.clock.now().toISOString();
  const changed = await transact(deps, [
    statusUpdateItem(deps, order, 'backordered', ['placed', 'backordered'], { payment }),
    timelineItem(deps, order.id, { type: 'OrderBackordered', at: now, detail: { missing } }),
  ]);
  if (changed && order.status !== 'backordered') {
    await deps.events.publish([
      OrderBackordered.create(
        { orderId: order.id, missing },
        {
          correlationId: order.correlationId,
          idempotencyKey: `${order.id}:backordered`,
          occurredAt: deps.clock.now(),
        },
      ),
    ]);
  }
}
