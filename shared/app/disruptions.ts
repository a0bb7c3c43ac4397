import { createHash } from 'node:crypto';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { carrierServices } from '../config/carriers.js';
import {
  type Assessment,
  assessOrder,
  type DisruptionSpec,
  type ImpactReason,
  type LatLon,
  OPEN_STATUSES,
  type OrderFacts,
  type Place,
  promiseOf,
} from '../domain/disruptions.js';
import { ConflictError, NotFoundError, TransientError, ValidationError } from '../domain/errors.js';
import { OrderDelayed } from '../events/catalogue.js';
import type { Deps } from '../runtime/deps.js';
import { writeIfCondition } from '../store/db.js';
import {
  type DisruptionRecord,
  emptyCounts,
  finishDisruption,
  getDisruption,
  type Impact,
  type ImpactCounts,
  type ImpactEntry,
  listDisruptions,
  listShipments,
  putNewDisruption,
} from '../store/disruptions.js';
import { keys } from '../store/keys.js';
import { type LocationRecord, listLocations } from '../store/locations.js';
import { eachOrderInStatus } from '../store/order-index.js';
import {
  getOrderAggregate,
  getOrderRecord,
  type NotificationRecord,
  type OrderRecord,
  type ShipmentRecord,
} from '../store/orders.js';
import { changeAttributes, withChange } from '../store/outbox.js';
import type { DisruptionInput } from './disruption-input.js';

/**
 * `POST /disruptions`: stores the disruption, finds the open and shipped orders it affects, moves their
 * promise (or the carriers they may ship with), tells the customers whose date moves, and reports the impact.
 * Rules: docs/disruptions.md.
 */

/** A disruption named by an `Idempotency-Key` (no `id` in the body): the same key is the same disruption. */
export const disruptionIdFor = (idempotencyKey: string): string =>
  `dis_${createHash('sha256').update(`disruption:${idempotencyKey}`).digest('hex').slice(0, 24)}`;

/** Shipped orders that entered `shipped` this long before the window may still be in transit in it. */
const SHIPPED_LOOKBACK_MS = 21 * 86_400_000;
/** Orders worked on at once: enough to apply a region's backlog within the API's time, gently on the table. */
const CONCURRENCY = 8;
/** Re-reads of an order that changed while its update was being written (a status change, another disruption). */
const ATTEMPTS = 4;

export const notificationTemplate = (disruptionId: string) => `order-delayed:${disruptionId}`;

export type DisruptionView = Omit<DisruptionRecord, 'impact'> & { impact?: DisruptionRecord['impact'] };

/** The stored disruption as the API shows it (no request hash). */
export function disruptionView(record: DisruptionRecord & { requestHash?: string }): DisruptionView {
  const { requestHash: _hash, ...view } = record;
  return view;
}

export interface CreateDisruptionResult {
  disruption: DisruptionView;
  impact: Impact;
  /** The disruption was applied before (same id, same body): nothing was done again. */
  duplicate: boolean;
}

export async function createDisruption(
  deps: Deps,
  input: { disruption: DisruptionInput; idempotencyKey?: string },
): Promise<CreateDisruptionResult> {
  const { disruption } = input;
  const id = disruption.id ?? (input.idempotencyKey ? disruptionIdFor(input.idempotencyKey) : undefined);
  if (!id) {
    throw new ValidationError('give the disruption an id, or send an Idempotency-Key header', [
      { field: 'id', message: 'required without Idempotency-Key' },
      { field: 'Idempotency-Key', message: 'required without id' },
    ]);
  }
  const spec: DisruptionSpec & { description?: string } = {
    id,
    kind: disruption.kind,
    severity: disruption.severity,
    startsAt: disruption.startsAt,
    endsAt: disruption.endsAt,
    area: disruption.area,
    ...(disruption.carriers ? { carriers: disruption.carriers } : {}),
    ...(disruption.locations ? { locations: disruption.locations } : {}),
    ...(disruption.description !== undefined ? { description: disruption.description } : {}),
  };
  const locations = await listLocations(deps);
  const known = new Set(locations.map((location) => location.id));
  const unknown = (spec.locations ?? []).flatMap((locationId, index) =>
    known.has(locationId) ? [] : [{ field: `locations[${index}]`, message: 'unknown location' }],
  );
  if (unknown.length > 0) throw new ValidationError(`${unknown[0]?.field}: unknown location`, unknown);

  // The body as understood (normalized times, rounded coordinates), so a retry that differs only in
  // formatting is the same request.
  const requestHash = createHash('sha256').update(JSON.stringify(spec)).digest('hex');
  const now = deps.clock.now().toISOString();
  const fresh: DisruptionRecord = {
    ...spec,
    status: 'applying',
    affectedOrders: 0,
    repromised: 0,
    reselected: 0,
    impact: { affectedOrders: [], counts: emptyCounts(), truncated: false },
    createdAt: now,
    updatedAt: now,
  };
  const stored = await putNewDisruption(deps, fresh, requestHash);
  if (!stored.created) {
    if (stored.existing.requestHash !== requestHash) {
      throw new ConflictError(`disruption ${id} already exists with another body`, {
        field: disruption.id ? 'id' : 'Idempotency-Key',
      });
    }
    // Applied already: answer what was done. Still `applying`: an earlier attempt stopped half way (or runs
    // now); every order write below is conditional, so going through again finishes it without repeating any.
    if (stored.existing.status === 'applied') {
      return {
        disruption: disruptionView(stored.existing),
        impact: await impactOf(deps, stored.existing),
        duplicate: true,
      };
    }
  }

  const entries = await applyToOrders(deps, spec, locations);
  const impact: Impact = { affectedOrders: entries, counts: countsOf(entries) };
  const reportKey = `disruptions/${id}.json`;
  // The report is written before the item says `applied`: an answer that says applied always has its report.
  await deps.objects.put(
    reportKey,
    JSON.stringify(
      {
        disruption: disruptionView({
          ...fresh,
          ...(stored.created ? {} : { createdAt: stored.existing.createdAt }),
          status: 'applied',
          affectedOrders: impact.counts.affectedOrders,
          repromised: impact.counts.repromised,
          reselected: impact.counts.reselected,
          reportKey,
        }),
        impact,
      },
      null,
      2,
    ),
    'application/json',
  );
  const finished = await finishDisruption(deps, id, { impact, reportKey });
  return { disruption: disruptionView(finished), impact, duplicate: false };
}

/** The impact of an applied disruption: the full report from the bucket, else the capped one on the item. */
async function impactOf(deps: Deps, record: DisruptionRecord): Promise<Impact> {
  const body = record.reportKey ? await deps.objects.get(record.reportKey) : undefined;
  if (body) {
    const report = JSON.parse(Buffer.from(body).toString('utf8')) as { impact?: Impact };
    if (report.impact) return report.impact;
  }
  return { affectedOrders: record.impact.affectedOrders, counts: record.impact.counts };
}

export async function getDisruptionView(deps: Deps, id: string): Promise<DisruptionView> {
  const record = /^[A-Za-z0-9._-]{1,64}$/.test(id) ? await getDisruption(deps, id) : undefined;
  if (!record) throw new NotFoundError(`disruption ${id} does not exist`);
  return disruptionView(record);
}

/** `GET /disruptions`: the disruptions whose window overlaps [from, to], without their per-order lists. */
export async function listDisruptionViews(
  deps: Deps,
  query: { from: string; to: string; limit: number; cursor?: string },
): Promise<{ items: DisruptionView[]; nextCursor: string | null }> {
  const page = await listDisruptions(deps, query);
  return {
    items: page.items.map((record) => {
      const { impact, ...view } = disruptionView(record);
      return { ...view, counts: impact?.counts ?? emptyCounts() };
    }),
    nextCursor: page.nextCursor ?? null,
  };
}

// ------------------------------------------------------------------------------------------ the orders

/**
 * Every open order, and the shipped ones that may be in transit during the window, read through the status
 * index (never a scan), each assessed and, when it is affected, updated.
 */
async function applyToOrders(
  deps: Deps,
  spec: DisruptionSpec,
  locations: readonly LocationRecord[],
): Promise<ImpactEntry[]> {
  const byId = new Map(locations.map((location) => [location.id, location]));
  const place = (locationId: string): Place => {
    const address = byId.get(locationId)?.address;
    return {
      locationId,
      ...(address ? { postalCode: address.postalCode } : {}),
      ...(address?.coordinates ? { coordinates: address.coordinates } : {}),
    };
  };
  // An order can move between statuses while they are read and show up twice: the last read wins.
  const orders = new Map<string, OrderRecord>();
  for (const status of OPEN_STATUSES) {
    for await (const order of eachOrderInStatus(deps, status, { limit: 100 })) orders.set(order.id, order);
  }
  const shippedAfter = new Date(Date.parse(spec.startsAt) - SHIPPED_LOOKBACK_MS).toISOString();
  for await (const order of eachOrderInStatus(deps, 'shipped', {
    enteredAfter: shippedAfter,
    enteredBefore: spec.endsAt,
    limit: 100,
  })) {
    orders.set(order.id, order);
  }

  const entries: ImpactEntry[] = [];
  const queue = [...orders.values()];
  const worker = async () => {
    for (let order = queue.shift(); order; order = queue.shift()) {
      const entry = await applyToOrder(deps, spec, order, place);
      if (entry) entries.push(entry);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return entries.sort((a, b) => a.orderId.localeCompare(b.orderId));
}

function factsOf(order: OrderRecord, shipments: ShipmentRecord[], place: (id: string) => Place): OrderFacts {
  const fulfillment = order.fulfillment ?? { type: 'ship' };
  const coordinates = (order.shippingAddress as { coordinates?: LatLon }).coordinates;
  const destination: Place =
    fulfillment.type === 'pickup'
      ? place(fulfillment.locationId)
      : {
          postalCode: order.shippingAddress.postalCode,
          ...(typeof coordinates?.lat === 'number' && typeof coordinates.lon === 'number'
            ? { coordinates }
            : {}),
        };
  const origins = [...new Set((order.allocations ?? []).map((allocation) => allocation.locationId))];
  return {
    id: order.id,
    status: order.status,
    placedAt: order.placedAt,
    ...(order.promisedBy ? { promisedBy: order.promisedBy } : {}),
    destination,
    pickup: fulfillment.type === 'pickup',
    origins: origins.map(place),
    shipments: shipments.map((shipment) => ({
      carrier: shipment.carrier,
      service: shipment.service,
      estimatedDelivery: shipment.estimatedDelivery,
      origin: place(shipment.locationId),
    })),
  };
}

/**
 * Assesses one order and writes what changes for it in ONE conditional update: the order must still be in
 * the status it was read in, not already carry this disruption, and hold the promise it was read with. A
 * failed condition re-reads the order and decides again.
 */
async function applyToOrder(
  deps: Deps,
  spec: DisruptionSpec,
  first: OrderRecord,
  place: (id: string) => Place,
): Promise<ImpactEntry | undefined> {
  let order = first;
  for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
    if ((order.disruptionIds ?? []).includes(spec.id)) return await appliedEarlier(deps, spec, order);
    const shipments = order.status === 'shipped' ? await listShipments(deps, order.id) : [];
    const assessment = assessOrder(spec, factsOf(order, shipments, place), carrierServices, deps.clock.now());
    if (!assessment) return undefined;
    const moved = assessment.promise.to > assessment.promise.from;
    if (!moved && !assessment.avoidCarriers) return entryOf(assessment, false);
    if (await writeIfCondition(deps, new UpdateCommand(orderUpdate(deps, spec, order, assessment)))) {
      if (moved) await notifyDelay(deps, spec, order, assessment.promise);
      return entryOf(assessment, moved);
    }
    const current = await getOrderRecord(deps, order.id);
    if (!current) return undefined;
    order = current;
  }
  throw new TransientError(`order ${first.id} kept changing while disruption ${spec.id} was applied; retry`);
}

const entryOf = (assessment: Assessment, notified: boolean): ImpactEntry => ({
  orderId: assessment.orderId,
  status: assessment.status,
  reason: assessment.reason,
  promise: assessment.promise,
  action: assessment.action,
  notified,
  ...(assessment.recommendation ? { recommendation: assessment.recommendation } : {}),
});

function orderUpdate(deps: Deps, spec: DisruptionSpec, order: OrderRecord, assessment: Assessment) {
  const now = deps.clock.now().toISOString();
  const { from, to } = assessment.promise;
  const moved = to > from;
  const values: Record<string, unknown> = {
    ':status': order.status,
    ':now': now,
    ':id': spec.id,
    ':ids': [spec.id],
    ':noIds': [],
  };
  const sets = [
    'updatedAt = :now',
    'disruptionIds = list_append(if_not_exists(disruptionIds, :noIds), :ids)',
  ];
  const conditions = ['#status = :status', 'NOT contains(disruptionIds, :id)'];
  if (moved) {
    sets.push('promisedBy = :to');
    values[':to'] = to;
    if (order.promisedBy === undefined) {
      conditions.push('attribute_not_exists(promisedBy)');
    } else {
      conditions.push('promisedBy = :from');
      values[':from'] = order.promisedBy;
    }
  }
  const avoid = assessment.avoidCarriers;
  if (avoid) {
    sets.push('avoidCarriers = list_append(if_not_exists(avoidCarriers, :noAvoid), :avoid)');
    values[':noAvoid'] = [];
    values[':avoid'] = [{ disruptionId: spec.id, carriers: avoid, from: spec.startsAt, to: spec.endsAt }];
  }
  const detail = { disruptionId: spec.id, reason: assessment.reason };
  return withChange(
    deps,
    {
      TableName: deps.tableName,
      Key: keys.order(order.id),
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: values,
    },
    {
      timeline: [
        ...(moved ? [{ type: 'PromiseMoved', at: now, detail: { from, to, ...detail } }] : []),
        ...(avoid
          ? [{ type: 'CarriersAvoided', at: now, detail: { carriers: avoid, until: spec.endsAt, ...detail } }]
          : []),
      ],
      // The event that lets a customer-messaging integration reach the customer; no event for a carrier
      // swap, which the customer never notices.
      events: moved
        ? [
            OrderDelayed.create(
              {
                orderId: order.id,
                disruptionId: spec.id,
                kind: spec.kind,
                severity: spec.severity,
                reason: assessment.reason,
                previousPromise: from,
                newPromise: to,
              },
              {
                correlationId: order.correlationId,
                idempotencyKey: `${order.id}:delayed:${spec.id}`,
                occurredAt: deps.clock.now(),
              },
            ),
          ]
        : [],
    },
  );
}

/**
 * An order this disruption was applied to before (a retried POST that resumes an interrupted one, or two
 * concurrent ones): its entry is read back from the timeline line the update wrote, and a notification the
 * interruption may have cut off is written now (once: its put is conditional).
 */
async function appliedEarlier(deps: Deps, spec: DisruptionSpec, order: OrderRecord): Promise<ImpactEntry> {
  const aggregate = await getOrderAggregate(deps, order.id);
  const lines = (aggregate?.timeline ?? []).filter((line) => line.detail?.disruptionId === spec.id);
  const moved = lines.find((line) => line.type === 'PromiseMoved')?.detail as
    | { from: string; to: string; reason: ImpactReason }
    | undefined;
  const avoided = lines.find((line) => line.type === 'CarriersAvoided')?.detail as
    | { reason: ImpactReason }
    | undefined;
  if (moved) await notifyDelay(deps, spec, order, moved);
  const promise = moved
    ? { from: moved.from, to: moved.to }
    : { from: promiseOf(order), to: promiseOf(order) };
  return {
    orderId: order.id,
    status: order.status,
    reason: moved?.reason ?? avoided?.reason ?? 'destination-in-area',
    promise,
    action: moved ? 'repromised' : 'carrier-avoided',
    notified: moved !== undefined,
  };
}

/**
 * The "your order will arrive later" notification, once per order and disruption: its key carries the
 * disruption (`NOTIFICATION#order-delayed:<id>`) and its put is conditional, so a retry records nothing new.
 * The record is `pending`: the notifications consumer delivers it when the OrderDelayed event arrives.
 */
async function notifyDelay(
  deps: Deps,
  spec: DisruptionSpec,
  order: OrderRecord,
  promise: { from: string; to: string },
): Promise<void> {
  const template = notificationTemplate(spec.id);
  const now = deps.clock.now().toISOString();
  const pickup = order.fulfillment?.type === 'pickup';
  const cause = spec.kind === 'weather' ? 'severe weather' : 'a carrier outage';
  const notification: NotificationRecord = {
    template,
    channel: 'email',
    to: order.customer.email,
    subject: `Your order ${order.orderNumber ?? order.id} will ${pickup ? 'be ready' : 'arrive'} later than promised`,
    body: `Because of ${cause}, we now expect your order ${pickup ? 'to be ready for pickup' : 'to arrive'} by ${promise.to} instead of ${promise.from}. We are sorry for the wait.`,
    at: now,
    // Recorded, not sent: the notifications consumer delivers it on OrderDelayed (shared/app/notifications.ts).
    status: 'pending',
  };
  await writeIfCondition(
    deps,
    new PutCommand({
      TableName: deps.tableName,
      Item: {
        ...keys.notification(order.id, template),
        entity: 'Notification',
        entityVersion: 1,
        ...notification,
        ...changeAttributes(deps, {
          timeline: [{ type: 'CustomerNotified', at: now, detail: { template } }],
        }),
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
}

function countsOf(entries: readonly ImpactEntry[]): ImpactCounts {
  const counts = emptyCounts();
  for (const entry of entries) {
    counts.affectedOrders += 1;
    if (entry.action === 'repromised') counts.repromised += 1;
    if (entry.action === 'carrier-avoided') counts.reselected += 1;
    if (entry.notified) counts.notified += 1;
    if (entry.recommendation) counts.recommendations += 1;
    counts.byStatus[entry.status] = (counts.byStatus[entry.status] ?? 0) + 1;
    counts.byReason[entry.reason] = (counts.byReason[entry.reason] ?? 0) + 1;
  }
  return counts;
}
