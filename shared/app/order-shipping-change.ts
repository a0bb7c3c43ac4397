import { sourcingProfileFor } from '../config/sourcing-profiles.js';
import { consolidateLines } from '../domain/allocation.js';
import { promiseOf } from '../domain/disruptions.js';
import { ConflictError, UnprocessableError } from '../domain/errors.js';
import type { Address, FulfillmentChoice } from '../domain/order.js';
import { assertChangeable } from '../domain/order-changes.js';
import type { QuoteOption } from '../domain/rate-shopping.js';
import { decideSourcing, type PlannedShipment } from '../domain/sourcing.js';
import type { Deps } from '../runtime/deps.js';
import type { TransactItem } from '../store/db.js';
import { pause } from '../store/db.js';
import { releaseItem, reserveItem, type StockBucket, stockBuckets } from '../store/inventory.js';
import { keys } from '../store/keys.js';
import { allocatedToday, getLocation, listLocations } from '../store/locations.js';
import {
  getOrderAggregate,
  type OrderAggregate,
  type OrderRecord,
  partsOf,
  type ReservationRecord,
  requireOrderAggregate,
  type TimelineEntry,
  transactUnlessContended,
} from '../store/orders.js';
import { withChange } from '../store/outbox.js';
import { nextTicketNumber } from '../store/pick-tickets.js';
import { type AgentAction, actionIdFor, actionTimeline, auditPut, findAction } from './agent-actions.js';
import { reservationReleaseItem } from './compensate.js';
import {
  advanceOrder,
  cancelTicketItem,
  isFirstWave,
  openTicketChecks,
  reroutedShipment,
} from './fulfillment.js';
import { toOrderView } from './order-view.js';
import { sourcingFulfillment, TRANSACTION_LIMIT, toSourcingLocations } from './reserve-order.js';
import { parcelsForPick, quoteShipping } from './shipping.js';

/** The audit kind of an agent's change of where (or how) an order is delivered. */
const SHIPPING_CHANGE_KIND = 'order.shipping-changed';
const MAX_ATTEMPTS = 4;

export interface ShippingChange {
  address?: Address;
  fulfillment?: FulfillmentChoice;
}

/** Rate shopping from one origin of the order to its (new) destination, as `POST /shipping/quotes` prices it. */
export interface ShippingQuote {
  locationId: string;
  promiseDate: string;
  /** Whether the chosen service still delivers by the promise date. */
  meetsPromise: boolean;
  chosen: {
    carrier: string;
    service: string;
    cost: number;
    currency: string;
    estimatedDelivery: string;
  } | null;
  options: QuoteOption[];
}

/** What the change did, stored on the audit item so a retry answers the same. */
export interface ShippingChangeOutcome extends Record<string, unknown> {
  /** True when the order's stock moved to other locations (old reservation released, new one held). */
  resourced: boolean;
  quotes: ShippingQuote[];
  /** Pick tickets the change cancelled and opened (empty when the origin stayed). */
  cancelledTickets: string[];
  openedTickets: string[];
}

/** Per location, the units held there (SKU → quantity). */
type HeldUnits = Map<string, Map<string, number>>;

/** The units an order holds, per location, from its held reservation rows (chunks added up). */
export function heldByLocation(rows: readonly Pick<ReservationRecord, 'locationId' | 'lines' | 'status'>[]) {
  const held: HeldUnits = new Map();
  for (const row of rows) {
    if (row.status !== 'held') continue;
    const skus = held.get(row.locationId) ?? new Map<string, number>();
    for (const line of row.lines) skus.set(line.sku, (skus.get(line.sku) ?? 0) + line.quantity);
    held.set(row.locationId, skus);
  }
  return held;
}

const sameUnits = (a: ReadonlyMap<string, number> | undefined, b: ReadonlyMap<string, number> | undefined) =>
  (a?.size ?? 0) === (b?.size ?? 0) && [...(a ?? [])].every(([sku, quantity]) => b?.get(sku) === quantity);

/**
 * Which locations a new sourcing decision takes stock away from and which it gives stock to. A location whose
 * units stay exactly the same keeps its reservation and ticket untouched; any other one the order leaves (all
 * its rows released) or joins (a new reservation and ticket), so a location can be in both lists when its
 * units change.
 */
export function originMoves(held: HeldUnits, shipments: readonly PlannedShipment[]) {
  const target: HeldUnits = new Map(
    shipments.map((shipment) => [
      shipment.locationId,
      new Map(shipment.lines.map((line) => [line.sku, line.quantity] as const)),
    ]),
  );
  return {
    leave: [...held.keys()].filter((locationId) => !sameUnits(held.get(locationId), target.get(locationId))),
    join: shipments.filter(
      (shipment) => !sameUnits(target.get(shipment.locationId), held.get(shipment.locationId)),
    ),
  };
}

export interface StockDelta {
  locationId: string;
  sku: string;
  bucket: number;
  /** Positive: reserve this many more; negative: release them. */
  quantity: number;
}

/**
 * Releases and reservations netted per stock row: a transaction may touch an item once, and a location that
 * both gives units back and takes new ones (its units changed) would otherwise write the same bucket twice.
 * Rows that net to nothing are left out.
 */
export function netStock(deltas: readonly StockDelta[]): StockDelta[] {
  const net = new Map<string, StockDelta>();
  for (const delta of deltas) {
    const key = `${delta.locationId}\u0000${delta.sku}\u0000${delta.bucket}`;
    const entry = net.get(key) ?? { ...delta, quantity: 0 };
    entry.quantity += delta.quantity;
    net.set(key, entry);
  }
  return [...net.values()].filter((delta) => delta.quantity !== 0);
}

/**
 * The stock figures as they were before this order held anything: its held units added back to their
 * buckets, so the sourcing decision (and the bucket plan of a new reservation) treats the order's own
 * reservation as available to it.
 */
export function withHeldAddedBack(
  buckets: readonly StockBucket[],
  rows: readonly ReservationRecord[],
): StockBucket[] {
  return buckets.map((bucket) => {
    const back = rows
      .filter((row) => row.status === 'held' && row.locationId === bucket.locationId)
      .flatMap((row) => row.lines.filter((line) => line.sku === bucket.sku).flatMap(partsOf))
      .filter((part) => part.bucket === bucket.bucket)
      .reduce((sum, part) => sum + part.quantity, 0);
    return back === 0 ? bucket : { ...bucket, available: bucket.available + back };
  });
}

/** Field-by-field equality of two flat records (an address, a fulfillment choice), whatever the key order. */
export function sameRecord(a: object, b: object): boolean {
  const canonical = (value: object) =>
    JSON.stringify(
      Object.entries(value)
        .filter(([, field]) => field !== undefined)
        .sort(([x], [y]) => x.localeCompare(y)),
    );
  return canonical(a) === canonical(b);
}

interface Plan {
  items: TransactItem[];
  outcome: ShippingChangeOutcome;
}

/**
 * `PUT /agent/orders/{id}/shipping`: an agent changes the delivery address and/or the method (ship, or pick
 * up at a store) while nothing of the order has been picked (`assertChangeable`). The new destination is
 * re-quoted from the origin(s), and re-sourced when it moves: if the sourcing rules now choose other
 * locations, the old reservation is released exactly, new stock is reserved, the old pick tickets are
 * cancelled and new ones opened, all in one transaction with the order's new address, its timeline line and
 * the audit item. The customer's shipping charge does not change. A retry with the same Idempotency-Key
 * answers the stored outcome (`duplicate: true`) and changes nothing again.
 */
export async function changeOrderShipping(
  deps: Deps,
  action: AgentAction,
  input: { orderId: string; change: ShippingChange },
) {
  const request = { reason: action.reason, ...input.change };
  const actionId = actionIdFor(input.orderId, SHIPPING_CHANGE_KIND, action.idempotencyKey);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    const found = await findAction(deps, action, {
      orderId: input.orderId,
      kind: SHIPPING_CHANGE_KIND,
      request,
    });
    if (found) {
      // The change committed; its answer to the Standard workflow may not have: give it again (idempotent).
      const aggregate = await answerWaitIfMoved(deps, input.orderId);
      return { ...(found.outcome as ShippingChangeOutcome), order: viewOf(aggregate), duplicate: true };
    }
    const aggregate = await requireOrderAggregate(deps, input.orderId);
    assertChangeable(aggregate);
    const now = deps.clock.now().toISOString();
    const plan = await planChange(deps, aggregate, action, input.change, now);
    const items = [
      ...plan.items,
      auditPut(deps, action, {
        orderId: input.orderId,
        kind: SHIPPING_CHANGE_KIND,
        at: now,
        request,
        outcome: plan.outcome,
      }),
    ];
    if (items.length > TRANSACTION_LIMIT) {
      throw new ConflictError(
        `order ${input.orderId} holds too many reservation rows to move in one change (${items.length} writes); cancel and re-place it`,
      );
    }
    if (await transactUnlessContended(deps, items)) {
      const after = await answerWaitIfMoved(deps, input.orderId);
      return { ...plan.outcome, order: viewOf(after), duplicate: false };
    }
    // The order, its stock or the same action moved under us: read again (the next loop answers a duplicate).
    await pause(attempt);
  }
  throw new ConflictError(`order ${input.orderId} changed while its shipping was being changed; retry`, {
    actionId,
  });
}

const viewOf = (aggregate: OrderAggregate | undefined) => (aggregate ? toOrderView(aggregate) : null);

/**
 * The allocation's tickets (the first wave) answer the Standard workflow once none of them is open. An
 * agent's change (of the shipping or of the lines) that cancelled the last open ones answers it here: nothing
 * picked, the new tickets ship on their own runs (as after a short pick's re-route). Idempotent, so a retry (or the reconciler) can send it again.
 */
export async function answerWaitIfMoved(deps: Deps, orderId: string): Promise<OrderAggregate | undefined> {
  const aggregate = await getOrderAggregate(deps, orderId);
  if (aggregate?.order.status !== 'picking') return aggregate;
  const firstWave = aggregate.pickTickets.filter(isFirstWave);
  const cancelled = firstWave.filter((ticket) => ticket.status === 'cancelled');
  const last = cancelled.at(-1);
  if (!last || firstWave.some((ticket) => ticket.status === 'open')) return aggregate;
  await advanceOrder(deps, { orderId, ticketId: last.id, repeat: true });
  return await getOrderAggregate(deps, orderId);
}

async function planChange(
  deps: Deps,
  aggregate: OrderAggregate,
  action: AgentAction,
  change: ShippingChange,
  now: string,
): Promise<Plan> {
  const { order } = aggregate;
  const before = {
    address: order.shippingAddress,
    fulfillment: order.fulfillment ?? { type: 'ship' as const },
  };
  const after = {
    address: change.address ?? before.address,
    fulfillment: change.fulfillment ?? before.fulfillment,
  };
  const addressChanged = !sameRecord(before.address, after.address);
  const methodChanged = !sameRecord(before.fulfillment, after.fulfillment);
  if (!addressChanged && !methodChanged) {
    throw new UnprocessableError(`order ${order.id} already ships this way: nothing to change`, {
      field: change.address ? 'address' : 'fulfillment',
    });
  }
  if (methodChanged && after.fulfillment.type === 'pickup')
    await assertPickupLocation(deps, after.fulfillment);
  const next: Pick<OrderRecord, 'shippingAddress' | 'fulfillment'> = {
    shippingAddress: after.address,
    fulfillment: after.fulfillment,
  };

  const heldRows = aggregate.reservations.filter((row) => row.status === 'held');
  const held = heldByLocation(heldRows);
  const destinationMoved = !sameRecord(sourcingFulfillment(order), sourcingFulfillment(next));
  let origins: { locationId: string; lines: { sku: string; quantity: number }[] }[] = [...held].map(
    ([locationId, skus]) => ({ locationId, lines: [...skus].map(([sku, quantity]) => ({ sku, quantity })) }),
  );
  const moved =
    destinationMoved && heldRows.length > 0 ? await resource(deps, aggregate, next, now, action) : undefined;
  if (moved) origins = moved.origins;

  const quotes =
    after.fulfillment.type === 'ship' ? await quoteFrom(deps, order, after.address, origins) : [];
  const outcome: ShippingChangeOutcome = {
    resourced: (moved?.opened.length ?? 0) > 0 || (moved?.cancelled.length ?? 0) > 0,
    quotes,
    cancelledTickets: moved?.cancelled ?? [],
    openedTickets: moved?.opened ?? [],
  };
  const detail = {
    resourced: outcome.resourced
      ? {
          from: moved?.leave ?? [],
          to: moved?.join ?? [],
          cancelledTickets: outcome.cancelledTickets,
          openedTickets: outcome.openedTickets,
        }
      : null,
    promisedBy: promiseOf(order),
    quote: quotes.map((quote) => ({
      locationId: quote.locationId,
      ...quote.chosen,
      meetsPromise: quote.meetsPromise,
    })),
    meetsPromise: quotes.every((quote) => quote.meetsPromise),
    shippingCharge: 'unchanged',
  };
  const timeline: TimelineEntry[] = [
    ...(addressChanged
      ? [
          actionTimeline(action, 'ShippingAddressChanged', now, {
            before: before.address,
            after: after.address,
            ...detail,
          }),
        ]
      : []),
    ...(methodChanged
      ? [
          actionTimeline(action, 'FulfillmentMethodChanged', now, {
            before: before.fulfillment,
            after: after.fulfillment,
            ...detail,
          }),
        ]
      : []),
  ];
  const allocations = moved
    ? [
        ...order.allocations.filter((allocation) => !moved.leave.includes(allocation.locationId)),
        ...moved.allocations,
      ]
    : order.allocations;
  const orderItem: TransactItem = {
    Update: withChange(
      deps,
      {
        TableName: deps.tableName,
        Key: keys.order(order.id),
        UpdateExpression:
          'SET shippingAddress = :address, fulfillment = :fulfillment, allocations = :allocations, updatedAt = :now',
        // Read-modify-write: a status change, a pick or another agent's change in between makes this a retry.
        ConditionExpression: '#status = :status AND updatedAt = :read',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':address': after.address,
          ':fulfillment': after.fulfillment,
          ':allocations': allocations,
          ':now': now,
          ':status': order.status,
          ':read': order.updatedAt,
        },
      },
      { timeline, events: moved?.events ?? [] },
    ),
  };
  // Tickets that stay (at locations that do not move) are checked open and unchanged: a pick confirmed in
  // between fails the change, which then answers 409.
  const checks = openTicketChecks(deps, aggregate.pickTickets, new Set(moved?.cancelled ?? []));
  return { items: [orderItem, ...(moved?.items ?? []), ...checks], outcome };
}

/** A pickup store must exist and offer pickup, as at intake (422 naming the field). */
async function assertPickupLocation(deps: Deps, fulfillment: Extract<FulfillmentChoice, { type: 'pickup' }>) {
  const location = await getLocation(deps, fulfillment.locationId);
  if (!location?.pickup) {
    throw new UnprocessableError(
      location
        ? `location ${fulfillment.locationId} offers no pickup`
        : `pickup location ${fulfillment.locationId} does not exist`,
      { field: 'fulfillment.locationId' },
    );
  }
}

/**
 * The sourcing decision for the new destination over the order's held units (its own reservation counted as
 * available to it), and, when it chooses other locations, the writes that move the stock: rows left released
 * exactly, stock netted per bucket, new reservations and tickets (`reroutedShipment`, as a short pick's
 * re-route), the old open tickets cancelled. Undefined when the origin stays.
 */
async function resource(
  deps: Deps,
  aggregate: OrderAggregate,
  next: Pick<OrderRecord, 'shippingAddress' | 'fulfillment'>,
  now: string,
  action: AgentAction,
) {
  const { order } = aggregate;
  const heldRows = aggregate.reservations.filter((row) => row.status === 'held');
  const held = heldByLocation(heldRows);
  const lines = consolidateLines(
    heldRows.flatMap((row) => row.lines.map(({ sku, quantity }) => ({ sku, quantity }))),
  );
  const locations = await listLocations(deps);
  const buckets = withHeldAddedBack(
    (await Promise.all(lines.map((line) => stockBuckets(deps, line.sku)))).flat(),
    heldRows,
  );
  const used = await allocatedToday(
    deps,
    locations.map((location) => location.id),
  );
  // The order's own locations counted it in today's capacity: it is not a new shipment for them.
  const candidates = toSourcingLocations(locations, buckets, used).map((candidate) =>
    held.has(candidate.id) && candidate.remainingCapacity < Number.MAX_SAFE_INTEGER
      ? { ...candidate, remainingCapacity: candidate.remainingCapacity + 1 }
      : candidate,
  );
  const to = sourcingFulfillment(next);
  const decision = decideSourcing({ lines, fulfillment: to }, candidates, sourcingProfileFor(order.channel));
  if (decision.outcome === 'unfillable') {
    const where =
      to.type === 'pickup' ? `for pickup at ${to.locationId}` : `to ${to.postalCode} ${to.country}`;
    const missing = decision.missing.map((line) => `${line.sku} (${line.quantity})`).join(', ');
    throw new ConflictError(
      `no location can serve order ${order.id} ${where}: ${missing} missing; ${decision.reason}`,
      {
        missing: decision.missing,
      },
    );
  }
  const { leave, join } = originMoves(held, decision.shipments);
  const origins = decision.shipments.map(({ locationId, lines: planned }) => ({
    locationId,
    lines: planned,
  }));
  if (leave.length === 0 && join.length === 0) return undefined;
  if (order.status !== 'picking') {
    // `allocated` lasts only until the workflow opens the tickets from the held rows; moving them under it
    // could open tickets for released stock.
    throw new ConflictError(
      `order ${order.id} is being handed to its warehouses (status ${order.status}): try again in a moment`,
      { status: order.status, retryable: true },
    );
  }

  const leaving = heldRows.filter((row) => leave.includes(row.locationId));
  const cancelled = aggregate.pickTickets.filter(
    (ticket) => ticket.status === 'open' && leave.includes(ticket.locationId),
  );
  const number = nextTicketNumber(aggregate.pickTickets);
  const reason = `shipping changed by ${action.agent.username}: ${decision.reason}`;
  const planned = join.map((shipment, index) =>
    reroutedShipment(deps, order, shipment, buckets, {
      number: number + index,
      now,
      reason,
      rule: decision.rule,
    }),
  );
  const stock = netStock([
    ...leaving.flatMap((row) =>
      row.lines.flatMap((line) =>
        partsOf(line).map((part) => ({
          locationId: row.locationId,
          sku: line.sku,
          bucket: part.bucket,
          quantity: -part.quantity,
        })),
      ),
    ),
    ...planned.flatMap((shipment) => shipment.stock),
  ]);
  const items: TransactItem[] = [
    ...stock.map((delta) =>
      delta.quantity > 0
        ? reserveItem(deps, delta.locationId, delta.sku, delta.quantity, now, delta.bucket)
        : releaseItem(deps, delta.locationId, delta.sku, -delta.quantity, now, delta.bucket),
    ),
    ...leaving.map((row) => reservationReleaseItem(deps, order, row, now)),
    ...cancelled.map((ticket) =>
      cancelTicketItem(deps, ticket, `shipping changed by ${action.agent.username}`),
    ),
    ...planned.flatMap((shipment) => shipment.items),
  ];
  return {
    items,
    origins,
    leave,
    join: join.map((shipment) => shipment.locationId),
    cancelled: cancelled.map((ticket) => ticket.id),
    opened: planned.map((shipment) => shipment.ticketId),
    allocations: planned.map((shipment) => shipment.allocation),
    events: planned.map((shipment) => shipment.event),
  };
}

/** Rate shopping from each origin to the new address, for the units it ships, against the order's promise. */
async function quoteFrom(
  deps: Deps,
  order: OrderRecord,
  address: Address,
  origins: readonly { locationId: string; lines: { sku: string; quantity: number }[] }[],
): Promise<ShippingQuote[]> {
  return await Promise.all(
    origins.map(async (origin) => {
      const { parcels } = await parcelsForPick(deps, { lines: origin.lines });
      const quote = await quoteShipping(deps, {
        origin: { locationId: origin.locationId },
        destination: {
          postalCode: address.postalCode,
          country: address.country,
          ...(address.residential === undefined ? {} : { residential: address.residential }),
          ...(address.company ? { company: address.company } : {}),
        },
        parcels,
        promiseDate: promiseOf(order),
      });
      const { chosen } = quote;
      return {
        locationId: origin.locationId,
        promiseDate: quote.promiseDate,
        meetsPromise: quote.meetsPromise,
        chosen:
          chosen?.total !== undefined && chosen.estimatedDelivery
            ? {
                carrier: chosen.carrier,
                service: chosen.service,
                cost: chosen.total,
                currency: chosen.currency,
                estimatedDelivery: chosen.estimatedDelivery,
              }
            : null,
        options: quote.options,
      };
    }),
  );
}
