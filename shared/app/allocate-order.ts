import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError, PaymentDeclinedError, PaymentTimeoutError } from '../domain/errors.js';
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
import { binsAt, pickTicketPut } from '../store/pick-tickets.js';
import { advanceOrder } from './fulfillment.js';
import { authorizationKey } from './payments.js';
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
  // The allocation's own tickets (first wave) carry the token; re-routed ones ship on their own runs.
  const firstWave = pickTickets.filter((ticket) => ticket.firstWave !== false);
  const open = firstWave.filter((ticket) => ticket.status === 'open');
  for (const ticket of open) await setPickTicketToken(deps, order.id, ticket.id, taskToken);
  if (open.length > 0)
    return { outcome: 'already-allocated', pickTicketIds: open.map((ticket) => ticket.id) };
  // Every ticket was answered while no workflow was waiting (a restart): answer this wait the same way.
  const last = firstWave[firstWave.length - 1];
  if (last) await advanceOrder(deps, { orderId: order.id, ticketId: last.id, repeat: true, taskToken });
  return { outcome: 'pick-already-confirmed', pickTicketIds: firstWave.map((ticket) => ticket.id) };
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
  const bins = await Promise.all(
    [...byLocation].map(([locationId, lines]) =>
      binsAt(
        deps,
        locationId,
        lines.map((line) => line.sku),
      ),
    ),
  );
  await deps.db.send(
    new TransactWriteCommand({
      TransactItems: [
        ...[...byLocation].map(([locationId, lines], index) =>
          pickTicketPut(deps, {
            orderId: order.id,
            id: ids[index] ?? '',
            locationId,
            lines,
            bins: bins[index] ?? new Map<string, string>(),
            taskToken,
            now,
          }),
        ),
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
  // Nothing for the card to pay (an exchange's no-charge replacement): no authorization is asked (gateways
  // refuse or merely verify a zero amount), so there is none to announce, capture or void (bill-order).
  if (order.payment.amount === 0) return { ...order.payment, status: 'authorized' };
  let result: Awaited<ReturnType<Deps['payments']['authorize']>>;
  try {
    result = await deps.payments.authorize({
      idempotencyKey: authorizationKey(order.id),
      amount: order.payment.amount,
      currency: order.currency,
      customerEmail: order.customer.email,
      reference: order.id,
    });
  } catch (error) {
    if (error instanceof PaymentTimeoutError) await recordTimeout(deps, order);
    throw error;
  }
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

/**
 * A timed-out authorization has an unknown outcome: the workflow retries it with the same key (which answers
 * the first outcome); if every retry times out, its compensation voids by that key (cancel-payment). The
 * order records the timeout so the compensation knows an authorization may exist and the timeline says why.
 */
async function recordTimeout(deps: Deps, order: OrderRecord): Promise<void> {
  const now = deps.clock.now().toISOString();
  await writeIfCondition(
    deps,
    new UpdateCommand(
      withChange(
        deps,
        {
          TableName: deps.tableName,
          Key: keys.order(order.id),
          UpdateExpression: 'SET payment.timedOutAt = :now, updatedAt = :now',
          ConditionExpression: 'payment.#status = :pending AND attribute_not_exists(payment.timedOutAt)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pending': 'pending', ':now': now },
        },
        { timeline: [{ type: 'PaymentTimedOut', at: now }] },
      ),
    ),
  );
}
