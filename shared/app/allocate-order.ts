import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError, PaymentDeclinedError } from '../domain/errors.js';
import { PaymentAuthorized, PickTicketOpened } from '../events/catalogue.js';
import type { DomainEvent } from '../events/envelope.js';
import type { Deps } from '../runtime/deps.js';
import { faultPoint } from '../runtime/faults.js';
import { writeIfCondition } from '../store/db.js';
import { keys } from '../store/keys.js';
import {
  getOrderAggregate,
  type OrderAggregate,
  type OrderRecord,
  type PaymentState,
  setPickTicketToken,
  statusUpdateItem,
} from '../store/orders.js';
import { withChange } from '../store/outbox.js';
import { startShipping } from './place-order.js';
import { pickTicketId, reserveOrder } from './reserve-order.js';

export interface AllocateResult {
  outcome: 'allocated' | 'already-allocated' | 'pick-already-confirmed';
  pickTicketIds: string[];
}

/**
 * The first workflow step: authorize the payment, reserve stock by the sourcing rules and open one pick
 * ticket per location carrying the workflow's task token. Invoked again (a retry, a resumed workflow, a
 * backorder re-drive), it picks up where the order is: re-attaches the token to open tickets, answers the
 * token at once when the pick was already confirmed, or only opens tickets for stock reserved earlier.
 */
export async function allocateOrder(
  deps: Deps,
  input: { orderId: string; taskToken: string },
): Promise<AllocateResult> {
  const aggregate = await getOrderAggregate(deps, input.orderId);
  if (!aggregate) throw new NotFoundError(`order ${input.orderId} does not exist`);
  const { order } = aggregate;

  if (order.status === 'picking') return await resumePicking(deps, aggregate, input.taskToken);
  if (order.status === 'allocated') return await openTickets(deps, aggregate, input.taskToken);
  if (order.status !== 'placed' && order.status !== 'backordered') {
    throw new ConflictError(
      `order ${order.id} is ${order.status}; only placed or backordered orders allocate`,
    );
  }

  const payment = await authorize(deps, order);
  const result = await reserveOrder(deps, order, {
    payment,
    taskToken: input.taskToken,
    events: (allocations) => [
      ...authorizedEvent(deps, order, payment),
      ...allocations.map((allocation, index) =>
        PickTicketOpened.create(
          {
            orderId: order.id,
            pickTicketId: pickTicketId(order.id, index),
            locationId: allocation.locationId,
          },
          meta(deps, order, `pick-opened:${pickTicketId(order.id, index)}`),
        ),
      ),
    ],
  });
  if (result.outcome === 'already-reserved') return await allocateOrder(deps, input);
  faultPoint('after-allocation');
  return { outcome: 'allocated', pickTicketIds: result.pickTicketIds };
}

/** The authorization is announced with the write that records it, once. */
function authorizedEvent(deps: Deps, order: OrderRecord, payment: PaymentState): DomainEvent[] {
  if (order.payment.status === 'authorized' || !payment.authorizationId) return [];
  return [
    PaymentAuthorized.create(
      {
        orderId: order.id,
        amount: payment.amount,
        currency: order.currency,
        authorizationId: payment.authorizationId,
      },
      meta(deps, order, 'authorized'),
    ),
  ];
}

const meta = (deps: Deps, order: OrderRecord, suffix: string) => ({
  correlationId: order.correlationId,
  idempotencyKey: `${order.id}:${suffix}`,
  occurredAt: deps.clock.now(),
});

async function resumePicking(
  deps: Deps,
  aggregate: OrderAggregate,
  taskToken: string,
): Promise<AllocateResult> {
  const { order, pickTickets } = aggregate;
  const open = pickTickets.filter((ticket) => ticket.status === 'open');
  for (const ticket of open) await setPickTicketToken(deps, order.id, ticket.id, taskToken);
  if (open.length > 0)
    return { outcome: 'already-allocated', pickTicketIds: open.map((ticket) => ticket.id) };
  // Every ticket was answered while no workflow was waiting (a restart): answer this wait the same way.
  const short = pickTickets.find((ticket) => ticket.status === 'short');
  if (short) {
    await deps.taskCallbacks.fail(taskToken, 'PickShortError', `short pick on ${short.id}`);
  } else {
    await deps.taskCallbacks.succeed(taskToken, {
      pickTicketIds: pickTickets.map((ticket) => ticket.id),
      lines: pickTickets.flatMap((ticket) => ticket.picked ?? []),
    });
    await startShipping(deps, order);
  }
  return { outcome: 'pick-already-confirmed', pickTicketIds: pickTickets.map((ticket) => ticket.id) };
}

/** Stock was reserved ahead of the workflow (a backorder re-drive): authorize and open the tickets. */
async function openTickets(
  deps: Deps,
  aggregate: OrderAggregate,
  taskToken: string,
): Promise<AllocateResult> {
  const { order } = aggregate;
  const payment = await authorize(deps, order);
  const held = aggregate.reservations.filter((reservation) => reservation.status === 'held');
  const byLocation = new Map<string, { sku: string; quantity: number }[]>();
  for (const reservation of held) {
    const lines = byLocation.get(reservation.locationId) ?? [];
    for (const line of reservation.lines) {
      const existing = lines.find((row) => row.sku === line.sku);
      if (existing) existing.quantity += line.quantity;
      else lines.push({ sku: line.sku, quantity: line.quantity });
    }
    byLocation.set(reservation.locationId, lines);
  }
  const now = deps.clock.now().toISOString();
  const ids = [...byLocation.keys()].map((_, index) => pickTicketId(order.id, index));
  await deps.db.send(
    new TransactWriteCommand({
      TransactItems: [
        ...[...byLocation].map(([locationId, lines], index) => ({
          Put: {
            TableName: deps.tableName,
            Item: {
              ...keys.pickTicket(order.id, ids[index] ?? ''),
              entity: 'PickTicket',
              entityVersion: 1,
              id: ids[index],
              orderId: order.id,
              locationId,
              status: 'open',
              lines: [...lines]
                .sort((a, b) => a.sku.localeCompare(b.sku))
                .map((line) => ({ ...line, bin: `BIN-${line.sku}` })),
              taskToken,
              createdAt: now,
            },
          },
        })),
        statusUpdateItem(
          deps,
          order,
          'picking',
          ['allocated'],
          { payment },
          {
            timeline: [{ type: 'PickTicketsOpened', at: now, detail: { pickTicketIds: ids } }],
            events: [
              ...authorizedEvent(deps, order, payment),
              ...[...byLocation.keys()].map((locationId, index) =>
                PickTicketOpened.create(
                  { orderId: order.id, pickTicketId: ids[index] ?? '', locationId },
                  meta(deps, order, `pick-opened:${ids[index]}`),
                ),
              ),
            ],
          },
        ),
      ],
    }),
  );
  return { outcome: 'allocated', pickTicketIds: ids };
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
    const now = deps.clock.now().toISOString();
    // False when an earlier attempt already recorded it.
    await writeIfCondition(
      deps,
      new UpdateCommand(
        withChange(
          deps,
          {
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
              ':now': now,
            },
          },
          { timeline: [{ type: 'PaymentDeclined', at: now }] },
        ),
      ),
    );
    throw new PaymentDeclinedError(`payment for order ${order.id} was declined: ${result.reason}`);
  }
  return { ...order.payment, status: 'authorized', authorizationId: result.authorizationId };
}
