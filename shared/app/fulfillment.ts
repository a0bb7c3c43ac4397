import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { sourcingProfileFor } from '../config/sourcing-profiles.js';
import { ConflictError } from '../domain/errors.js';
import type { OrderStatus } from '../domain/order.js';
import { type PickLine, type PickOutcome, pickedUnits, shortfall, takeFromRows } from '../domain/pick.js';
import { decideSourcing } from '../domain/sourcing.js';
import { OrderBackordered, PickEscalated, PickTicketOpened } from '../events/catalogue.js';
import type { DomainEvent } from '../events/envelope.js';
import { logger } from '../observability.js';
import { TaskTokenExpiredError } from '../ports/workflow.js';
import type { Deps } from '../runtime/deps.js';
import { pause, type TransactItem, writeIfCondition } from '../store/db.js';
import {
  planBucketParts,
  releaseItem,
  reserveItem,
  type StockBucket,
  stockBuckets,
  writeOffUnpicked,
} from '../store/inventory.js';
import { keys } from '../store/keys.js';
import { allocatedToday, listLocations } from '../store/locations.js';
import {
  type AllocationView,
  getOrderAggregate,
  type OrderAggregate,
  type OrderRecord,
  type PickTicketRecord,
  type ReservationRecord,
  type ReservedLine,
  statusUpdateItem,
  transact,
} from '../store/orders.js';
import { type Change, withChange } from '../store/outbox.js';
import { nextTicketNumber, openTicketsAt, pickTicketPut, ticketNumber } from '../store/pick-tickets.js';
import { startShipping } from './place-order.js';
import {
  pickTicketId,
  sourcingFulfillment,
  TRANSACTION_LIMIT,
  toSourcingLocations,
} from './reserve-order.js';

/** Reservation rows of a re-routed ticket start at its number × this; an allocation's rows are 0–999. */
export const CHUNKS_PER_TICKET = 1000;
const MAX_ATTEMPTS = 6;

/** The order statuses in which tickets may still be answered and remainders re-routed. */
const PICKABLE: readonly OrderStatus[] = ['picking', 'partially_shipped'];
const ENDED: readonly OrderStatus[] = ['failed', 'cancelled'];

/**
 * An open ticket made `cancelled` and taken out of its location's queue, once (`status = open`), as a
 * transaction item: an order that ended, or an agent's change that moved its stock elsewhere
 * (shared/app/order-shipping-change.ts), writes it with the rest of the change.
 */
export function cancelTicketItem(deps: Deps, ticket: PickTicketRecord, reason: string): TransactItem {
  return {
    Update: {
      TableName: deps.tableName,
      Key: keys.pickTicket(ticket.orderId, ticket.id),
      UpdateExpression:
        'SET #status = :cancelled, cancelledAt = :now, cancelReason = :reason REMOVE gsi2pk, gsi2sk',
      ConditionExpression: '#status = :open',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':cancelled': 'cancelled',
        ':open': 'open',
        ':now': deps.clock.now().toISOString(),
        ':reason': reason,
      },
    },
  };
}

/**
 * A pick confirmation writes only its ticket, never the order, so the order's `updatedAt` does not see it:
 * every ticket that was open when an agent's change read the order, and that the change does not write
 * itself, is checked still open with the same lines, and a pick committed in between fails the change (its
 * retry then sees the pick and answers 409).
 */
export function openTicketChecks(
  deps: Deps,
  tickets: readonly PickTicketRecord[],
  written: ReadonlySet<string>,
): TransactItem[] {
  return tickets
    .filter((ticket) => ticket.status === 'open' && !written.has(ticket.id))
    .map((ticket) => ({
      ConditionCheck: {
        TableName: deps.tableName,
        Key: keys.pickTicket(ticket.orderId, ticket.id),
        ConditionExpression: '#status = :open AND #lines = :readLines',
        ExpressionAttributeNames: { '#status': 'status', '#lines': 'lines' },
        ExpressionAttributeValues: { ':open': 'open', ':readLines': ticket.lines },
      },
    }));
}

/**
 * Whether a ticket still has the lines a decision was made on: an agent's change rewrites an open ticket's
 * lines, and a pick compared with the old ones must be compared again.
 */
function sameLines(
  a: PickTicketRecord['lines'] | undefined,
  b: PickTicketRecord['lines'] | undefined,
): boolean {
  const text = (lines: PickTicketRecord['lines'] | undefined) =>
    JSON.stringify((lines ?? []).map(({ sku, quantity, bin }) => [sku, quantity, bin ?? null]));
  return text(a) === text(b);
}

/** An open ticket of an order that ended: `cancelled`, out of its location's queue (once: `status = open`). */
async function cancelTicket(deps: Deps, ticket: PickTicketRecord, orderStatus: OrderStatus): Promise<void> {
  const { Update } = cancelTicketItem(deps, ticket, `order ${orderStatus}`);
  if (Update) await writeIfCondition(deps, new UpdateCommand(Update));
}

/** A ticket's held reservation rows: its location's chunks from its base (0 for an allocation's ticket). */
export function ticketRows(reservations: readonly ReservationRecord[], ticket: PickTicketRecord) {
  const base = ticket.chunkBase ?? 0;
  return reservations
    .filter(
      (row) =>
        row.status === 'held' &&
        row.locationId === ticket.locationId &&
        (row.chunk ?? 0) >= base &&
        (row.chunk ?? 0) < base + CHUNKS_PER_TICKET,
    )
    .sort((a, b) => (a.chunk ?? 0) - (b.chunk ?? 0));
}

/** Whether a ticket was picked (in full or in part) and so has something to ship. */
export const hasPicked = (ticket: PickTicketRecord) =>
  (ticket.status === 'confirmed' || ticket.status === 'short') &&
  pickedUnits({ lines: ticket.picked ?? [] }) > 0;

const isFirstWave = (ticket: PickTicketRecord) => ticket.firstWave !== false;

/** A shipment's pick ticket: recorded on it, or (shipments from before) the one its id was made from. */
export const ticketIdOfShipment = (shipment: { id: string; pickTicketId?: string }) =>
  shipment.pickTicketId ?? `pt_${shipment.id.replace(/^sh_/, '')}`;

/**
 * The tickets whose shipment was billed: the order's per-shipment captures, or, for an order captured as a
 * whole before captures were per shipment, every shipment it has.
 */
export function billedTickets(aggregate: Pick<OrderAggregate, 'order' | 'shipments'>): Set<string> {
  const { payment } = aggregate.order;
  const billed = new Set((payment.captures ?? []).map((capture) => capture.shipmentId));
  const whole = payment.status === 'captured' && !payment.captures;
  return new Set(
    aggregate.shipments.filter((shipment) => whole || billed.has(shipment.id)).map(ticketIdOfShipment),
  );
}

export interface AnswerResult {
  outcome: 'answered' | 'already-answered';
  reroutedTo: string[];
  backordered: PickLine[];
}

/**
 * Answers an open ticket whose pick fell short (a short confirmation, or an escalation: nothing picked), in
 * one transaction: the ticket's new state, the units not picked taken out of its reservation and given back
 * to the buckets they came from, and those units re-routed (a new reservation and ticket at each location
 * the sourcing rules choose, the short location excluded) or, when no location can take them, recorded on the
 * order as backordered. Stock that moves under the decision is re-read and decided again, like a reservation.
 */
export async function answerShort(
  deps: Deps,
  input: {
    ticket: PickTicketRecord;
    outcome: PickOutcome;
    mode: 'short' | 'escalated';
    cartons?: PickTicketRecord['cartons'];
  },
): Promise<AnswerResult> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    const aggregate = await getOrderAggregate(deps, input.ticket.orderId);
    const ticket = aggregate?.pickTickets.find((row) => row.id === input.ticket.id);
    // An agent's change rewrote the ticket since the caller compared the pick with it: the caller reads it
    // again and compares anew (confirm-pick re-runs on `already-answered`).
    const stale = input.mode === 'short' && !sameLines(ticket?.lines, input.ticket.lines);
    if (!aggregate || !ticket || ticket.status !== 'open' || stale) {
      return { outcome: 'already-answered', reroutedTo: [], backordered: [] };
    }
    if (!PICKABLE.includes(aggregate.order.status)) {
      // An order that ended (failed and compensated, cancelled) takes its open tickets off the warehouse's
      // queue, so nobody picks for it and the reconciler stops escalating them.
      if (ENDED.includes(aggregate.order.status)) await cancelTicket(deps, ticket, aggregate.order.status);
      throw new ConflictError(
        `order ${ticket.orderId} is ${aggregate.order.status}; the pick ticket can no longer be answered`,
      );
    }
    const now = deps.clock.now().toISOString();
    // An escalation answers the ticket as this consistent read has it (the reconciler found it on an
    // eventually consistent index): nothing of its current lines was picked.
    const outcome: PickOutcome =
      input.mode === 'escalated'
        ? {
            short: true,
            lines: ticket.lines.map((line) => ({ sku: line.sku, ordered: line.quantity, picked: 0 })),
          }
        : input.outcome;
    const short = shortfall(outcome);
    const rows = ticketRows(aggregate.reservations, ticket);
    const taken = takeFromRows(rows, short);
    const release: TransactItem[] = [
      ...rows.map((row, index) => rowUpdate(deps, row, (taken.lines[index] ?? []) as ReservedLine[], now)),
      // One item per bucket: a transaction may not touch an item twice, and chunked rows share buckets.
      ...[...groupByBucket(taken.released)].flatMap(([key, quantity]) => {
        const [sku = '', bucket = '0'] = key.split('\u0000');
        // A short pick: the picker did not find them, so they leave on-hand too (a correction movement), or
        // the next re-route could send the order straight back to this shelf. An escalation only releases:
        // nobody looked at the shelf.
        return input.mode === 'short'
          ? writeOffUnpicked(deps, ticket.locationId, sku, quantity, now, Number(bucket), ticket.id)
          : [releaseItem(deps, ticket.locationId, sku, quantity, now, Number(bucket))];
      }),
    ];
    let plan = await planReroute(deps, aggregate, short, {
      exclude: ticket.locationId,
      now,
      source: ticket.id,
    });
    // A large ticket's release and re-route may not fit DynamoDB's 100 items: the units are backordered in
    // this transaction, and the reconciler re-drives them (redriveRemainder) in one of their own.
    if (2 + release.length + plan.items.length > TRANSACTION_LIMIT) {
      plan = await planReroute(deps, aggregate, short, { now, source: ticket.id, backorderOnly: true });
    }
    const result = { reroutedTo: plan.ticketIds, backordered: plan.backordered };
    const timelineType = input.mode === 'escalated' ? 'PickEscalated' : 'PickShort';
    const ticketItem: TransactItem = {
      Update: withChange(
        deps,
        {
          TableName: deps.tableName,
          Key: keys.pickTicket(ticket.orderId, ticket.id),
          UpdateExpression: `SET #status = :status, picked = :picked, ${
            input.mode === 'escalated' ? 'escalatedAt' : 'confirmedAt'
          } = :now, #remainder = :remainder${input.cartons ? ', cartons = :cartons, packedAt = :now' : ''} REMOVE gsi2pk, gsi2sk`,
          // Open, and with the lines compared: an agent's change committed in between fails this write.
          ConditionExpression: '#status = :open AND #lines = :readLines',
          ExpressionAttributeNames: { '#status': 'status', '#remainder': 'remainder', '#lines': 'lines' },
          ExpressionAttributeValues: {
            ':status': input.mode,
            ':picked': outcome.lines,
            ':readLines': ticket.lines,
            ':now': now,
            ':open': 'open',
            ':remainder': result,
            ...(input.cartons ? { ':cartons': input.cartons } : {}),
          },
        },
        {
          timeline: [
            {
              type: timelineType,
              at: now,
              detail: {
                pickTicketId: ticket.id,
                lines: outcome.lines,
                reroutedTo: plan.ticketIds,
                backordered: plan.backordered,
              },
            },
          ],
          events:
            input.mode === 'escalated'
              ? [
                  PickEscalated.create(
                    {
                      orderId: ticket.orderId,
                      pickTicketId: ticket.id,
                      locationId: ticket.locationId,
                      dueAt: ticket.dueAt ?? ticket.createdAt,
                      reroutedTo: plan.ticketIds,
                      backordered: plan.backordered,
                    },
                    meta(aggregate.order, deps, `pick-escalated:${ticket.id}`),
                  ),
                ]
              : [],
        },
      ),
    };
    const written = await write(deps, [ticketItem, ...release, ...plan.items]);
    if (written === 'written') return { outcome: 'answered', ...result };
    if (written === 'contended') await pause(attempt);
  }
  throw new ConflictError(`pick ticket ${input.ticket.id} could not be answered under contention; retry`);
}

/**
 * Re-drives a remainder that waits for stock (`order.backorder` on an order that already picked, or whose
 * every ticket came back empty): reserves the missing units where the sourcing rules say and opens tickets
 * for them, which ship on their own runs when confirmed. Nothing happens while no location can take them.
 */
export async function redriveRemainder(deps: Deps, orderId: string): Promise<{ reroutedTo: string[] }> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    const aggregate = await getOrderAggregate(deps, orderId);
    const missing = aggregate?.order.backorder?.missing ?? [];
    if (!aggregate || missing.length === 0) return { reroutedTo: [] };
    const now = deps.clock.now().toISOString();
    const plan = await planReroute(deps, aggregate, missing, { now, redrive: true });
    if (plan.ticketIds.length === 0) return { reroutedTo: [] };
    const written = await write(deps, plan.items);
    if (written === 'written') return { reroutedTo: plan.ticketIds };
    await pause(attempt);
  }
  return { reroutedTo: [] };
}

interface ReroutePlan {
  items: TransactItem[];
  ticketIds: string[];
  backordered: PickLine[];
}

/**
 * Where the units go: the sourcing rules of the order's channel over the other locations' stock. All of
 * them re-routed (one or more new tickets) or, when no plan fills them, all of them backordered. The order's
 * own write (allocations, backorder, events) is conditional on the order not having changed since it was
 * read, so two remainders decided at once cannot both take the same ticket numbers or lose each other.
 */
async function planReroute(
  deps: Deps,
  aggregate: OrderAggregate,
  lines: readonly PickLine[],
  options: { exclude?: string; now: string; source?: string; redrive?: boolean; backorderOnly?: boolean },
): Promise<ReroutePlan> {
  const { order } = aggregate;
  const wanted = lines.filter((line) => line.quantity > 0);
  const next = nextTicketNumber(aggregate.pickTickets);
  let shipments: { locationId: string; lines: PickLine[]; estimatedCost: number }[] = [];
  let reason = '';
  let rule = '';
  let buckets: Awaited<ReturnType<typeof stockBuckets>> = [];
  if (wanted.length > 0 && !options.backorderOnly) {
    const locations = await listLocations(deps);
    buckets = (await Promise.all(wanted.map((line) => stockBuckets(deps, line.sku)))).flat();
    const used = await allocatedToday(
      deps,
      locations.map((location) => location.id),
    );
    const candidates = toSourcingLocations(locations, buckets, used).filter(
      (candidate) => candidate.id !== options.exclude,
    );
    const decision = decideSourcing(
      { lines: wanted, fulfillment: sourcingFulfillment(order) },
      candidates,
      sourcingProfileFor(order.channel),
    );
    if (decision.outcome === 'allocated') {
      shipments = decision.shipments;
      reason = options.source ? `re-routed from ${options.source}: ${decision.reason}` : decision.reason;
      rule = decision.rule;
    } else {
      reason = decision.reason;
    }
  }
  const backordered = shipments.length === 0 ? wanted : [];
  const items: TransactItem[] = [];
  const ticketIds: string[] = [];
  const allocations: AllocationView[] = [];
  const events: DomainEvent[] = [];
  shipments.forEach((shipment, index) => {
    const planned = reroutedShipment(deps, order, shipment, buckets, {
      number: next + index,
      now: options.now,
      reason,
      rule,
      ...(options.source ? { source: options.source } : {}),
    });
    for (const part of planned.stock) {
      items.push(reserveItem(deps, part.locationId, part.sku, part.quantity, options.now, part.bucket));
    }
    items.push(...planned.items);
    ticketIds.push(planned.ticketId);
    allocations.push(planned.allocation);
    events.push(planned.event);
  });
  if (options.redrive && ticketIds.length === 0) return { items: [], ticketIds, backordered: [] };

  // The order's backorder: what waits now. A re-drive takes its lines off; a short adds to them.
  const waiting = options.redrive ? [] : mergeLines(order.backorder?.missing ?? [], backordered);
  if (backordered.length > 0) {
    events.push(
      OrderBackordered.create(
        { orderId: order.id, missing: backordered },
        meta(order, deps, `backordered:${options.source ?? 'remainder'}`),
      ),
    );
  }
  const change: Change = {
    timeline: [
      ...(ticketIds.length > 0
        ? [
            {
              type: 'PickRerouted',
              at: options.now,
              detail: { from: options.source ?? null, to: ticketIds, reason },
            },
          ]
        : []),
      ...(backordered.length > 0
        ? [
            {
              type: 'RemainderBackordered',
              at: options.now,
              detail: { from: options.source ?? null, missing: backordered, reason },
            },
          ]
        : []),
    ],
    events,
  };
  if (change.timeline?.length === 0) return { items, ticketIds, backordered };
  const backorder =
    waiting.length > 0
      ? {
          reason: reason || 'no location has the remainder',
          missing: waiting,
          since: order.backorder?.since ?? options.now,
        }
      : null;
  if (order.status === 'backordered') {
    // Every ticket came back empty and the units waited: the order picks again.
    items.push(
      statusUpdateItem(
        deps,
        order,
        'picking',
        ['backordered'],
        { allocations: [...order.allocations, ...allocations], backorder },
        change,
      ),
    );
  } else {
    items.push({
      Update: withChange(
        deps,
        {
          TableName: deps.tableName,
          Key: keys.order(order.id),
          UpdateExpression: 'SET allocations = :allocations, backorder = :backorder, updatedAt = :now',
          ConditionExpression: 'updatedAt = :read AND #status IN (:picking, :partial)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':allocations': [...order.allocations, ...allocations],
            ':backorder': backorder,
            ':now': options.now,
            ':read': order.updatedAt,
            ':picking': 'picking',
            ':partial': 'partially_shipped',
          },
        },
        change,
      ),
    });
  }
  return { items, ticketIds, backordered };
}

/** The writes of one re-routed shipment, as `reroutedShipment` plans them. */
export interface ReroutedShipment {
  /** Units to take from available into reserved, bucket by bucket (the caller writes them: it may net them). */
  stock: { locationId: string; sku: string; bucket: number; quantity: number }[];
  /** Its reservation row (chunks from its ticket's number × CHUNKS_PER_TICKET) and its pick ticket. */
  items: TransactItem[];
  ticketId: string;
  allocation: AllocationView;
  event: DomainEvent;
}

/**
 * One shipment moved to a location outside the allocation's first wave: its bucket parts, its reservation
 * row and its own pick ticket (not first wave: it ships on its own run when confirmed, and the Standard
 * workflow never waits for it). Used by short-pick re-routes and by an agent's change of where an order ships
 * (shared/app/order-shipping-change.ts); `number` is the ticket's number, after every ticket the order had.
 */
export function reroutedShipment(
  deps: Deps,
  order: OrderRecord,
  shipment: { locationId: string; lines: PickLine[]; estimatedCost: number },
  buckets: readonly StockBucket[],
  options: { number: number; now: string; reason: string; rule: string; source?: string },
): ReroutedShipment {
  const { number } = options;
  const id = pickTicketId(order.id, number - 1);
  const chunk = number * CHUNKS_PER_TICKET;
  const reserved: ReservedLine[] = shipment.lines.map((line) => {
    const parts = planBucketParts(
      buckets.filter((row) => row.sku === line.sku && row.locationId === shipment.locationId),
      line.quantity,
      number,
    ) ?? [{ bucket: 0, quantity: line.quantity }];
    return { sku: line.sku, quantity: line.quantity, parts };
  });
  const bins = new Map<string, string>();
  for (const row of buckets) {
    if (row.locationId === shipment.locationId && row.bin) bins.set(row.sku, row.bin);
  }
  return {
    stock: reserved.flatMap((line) =>
      (line.parts ?? []).map((part) => ({
        locationId: shipment.locationId,
        sku: line.sku,
        bucket: part.bucket,
        quantity: part.quantity,
      })),
    ),
    items: [
      {
        Put: {
          TableName: deps.tableName,
          Item: {
            ...keys.reservation(order.id, shipment.locationId, chunk),
            entity: 'Reservation',
            entityVersion: 2,
            orderId: order.id,
            locationId: shipment.locationId,
            chunk,
            lines: reserved,
            status: 'held',
            createdAt: options.now,
            updatedAt: options.now,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      pickTicketPut(
        deps,
        {
          orderId: order.id,
          id,
          locationId: shipment.locationId,
          lines: shipment.lines,
          bins,
          taskToken: '',
          now: options.now,
          firstWave: false,
          chunkBase: chunk,
          ...(options.source ? { rerouteOf: options.source } : {}),
        },
        { onlyNew: true },
      ),
    ],
    ticketId: id,
    allocation: {
      locationId: shipment.locationId,
      lines: shipment.lines,
      reason: options.reason,
      rule: options.rule,
      estimatedCost: shipment.estimatedCost,
      decidedAt: options.now,
    },
    event: PickTicketOpened.create(
      { orderId: order.id, pickTicketId: id, locationId: shipment.locationId },
      meta(order, deps, `pick-opened:${id}`),
    ),
  };
}

function groupByBucket(parts: readonly { sku: string; bucket: number; quantity: number }[]) {
  const grouped = new Map<string, number>();
  for (const part of parts) {
    const key = `${part.sku}\u0000${part.bucket}`;
    grouped.set(key, (grouped.get(key) ?? 0) + part.quantity);
  }
  return grouped;
}

function mergeLines(a: readonly PickLine[], b: readonly PickLine[]): PickLine[] {
  const merged = new Map<string, number>();
  for (const line of [...a, ...b]) merged.set(line.sku, (merged.get(line.sku) ?? 0) + line.quantity);
  return [...merged].map(([sku, quantity]) => ({ sku, quantity }));
}

/**
 * A reservation row after a short pick (or an agent's cancellation of some of its units,
 * shared/app/order-changes.ts): its lines reduced, or released when nothing is left on it.
 */
export function rowUpdate(
  deps: Deps,
  row: ReservationRecord,
  lines: ReservedLine[],
  now: string,
): TransactItem {
  return {
    Update: {
      TableName: deps.tableName,
      Key: keys.reservation(row.orderId, row.locationId, row.chunk ?? 0),
      UpdateExpression: 'SET #lines = :lines, #status = :status, updatedAt = :now',
      ConditionExpression: '#status = :held AND updatedAt = :read',
      ExpressionAttributeNames: { '#status': 'status', '#lines': 'lines' },
      ExpressionAttributeValues: {
        ':lines': lines,
        ':status': lines.length > 0 ? 'held' : 'released',
        ':held': 'held',
        ':now': now,
        ':read': row.updatedAt,
      },
    },
  };
}

async function write(deps: Deps, items: TransactItem[]): Promise<'written' | 'contended'> {
  try {
    await deps.db.send(new TransactWriteCommand({ TransactItems: items }));
    return 'written';
  } catch (error) {
    if (error instanceof TransactionCanceledException) return 'contended';
    throw error;
  }
}

const meta = (order: OrderRecord, deps: Deps, suffix: string) => ({
  correlationId: order.correlationId,
  idempotencyKey: `${order.id}:${suffix}`,
  occurredAt: deps.clock.now(),
});

/**
 * What happens after a ticket is answered. A re-routed ticket ships on its own run as soon as it is picked.
 * The allocation's tickets (the first wave) answer the Standard workflow once, when none of them is open:
 * with what they picked (and the shipping run for it), or, when nothing was picked, with the re-routed
 * tickets still to come, or, when everything waits for stock, with `OutOfStockError` (the workflow's
 * "Order is backordered"). Returns the order's tickets still open.
 */
export async function advanceOrder(
  deps: Deps,
  input: { orderId: string; ticketId: string; repeat: boolean; taskToken?: string },
): Promise<string[]> {
  const aggregate = await getOrderAggregate(deps, input.orderId);
  if (!aggregate) return [];
  const { order, pickTickets: tickets } = aggregate;
  const open = tickets.filter((ticket) => ticket.status === 'open').map((ticket) => ticket.id);
  const answered = tickets.find((ticket) => ticket.id === input.ticketId);
  if (!answered) return open;
  const billed = billedTickets(aggregate);

  if (!isFirstWave(answered)) {
    if (hasPicked(answered) && !billed.has(answered.id) && PICKABLE.includes(order.status)) {
      await startShipping(deps, order, {
        pickTicketIds: [answered.id],
        wave: `t${ticketNumber(answered.id)}`,
      });
    } else if (
      open.length === 0 &&
      !tickets.some((t) => hasPicked(t)) &&
      order.backorder &&
      order.status === 'picking'
    ) {
      await toBackordered(deps, order);
    }
    return open;
  }

  const firstWave = tickets.filter(isFirstWave);
  if (firstWave.some((ticket) => ticket.status === 'open')) return open;
  const ready = firstWave.filter(hasPicked);
  const token = input.taskToken ?? answered.taskToken;
  try {
    if (ready.length > 0) {
      await deps.taskCallbacks.succeed(token, {
        pickTicketIds: ready.map((ticket) => ticket.id),
        lines: ready.flatMap((ticket) => ticket.picked ?? []),
      });
    } else if (open.length > 0) {
      // Nothing picked here, but re-routed tickets are on their way: they ship on their own runs.
      await deps.taskCallbacks.succeed(token, { pickTicketIds: [], lines: [], reroutedTo: open });
    } else if (order.backorder) {
      if (order.status === 'picking') await toBackordered(deps, order);
      await deps.taskCallbacks.fail(
        token,
        'OutOfStockError',
        `no stock for ${JSON.stringify(order.backorder.missing)}`,
      );
    } else {
      await deps.taskCallbacks.fail(token, 'PickShortError', `nothing was picked for order ${order.id}`);
    }
  } catch (error) {
    if (!(error instanceof TaskTokenExpiredError)) throw error;
    // Already answered (a repeat, or the order's other last ticket) is expected; a wait that timed out and
    // failed the order is not.
    const again = await getOrderAggregate(deps, order.id);
    if (!((input.repeat || tickets.length > 1) && again?.order.status !== 'failed')) {
      throw new ConflictError(`pick ticket ${answered.id} expired: the workflow stopped waiting for it`);
    }
    if (!again || !PICKABLE.includes(again.order.status)) return open;
  }
  const unbilled = ready.filter((ticket) => !billed.has(ticket.id));
  if (unbilled.length > 0 && PICKABLE.includes(order.status)) {
    await startShipping(deps, order, { pickTicketIds: unbilled.map((ticket) => ticket.id) });
  }
  return open;
}

/** Nothing was picked anywhere and every unit waits for stock: the order is backordered as a whole. */
async function toBackordered(deps: Deps, order: OrderRecord) {
  const now = deps.clock.now().toISOString();
  await transact(deps, [
    statusUpdateItem(
      deps,
      order,
      'backordered',
      ['picking'],
      {},
      {
        timeline: [
          { type: 'OrderBackordered', at: now, detail: { missing: order.backorder?.missing ?? [] } },
        ],
      },
    ),
  ]);
}

/**
 * Escalates every open ticket past its due time, at every location: the ticket becomes `escalated` with a
 * timeline line and `PickEscalated`, its stock is released and re-routed (new tickets) or backordered, and
 * the order moves on as after a short pick. Run by the reconciler.
 */
export async function escalateOverduePicks(deps: Deps): Promise<string[]> {
  const now = deps.clock.now().toISOString();
  const escalated: string[] = [];
  for (const location of await listLocations(deps)) {
    for (const ticket of await openTicketsAt(deps, location.id, { dueBefore: now })) {
      if (!ticket.dueAt || ticket.dueAt >= now) continue;
      try {
        const answer = await answerShort(deps, {
          ticket,
          outcome: {
            short: true,
            lines: ticket.lines.map((line) => ({ sku: line.sku, ordered: line.quantity, picked: 0 })),
          },
          mode: 'escalated',
        });
        if (answer.outcome !== 'answered') continue;
        escalated.push(ticket.id);
        await advanceOrder(deps, { orderId: ticket.orderId, ticketId: ticket.id, repeat: true });
      } catch (error) {
        // An order that left picking (failed, cancelled) keeps its ticket; any other failure is logged and the
        // others go on, so one ticket can never stop the reconciler's run.
        if (!(error instanceof ConflictError)) {
          logger.error('could not escalate an overdue pick ticket', { pickTicketId: ticket.id, error });
        }
      }
    }
  }
  return escalated;
}

export { isFirstWave };
