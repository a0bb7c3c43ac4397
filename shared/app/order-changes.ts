import { sourcingProfileFor } from '../config/sourcing-profiles.js';
import { emailHash } from '../domain/email-hash.js';
import {
  ConflictError,
  OutOfStockError,
  PaymentDeclinedError,
  UnprocessableError,
} from '../domain/errors.js';
import { cardAmount, type OrderLine } from '../domain/order.js';
import {
  type AddedUnits,
  allocationsAfterRelease,
  assertAdditionAllowed,
  assertChangeable,
  CHANGEABLE_STATUSES,
  lessUnits,
  linesAfterAddition,
  linesAfterRemoval,
  mergeBySku,
  takeFromHolders,
  totalsAfterAddition,
  totalsAfterRemoval,
  type UnitsOfSku,
  unitsToRelease,
  valueOfAdded,
} from '../domain/order-changes.js';
import { sortByBin, takeFromRows } from '../domain/pick.js';
import { decideSourcing } from '../domain/sourcing.js';
import {
  OrderCancelled,
  OrderLinesCancelled,
  PaymentAuthorized,
  StockReleased,
} from '../events/catalogue.js';
import type { DomainEvent } from '../events/envelope.js';
import { logger } from '../observability.js';
import { TaskTokenExpiredError } from '../ports/workflow.js';
import type { Deps } from '../runtime/deps.js';
import { releaseItems } from '../store/coupons.js';
import type { TransactItem } from '../store/db.js';
import { pause } from '../store/db.js';
import { planBucketParts, releaseItem, reserveItem, stockBuckets } from '../store/inventory.js';
import { keys } from '../store/keys.js';
import { allocatedToday, listLocations } from '../store/locations.js';
import {
  type AllocationView,
  getOrderAggregate,
  type OrderAggregate,
  type OrderRecord,
  type PaymentState,
  type PickTicketRecord,
  partsOf,
  type ReservationRecord,
  type ReservedLine,
  requireOrderAggregate,
  statusUpdateItem,
  transactUnlessContended,
} from '../store/orders.js';
import { withChange } from '../store/outbox.js';
import { nextTicketNumber } from '../store/pick-tickets.js';
import {
  type AgentAction,
  actionIdFor,
  actionTimeline,
  auditPut,
  findAction,
  requestHashOf,
} from './agent-actions.js';
import { reservationReleaseItem, voidAuthorization } from './compensate.js';
import {
  CHUNKS_PER_TICKET,
  cancelTicketItem,
  openTicketChecks,
  reroutedShipment,
  rowUpdate,
  ticketRows,
} from './fulfillment.js';
import { answerWaitIfMoved } from './order-shipping-change.js';
import { amountOfLines } from './payments.js';
import {
  reservationItem,
  sourcingFulfillment,
  TRANSACTION_LIMIT,
  toSourcingLocations,
} from './reserve-order.js';

/** Audit kinds of the two routes (shared/app/agent-actions.ts). */
const CANCEL_KIND = 'order.cancelled';
const LINES_KIND = 'order.lines-changed';

/** How the card's side moved: `before`/`after` are the card amounts (minor units). */
export interface PaymentChange {
  before: number;
  after: number;
  action: 'authorized' | 'reduced' | 'voided' | 'none';
}

/** What a change did, as answered to the agent and stored on its audit item for retries. */
export interface ChangeOutcome {
  [key: string]: unknown;
  /** The whole order was cancelled (every unit), not some lines. */
  whole: boolean;
  cancelled: UnitsOfSku[];
  added: AddedUnits[];
  released: { locationId: string; sku: string; quantity: number }[];
  reserved: { locationId: string; sku: string; quantity: number }[];
  payment: PaymentChange;
  /** The authorization a bigger one replaced, voided after the change (again on a retry: by its key). */
  supersededAuthorizationId?: string;
}

export interface ChangeAnswer {
  outcome: ChangeOutcome;
  aggregate: OrderAggregate;
  duplicate: boolean;
}

const MAX_ATTEMPTS = 4;

/**
 * POST /agent/orders/{id}/cancellation: cancels the whole order, or some units of its lines, before anything
 * is picked (docs/customer-service.md#order-changes-cancellations-and-lines). Cancelling every unit left is
 * the whole cancellation.
 * A retry with the same Idempotency-Key answers the stored outcome and finishes what a crash may have left
 * (the void, the workflow's answer).
 */
export async function cancelOrder(
  deps: Deps,
  action: AgentAction,
  input: { orderId: string; lines?: UnitsOfSku[] },
): Promise<ChangeAnswer> {
  const request = { reason: action.reason, lines: input.lines ?? null };
  const remove = input.lines ? mergeBySku(input.lines, 'lines') : undefined;
  return await runChange(
    deps,
    action,
    { orderId: input.orderId, kind: CANCEL_KIND, request },
    (aggregate, holds) =>
      !remove || linesAfterRemoval(aggregate.order.lines, remove, 'lines').length === 0
        ? cancelWhole(deps, action, aggregate, CANCEL_KIND, request)
        : changeLines(deps, action, aggregate, holds, {
            kind: CANCEL_KIND,
            request,
            remove,
            add: [],
            field: 'lines',
          }),
  );
}

/**
 * POST /agent/orders/{id}/lines: removes units (as a cancellation of those units) and adds units at a given
 * price, reserving their stock and authorizing the bigger amount, in one change. Removing every unit is the
 * whole cancellation.
 */
export async function changeOrderLines(
  deps: Deps,
  action: AgentAction,
  input: { orderId: string; add?: AddedUnits[]; remove?: UnitsOfSku[] },
): Promise<ChangeAnswer> {
  const request = { reason: action.reason, add: input.add ?? null, remove: input.remove ?? null };
  const remove = mergeBySku(input.remove ?? [], 'remove');
  const add = mergeBySku(input.add ?? [], 'add');
  if (remove.length === 0 && add.length === 0) {
    throw new UnprocessableError('name lines to add or to remove', { field: 'add' });
  }
  const both = add.findIndex((line) => remove.some((other) => other.sku === line.sku));
  if (both >= 0) {
    throw new UnprocessableError(`${add[both]?.sku} is both added and removed: change it one way`, {
      field: `add[${both}].sku`,
    });
  }
  return await runChange(
    deps,
    action,
    { orderId: input.orderId, kind: LINES_KIND, request },
    (aggregate, holds) =>
      add.length === 0 && linesAfterRemoval(aggregate.order.lines, remove, 'remove').length === 0
        ? cancelWhole(deps, action, aggregate, LINES_KIND, request)
        : changeLines(deps, action, aggregate, holds, {
            kind: LINES_KIND,
            request,
            remove,
            add,
            field: 'remove',
          }),
  );
}

/**
 * Answers a retry from its audit item, or runs the change once the order is found changeable: a condition
 * that failed (the order, a ticket or the stock moved) re-reads and decides again.
 */
async function runChange(
  deps: Deps,
  action: AgentAction,
  input: { orderId: string; kind: string; request: unknown },
  change: (aggregate: OrderAggregate, holds: Set<string>) => Promise<ChangeOutcome | undefined>,
): Promise<ChangeAnswer> {
  const actionId = actionIdFor(input.orderId, input.kind, action.idempotencyKey);
  const retried = async (): Promise<ChangeAnswer | undefined> => {
    const found = await findAction(deps, action, input);
    if (!found) return undefined;
    const outcome = found.outcome as ChangeOutcome;
    await settle(deps, input.orderId, outcome, actionId);
    return { outcome, aggregate: await requireOrderAggregate(deps, input.orderId), duplicate: true };
  };
  const earlier = await retried();
  if (earlier) return earlier;
  // Authorizations the attempts made (one per order version read): the one recorded stays, the others are
  // voided once the change is done or given up, so no hold outlives the request on the customer's card.
  const holds = new Set<string>();
  const voidHolds = async (keep?: string) => {
    for (const hold of [...holds].filter((id) => id !== keep)) {
      try {
        await deps.payments.void({ idempotencyKey: `void:${hold}`, authorizationId: hold });
      } catch (error) {
        // The answer stands (or the first error does); the hold lapses at the gateway if never captured.
        logger.warn('could not void an authorization the change did not record', {
          orderId: input.orderId,
          error,
        });
      }
    }
  };
  try {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      const aggregate = await requireOrderAggregate(deps, input.orderId);
      try {
        assertChangeable(aggregate);
      } catch (error) {
        // A double click whose twin committed (a cancellation, say) leaves the order unchangeable: that is
        // the same action done, answered as a duplicate, not a 409.
        const twin = await retried();
        if (twin) {
          await voidHolds(twin.aggregate.order.payment.authorizationId);
          return twin;
        }
        throw error;
      }
      const outcome = await change(aggregate, holds);
      const answer = outcome
        ? { outcome, aggregate: await requireOrderAggregate(deps, input.orderId), duplicate: false }
        : // A condition failed: the same action written meanwhile (a double click), or something moved.
          await retried();
      if (answer) {
        await voidHolds(answer.aggregate.order.payment.authorizationId);
        if (!answer.duplicate) await settle(deps, input.orderId, answer.outcome, actionId);
        return answer.duplicate
          ? answer
          : { ...answer, aggregate: await requireOrderAggregate(deps, input.orderId) };
      }
      await pause(attempt);
    }
  } catch (error) {
    await voidHolds();
    throw error;
  }
  await voidHolds();
  throw new ConflictError(`order ${input.orderId} kept changing while the change was being made; retry`);
}

/** Per (location, SKU, bucket): a transaction may touch each stock item once, and rows share buckets. */
function grouped(parts: readonly { locationId: string; sku: string; bucket: number; quantity: number }[]) {
  const sums = new Map<string, { locationId: string; sku: string; bucket: number; quantity: number }>();
  for (const part of parts) {
    const key = `${part.locationId}\u0000${part.sku}\u0000${part.bucket}`;
    const row = sums.get(key) ?? { ...part, quantity: 0 };
    row.quantity += part.quantity;
    sums.set(key, row);
  }
  return [...sums.values()].filter((row) => row.quantity > 0);
}

/** Units per location and SKU (the answer's `released` and `reserved`), buckets added up. */
const perLocation = (parts: readonly { locationId: string; sku: string; quantity: number }[]) =>
  grouped(parts.map((part) => ({ ...part, bucket: 0 }))).map(({ locationId, sku, quantity }) => ({
    locationId,
    sku,
    quantity,
  }));

const checkSize = (count: number) => {
  if (count > TRANSACTION_LIMIT) {
    throw new UnprocessableError(
      `the change touches ${count} items, more than one transaction holds (${TRANSACTION_LIMIT}); change fewer lines at a time`,
      { field: 'lines' },
    );
  }
};

/**
 * The whole order, in one transaction: `cancelled` (from a changeable status, as read), every held
 * reservation released to the buckets it came from, open pick tickets cancelled, coupon uses given back,
 * the audit item. The void and the workflow's answer follow (`settle`). Undefined when a condition failed.
 */
async function cancelWhole(
  deps: Deps,
  action: AgentAction,
  aggregate: OrderAggregate,
  kind: string,
  request: unknown,
): Promise<ChangeOutcome | undefined> {
  const { order } = aggregate;
  const now = deps.clock.now().toISOString();
  const held = aggregate.reservations.filter((row) => row.status === 'held');
  const parts = held.flatMap((row) =>
    row.lines.flatMap((line) =>
      partsOf(line).map((part) => ({ locationId: row.locationId, sku: line.sku, ...part })),
    ),
  );
  const cancelled = order.lines.map(({ sku, quantity }) => ({ sku, quantity }));
  const authorized = order.payment.status === 'authorized' && order.payment.authorizationId !== undefined;
  const outcome: ChangeOutcome = {
    whole: true,
    cancelled,
    added: [],
    released: perLocation(parts),
    reserved: [],
    payment: { before: order.payment.amount, after: 0, action: authorized ? 'voided' : 'none' },
  };
  const actionId = actionIdFor(order.id, kind, action.idempotencyKey);
  const items: TransactItem[] = [
    statusUpdateItem(
      deps,
      order,
      'cancelled',
      CHANGEABLE_STATUSES,
      {
        cancellation: {
          reason: action.reason,
          by: { agentId: action.agent.id, username: action.agent.username },
          at: now,
          actionId,
        },
        backorder: null,
      },
      {
        timeline: [actionTimeline(action, 'OrderCancelled', now, { lines: cancelled, actionId })],
        events: [
          OrderCancelled.create(
            { orderId: order.id, reason: action.reason, agentId: action.agent.id, lines: cancelled },
            {
              correlationId: order.correlationId,
              idempotencyKey: `${order.id}:cancelled`,
              occurredAt: new Date(now),
            },
          ),
        ],
      },
      { updatedAt: order.updatedAt },
    ),
    ...held.map((row) => reservationReleaseItem(deps, order, row, now)),
    ...grouped(parts).map((part) =>
      releaseItem(deps, part.locationId, part.sku, part.quantity, now, part.bucket),
    ),
    ...aggregate.pickTickets
      .filter((ticket) => ticket.status === 'open')
      .map((ticket) => cancelTicketItem(deps, ticket, 'order cancelled by an agent')),
    // Coupon uses go back with the move to cancelled, once (as markOrderFailed does): docs/coupons.md#release.
    ...releaseItems(deps, order.coupons ?? [], emailHash(order.customer.email), new Date(now)),
    auditPut(deps, action, { orderId: order.id, kind, at: now, request, outcome }),
  ];
  checkSize(items.length);
  return (await transactUnlessContended(deps, items)) ? outcome : undefined;
}

/** The units of a change as the pieces of the order's money they carry (shared/app/payments.ts prices them). */
function valueOfRemoved(order: OrderRecord, remove: readonly UnitsOfSku[]) {
  if (remove.length === 0) return { price: 0, discount: 0, tax: 0 };
  const price = remove.reduce(
    (sum, wanted) =>
      sum + (order.lines.find((line) => line.sku === wanted.sku)?.unitPrice ?? 0) * wanted.quantity,
    0,
  );
  const value = amountOfLines(order, remove);
  // The same pricing with no tax gives the units' net: what is left of the value is their tax share.
  const net = amountOfLines({ lines: order.lines, totals: { ...order.totals, tax: 0 } }, remove);
  return { price, discount: price - net, tax: value - net };
}

/**
 * Some units off and/or some units on, in one transaction: the order's lines, totals and card amount; the
 * cancelled units out of the open tickets and their reservation rows, back to their buckets; the added units
 * reserved (at a location of the order when one has them all, else where the sourcing rules say) onto the
 * open ticket there or a new one; the audit item. A bigger card amount is
 * authorized first (and the authorization it replaces voided after). Undefined when a condition failed.
 */
async function changeLines(
  deps: Deps,
  action: AgentAction,
  aggregate: OrderAggregate,
  holds: Set<string>,
  input: { kind: string; request: unknown; remove: UnitsOfSku[]; add: AddedUnits[]; field: string },
): Promise<ChangeOutcome | undefined> {
  const { order } = aggregate;
  if (order.status === 'allocated') {
    // Its workflow is opening the pick tickets from the held rows right now (a re-driven backorder): a row
    // changed under it would leave a ticket asking for units no longer held. Transient, like `placed`.
    throw new ConflictError(
      `order ${order.id} is having its pick tickets opened (status allocated): try again in a moment`,
      { status: order.status, retryable: true },
    );
  }
  const now = deps.clock.now().toISOString();
  const actionId = actionIdFor(order.id, input.kind, action.idempotencyKey);
  const lines = linesAfterAddition(
    linesAfterRemoval(order.lines, input.remove, input.field),
    input.add,
    'add',
  );
  const removedValue = valueOfRemoved(order, input.remove);
  const addedValue = valueOfAdded(order.totals, input.add);
  const totals = totalsAfterAddition(totalsAfterRemoval(order.totals, removedValue), addedValue);
  const after = cardAmount(totals, order.tenders);

  const release = planRelease(deps, aggregate, input.remove, now);
  const reserve = await planReserve(deps, aggregate, input.add, now, release.ticketLines);
  const backorder = backorderAfter(aggregate, lines, release.heldAfter, reserve.waiting);

  const moves: TransactItem[] = [
    ...release.items,
    ...ticketItems(deps, aggregate, release.ticketLines),
    ...grouped(release.parts).map((part) =>
      releaseItem(deps, part.locationId, part.sku, part.quantity, now, part.bucket),
    ),
    ...reserve.items,
    ...grouped(reserve.parts).map((part) =>
      reserveItem(deps, part.locationId, part.sku, part.quantity, now, part.bucket),
    ),
    ...openTicketChecks(deps, aggregate.pickTickets, new Set(release.ticketLines.keys())),
  ];
  // The order's update and the audit item join them: checked before any money is asked for.
  checkSize(moves.length + 2);

  const before = order.payment.amount;
  let payment: PaymentState = { ...order.payment, amount: after };
  let supersededAuthorizationId: string | undefined;
  const events: DomainEvent[] = [...reserve.events];
  if (input.remove.length > 0) {
    // The customer is told (the notifications rule): an agent's action, never the happy path's.
    events.push(
      OrderLinesCancelled.create(
        {
          orderId: order.id,
          actionId,
          reason: action.reason,
          agentId: action.agent.id,
          lines: input.remove.map(({ sku, quantity }) => {
            const name = order.lines.find((line) => line.sku === sku)?.name;
            return { sku, quantity, ...(name ? { name } : {}) };
          }),
          total: totals.grand,
          currency: order.currency,
        },
        meta(order, `lines-cancelled:${actionId}`, now),
      ),
    );
  }
  if (release.parts.length > 0) {
    events.push(
      StockReleased.create(
        { orderId: order.id, lines: perLocation(release.parts) },
        meta(order, `released:${actionId}`, now),
      ),
    );
  }
  const timeline = [
    ...(input.remove.length > 0
      ? [
          actionTimeline(action, 'OrderLinesCancelled', now, {
            lines: input.remove,
            value: removedValue.price - removedValue.discount + removedValue.tax,
            released: perLocation(release.parts),
            actionId,
          }),
        ]
      : []),
    ...(input.add.length > 0
      ? [
          actionTimeline(action, 'OrderLinesAdded', now, {
            lines: input.add,
            value: addedValue.price + addedValue.tax,
            reserved: perLocation(reserve.parts),
            ...(reserve.waiting.length > 0 ? { waiting: reserve.waiting } : {}),
            actionId,
          }),
        ]
      : []),
  ];
  if (after > before && !order.payment.authorizationId) {
    // A no-charge order (an exchange's replacement, docs/customer-service.md#returns) has no card to take
    // more from: what the customer wants on top is a new order.
    throw new ConflictError(
      `order ${order.id} has no card authorization to charge the added ${after - before} to (payment ${order.payment.status}, amount ${before}); place a new order for the added units`,
      { field: 'add' },
    );
  }
  // Who may add what, before any money is asked for (a new SKU is a supervisor's sale, never free).
  assertAdditionAllowed(action.agent, order.lines, input.add, 'add');
  if (after > before && order.payment.status === 'authorized' && order.payment.authorizationId) {
    const authorizationId = await reauthorize(
      deps,
      order,
      after,
      // The request's hash too: two bodies under one key never ask the gateway one key for two amounts.
      `reauthorize:${actionId}:${requestHashOf(input.request).slice(0, 8)}:${order.updatedAt}`,
    );
    holds.add(authorizationId);
    supersededAuthorizationId = order.payment.authorizationId;
    payment = { ...payment, authorizationId };
    timeline.push(
      actionTimeline(action, 'PaymentReauthorized', now, {
        amount: after,
        authorizationId,
        replaces: supersededAuthorizationId,
      }),
    );
    events.push(
      PaymentAuthorized.create(
        { orderId: order.id, amount: after, currency: order.currency, authorizationId },
        meta(order, `authorized:${actionId}`, now),
      ),
    );
  }
  const outcome: ChangeOutcome = {
    whole: false,
    cancelled: input.remove,
    added: input.add,
    released: perLocation(release.parts),
    reserved: perLocation(reserve.parts),
    payment: {
      before,
      after,
      action: supersededAuthorizationId ? 'authorized' : after < before ? 'reduced' : 'none',
    },
    ...(supersededAuthorizationId ? { supersededAuthorizationId } : {}),
  };
  const items: TransactItem[] = [
    {
      Update: withChange(
        deps,
        {
          TableName: deps.tableName,
          Key: keys.order(order.id),
          UpdateExpression:
            'SET #lines = :lines, totals = :totals, payment = :payment, allocations = :allocations, backorder = :backorder, updatedAt = :now',
          // As read: the status (still changeable) and nothing written since (a pick, another change).
          ConditionExpression: '#status = :status AND updatedAt = :read',
          ExpressionAttributeNames: { '#status': 'status', '#lines': 'lines' },
          ExpressionAttributeValues: {
            ':lines': lines,
            ':totals': totals,
            ':payment': payment,
            ':allocations': [
              ...allocationsAfterRelease(order.allocations, release.parts),
              ...reserve.allocations,
            ],
            ':backorder': backorder,
            ':now': now,
            ':status': order.status,
            ':read': order.updatedAt,
          },
        },
        { timeline, events },
      ),
    },
    ...moves,
    auditPut(deps, action, { orderId: order.id, kind: input.kind, at: now, request: input.request, outcome }),
  ];
  if (!(await transactUnlessContended(deps, items))) return undefined;
  // The order records this authorization now: nothing that fails after the commit may void it.
  if (payment.authorizationId) holds.delete(payment.authorizationId);
  return outcome;
}

const meta = (order: OrderRecord, suffix: string, at: string) => ({
  correlationId: order.correlationId,
  idempotencyKey: `${order.id}:${suffix}`,
  occurredAt: new Date(at),
});

/**
 * The bigger card amount, authorized before anything is written under a key derived from the action, its
 * request and the order as read: a retry after a crash or a timeout asks the gateway the same question and
 * gets the first answer, never a second hold. A decline is a 402 and nothing changes.
 */
async function reauthorize(deps: Deps, order: OrderRecord, amount: number, key: string): Promise<string> {
  const result = await deps.payments.authorize({
    idempotencyKey: key,
    amount,
    currency: order.currency,
    customerEmail: order.customer.email,
    reference: order.id,
  });
  if (!result.approved) {
    throw new PaymentDeclinedError(
      `the card was declined for ${amount} (${result.reason}); nothing was changed`,
      {
        field: 'add',
      },
    );
  }
  return result.authorizationId;
}

/** A ticket's lines (as they are now, or as the change leaves them), keyed by ticket id. */
type TicketLines = Map<string, PickTicketRecord['lines']>;

interface ReleasePlan {
  /** The reservation rows' updates (fewer units, or released when none is left). */
  items: TransactItem[];
  parts: { locationId: string; sku: string; bucket: number; quantity: number }[];
  /** Held units per SKU once the change is made. */
  heldAfter: Map<string, number>;
  /** Open tickets' lines after the release (only tickets that lost units; empty: the ticket is cancelled). */
  ticketLines: TicketLines;
}

/**
 * Which held units the cancelled units give back: a SKU's units waiting for stock go first (they hold
 * nothing), then held units from the open tickets (or, before tickets exist, the reservation rows) in order,
 * each ticket's rows giving exactly those units back to the buckets they came from (`takeFromRows`).
 */
function planRelease(
  deps: Deps,
  aggregate: OrderAggregate,
  remove: readonly UnitsOfSku[],
  now: string,
): ReleasePlan {
  const { order } = aggregate;
  const open = aggregate.pickTickets.filter((ticket) => ticket.status === 'open');
  const holders: { ticket?: PickTicketRecord; lines: readonly UnitsOfSku[]; rows: ReservationRecord[] }[] =
    open.length > 0
      ? open.map((ticket) => ({
          ticket,
          lines: ticket.lines,
          rows: ticketRows(aggregate.reservations, ticket),
        }))
      : aggregate.reservations
          .filter((row) => row.status === 'held')
          .map((row) => ({ lines: row.lines, rows: [row] }));
  const heldAfter = new Map<string, number>();
  for (const holder of holders) {
    for (const line of holder.lines) heldAfter.set(line.sku, (heldAfter.get(line.sku) ?? 0) + line.quantity);
  }
  const wanted = remove
    .map((line) => {
      const ordered = order.lines.find((candidate) => candidate.sku === line.sku)?.quantity ?? 0;
      const held = heldAfter.get(line.sku) ?? 0;
      const quantity = unitsToRelease(ordered, held, line.quantity);
      heldAfter.set(line.sku, held - quantity);
      return { sku: line.sku, quantity };
    })
    .filter((line) => line.quantity > 0);
  const taken = takeFromHolders(holders, wanted);
  const plan: ReleasePlan = { items: [], parts: [], heldAfter, ticketLines: new Map() };
  holders.forEach((holder, index) => {
    const take = taken[index] ?? [];
    if (take.length === 0) return;
    const result = takeFromRows(holder.rows, take);
    const touched = new Set(result.released.map((part) => part.row));
    holder.rows.forEach((row, rowIndex) => {
      if (touched.has(rowIndex)) {
        plan.items.push(rowUpdate(deps, row, (result.lines[rowIndex] ?? []) as ReservedLine[], now));
      }
    });
    for (const part of result.released) {
      const row = holder.rows[part.row];
      if (row)
        plan.parts.push({
          locationId: row.locationId,
          sku: part.sku,
          bucket: part.bucket,
          quantity: part.quantity,
        });
    }
    if (holder.ticket) plan.ticketLines.set(holder.ticket.id, lessUnits(holder.ticket.lines, take));
  });
  return plan;
}

/** The tickets a change touched: new lines (in walk order), or `cancelled` when no line is left. */
function ticketItems(deps: Deps, aggregate: OrderAggregate, ticketLines: TicketLines): TransactItem[] {
  return [...ticketLines].flatMap(([ticketId, lines]): TransactItem[] => {
    const ticket = aggregate.pickTickets.find((row) => row.id === ticketId);
    if (!ticket) return [];
    if (lines.length === 0) return [cancelTicketItem(deps, ticket, 'every unit cancelled by an agent')];
    return [
      {
        Update: {
          TableName: deps.tableName,
          Key: keys.pickTicket(ticket.orderId, ticket.id),
          UpdateExpression: 'SET #lines = :lines',
          ConditionExpression: '#status = :open AND #lines = :readLines',
          ExpressionAttributeNames: { '#status': 'status', '#lines': 'lines' },
          ExpressionAttributeValues: {
            ':lines': sortByBin(lines),
            ':open': 'open',
            ':readLines': ticket.lines,
          },
        },
      },
    ];
  });
}

interface ReservePlan {
  /** New reservation rows, and new tickets (with their reservation rows) where no open ticket is. */
  items: TransactItem[];
  parts: { locationId: string; sku: string; bucket: number; quantity: number }[];
  allocations: AllocationView[];
  events: DomainEvent[];
  /** Units that join what the order waits for (a backordered order reserves them with the rest). */
  waiting: UnitsOfSku[];
}

/**
 * Where the added units are reserved: at a location that already holds the order when it has them all
 * (so they go on the ticket being picked there), else where the channel's sourcing rules say. Added units
 * go on the open ticket at their location (a new reservation row in that ticket's chunk range; the ticket's
 * lines grow in `ticketLines`), or on a new ticket that ships on its own run like a re-routed one (the
 * final capture waits for it: bill-order's "more to ship"). A backordered order reserves nothing now. No
 * location with the units: 409 naming them, nothing changed.
 */
async function planReserve(
  deps: Deps,
  aggregate: OrderAggregate,
  add: readonly AddedUnits[],
  now: string,
  ticketLines: TicketLines,
): Promise<ReservePlan> {
  const { order } = aggregate;
  const plan: ReservePlan = { items: [], parts: [], allocations: [], events: [], waiting: [] };
  if (add.length === 0) return plan;
  const wanted = add.map(({ sku, quantity }) => ({ sku, quantity }));
  if (order.status === 'backordered') {
    // Waiting for stock: a whole-order backorder reserves the order's lines (the new one with them) when
    // it is re-driven; a remainder's backorder reserves what `missing` names.
    if (aggregate.pickTickets.length > 0) plan.waiting = wanted;
    return plan;
  }
  const locations = await listLocations(deps);
  const buckets = (await Promise.all(wanted.map((line) => stockBuckets(deps, line.sku)))).flat();
  const used = await allocatedToday(
    deps,
    locations.map((location) => location.id),
  );
  const candidates = toSourcingLocations(locations, buckets, used);
  const open = aggregate.pickTickets
    .filter((ticket) => ticket.status === 'open')
    .sort((a, b) => Number(a.firstWave === false) - Number(b.firstWave === false));
  const home = open
    .map((ticket) => ticket.locationId)
    .find((locationId) => {
      const candidate = candidates.find((row) => row.id === locationId);
      return (
        candidate !== undefined &&
        wanted.every((line) => (candidate.available[line.sku] ?? 0) >= line.quantity)
      );
    });
  let shipments: { locationId: string; lines: UnitsOfSku[]; estimatedCost: number }[];
  let reason: string;
  let rule: string;
  if (home) {
    shipments = [{ locationId: home, lines: wanted, estimatedCost: 0 }];
    reason = `added by an agent at ${home}, which already holds the order`;
    rule = 'agent-change';
  } else {
    const decision = decideSourcing(
      { lines: wanted, fulfillment: sourcingFulfillment(order) },
      candidates,
      sourcingProfileFor(order.channel),
    );
    if (decision.outcome === 'unfillable') throw outOfStock(decision.missing, decision.reason);
    ({ shipments, reason, rule } = decision);
  }
  let next = nextTicketNumber(aggregate.pickTickets);
  for (const shipment of shipments) {
    const ticket = open.find((row) => row.locationId === shipment.locationId);
    if (!ticket) {
      const planned = reroutedShipment(deps, order, shipment, buckets, { number: next, now, reason, rule });
      next += 1;
      plan.parts.push(...planned.stock);
      plan.items.push(...planned.items);
      plan.allocations.push(planned.allocation);
      plan.events.push(planned.event);
      continue;
    }
    const chunk = nextChunk(aggregate.reservations, shipment.locationId, ticket.chunkBase ?? 0);
    const reserved: ReservedLine[] = shipment.lines.map((line) => {
      const parts = planBucketParts(
        buckets.filter((row) => row.sku === line.sku && row.locationId === shipment.locationId),
        line.quantity,
        chunk,
      );
      if (!parts)
        throw outOfStock([line], `${shipment.locationId} no longer has ${line.quantity} × ${line.sku}`);
      return { sku: line.sku, quantity: line.quantity, parts };
    });
    plan.items.push(reservationItem(deps, order.id, shipment.locationId, chunk, reserved, now));
    plan.parts.push(
      ...reserved.flatMap((line) =>
        partsOf(line).map((part) => ({ locationId: shipment.locationId, sku: line.sku, ...part })),
      ),
    );
    // One line per SKU on a ticket: the pick confirmation compares per SKU.
    const lines = (ticketLines.get(ticket.id) ?? ticket.lines).map((line) => ({ ...line }));
    for (const line of shipment.lines) {
      const same = lines.find((row) => row.sku === line.sku);
      const bin = buckets.find(
        (row) => row.locationId === shipment.locationId && row.sku === line.sku && row.bin,
      )?.bin;
      if (same) same.quantity += line.quantity;
      else lines.push({ sku: line.sku, quantity: line.quantity, ...(bin ? { bin } : {}) });
    }
    ticketLines.set(ticket.id, lines);
    plan.allocations.push({
      locationId: shipment.locationId,
      lines: shipment.lines,
      reason,
      rule,
      estimatedCost: shipment.estimatedCost,
      decidedAt: now,
    });
  }
  return plan;
}

const outOfStock = (missing: readonly UnitsOfSku[], reason: string) =>
  new OutOfStockError(
    `not enough stock for ${missing.map((line) => `${line.quantity} × ${line.sku}`).join(', ')} (${reason}); nothing was changed`,
    { field: 'add', missing },
  );

/** The next free reservation chunk of a location in a ticket's range (chunk keys are never reused). */
function nextChunk(reservations: readonly ReservationRecord[], locationId: string, base: number): number {
  const taken = reservations
    .filter((row) => row.locationId === locationId)
    .map((row) => row.chunk ?? 0)
    .filter((chunk) => chunk >= base && chunk < base + CHUNKS_PER_TICKET);
  const chunk = taken.length > 0 ? Math.max(...taken) + 1 : base;
  if (chunk >= base + CHUNKS_PER_TICKET) {
    throw new UnprocessableError(`the ticket at ${locationId} cannot take more reservation rows`, {
      field: 'add',
    });
  }
  return chunk;
}

/**
 * What the order waits for after the change: each SKU's waiting units capped at what its (smaller) line does
 * not hold, plus added units that wait with a backordered remainder. A backordered order keeps its record
 * (it is re-driven from it); another order's is cleared when nothing waits.
 */
function backorderAfter(
  aggregate: OrderAggregate,
  lines: readonly OrderLine[],
  heldAfter: ReadonlyMap<string, number>,
  waiting: readonly UnitsOfSku[],
): OrderRecord['backorder'] | null {
  const { order } = aggregate;
  if (!order.backorder) return null;
  const missing = new Map<string, number>();
  for (const line of order.backorder.missing) {
    const ordered = lines.find((candidate) => candidate.sku === line.sku)?.quantity ?? 0;
    const unheld = Math.max(0, ordered - (heldAfter.get(line.sku) ?? 0));
    missing.set(line.sku, (missing.get(line.sku) ?? 0) + Math.min(line.quantity, unheld));
  }
  for (const line of waiting) missing.set(line.sku, (missing.get(line.sku) ?? 0) + line.quantity);
  const left = [...missing]
    .filter(([, quantity]) => quantity > 0)
    .map(([sku, quantity]) => ({ sku, quantity }));
  if (left.length === 0 && order.status !== 'backordered') return null;
  return { ...order.backorder, missing: left };
}

/**
 * What follows a change's transaction, run again on every retry of it (each step is idempotent): the
 * authorization a bigger one replaced is voided (by a key of the action); a cancelled order's authorization
 * is voided and recorded (PaymentVoided), and the Standard workflow still waiting for its pick is answered
 * with success, so the execution ends without compensating (the compensation is a no-op on a cancelled
 * order anyway: it undoes only orders up to `picking`).
 */
async function settle(deps: Deps, orderId: string, outcome: ChangeOutcome, actionId: string): Promise<void> {
  if (outcome.supersededAuthorizationId) {
    try {
      await deps.payments.void({
        idempotencyKey: `void:${actionId}`,
        authorizationId: outcome.supersededAuthorizationId,
      });
    } catch (error) {
      // The change stands; a retry with the same key voids it again.
      logger.warn('could not void a superseded authorization', { orderId, error });
    }
  }
  if (!outcome.whole) {
    // The change emptied the allocation's last open ticket: the Standard wait is answered as if it had been
    // picked empty (the other tickets ship on their own runs, or the order waits for stock). Here, not after
    // the commit only, so a retry with the same key answers it when a crash came in between.
    await answerWaitIfMoved(deps, orderId);
    return;
  }
  const aggregate = await getOrderAggregate(deps, orderId);
  if (aggregate?.order.status !== 'cancelled') return;
  await voidAuthorization(deps, aggregate.order);
  const waiting = aggregate.pickTickets.find(
    (ticket) => ticket.firstWave !== false && ticket.taskToken && ticket.status === 'cancelled',
  );
  if (!waiting) return;
  try {
    await deps.taskCallbacks.succeed(waiting.taskToken, { pickTicketIds: [], lines: [], cancelled: true });
  } catch (error) {
    // Already answered (a retry, or the wait ended with the allocation's last answer).
    if (!(error instanceof TaskTokenExpiredError)) throw error;
  }
}
