import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  type DisruptionSpec,
  IMPACT_REASONS,
  IMPACT_STATUSES,
  type ImpactAction,
  type ImpactReason,
  type ImpactStatus,
  MAX_WINDOW_MS,
} from '../domain/disruptions.js';
import { ValidationError } from '../domain/errors.js';
import type { OrderStatus } from '../domain/order.js';
import type { Deps } from '../runtime/deps.js';
import { batchGet, decodeCursor, encodeCursor, type ItemKey, indexKeys, isConditionFailure } from './db.js';
import { gsi1, keys } from './keys.js';
import type { ShipmentRecord } from './orders.js';

/** One affected order in a disruption's impact report. */
export interface ImpactEntry {
  orderId: string;
  /** The status it was found in (one applied earlier: the status it is in now). */
  status: OrderStatus;
  reason: ImpactReason;
  /** `YYYY-MM-DD`; equal when the promise holds. */
  promise: { from: string; to: string };
  action: ImpactAction;
  /** The customer was sent the "your order will be later" notification for this disruption. */
  notified: boolean;
  recommendation?: string;
}

export interface ImpactCounts {
  affectedOrders: number;
  repromised: number;
  /** Orders a carrier outage moved to other carriers (`carrier-avoided`). */
  reselected: number;
  notified: number;
  /** Orders with a recommendation for a person (re-sourcing reserved stock). */
  recommendations: number;
  /** Every status and reason is listed, zero or not (an empty map would not survive DynamoDB Local's stream). */
  byStatus: Record<ImpactStatus, number> & Partial<Record<OrderStatus, number>>;
  byReason: Record<ImpactReason, number>;
}

export interface Impact {
  affectedOrders: ImpactEntry[];
  counts: ImpactCounts;
}

/**
 * A disruption as stored (`DISRUPTION#<id>` / `DISRUPTION`, gsi1 `DISRUPTIONS` / `<startsAt>#<id>`). The
 * reporting job reads this shape: keep it additive.
 */
export interface DisruptionRecord extends DisruptionSpec {
  description?: string;
  /** `applying` from the first write until the impact is recorded; a retried POST resumes it. */
  status: 'applying' | 'applied';
  affectedOrders: number;
  repromised: number;
  reselected: number;
  /** The impact: every count, and the first `MAX_STORED_ENTRIES` orders (the whole list is in the bucket). */
  impact: Impact & { truncated: boolean };
  /** Where the full report is: `disruptions/<id>.json` in the bucket. */
  reportKey?: string;
  createdAt: string;
  updatedAt: string;
}

/** Orders listed on the item itself: the item stays far under DynamoDB's 400 KB, the bucket has them all. */
export const MAX_STORED_ENTRIES = 200;

export const emptyCounts = (): ImpactCounts => ({
  affectedOrders: 0,
  repromised: 0,
  reselected: 0,
  notified: 0,
  recommendations: 0,
  byStatus: Object.fromEntries(IMPACT_STATUSES.map((status) => [status, 0])) as Record<ImpactStatus, number>,
  byReason: Object.fromEntries(IMPACT_REASONS.map((reason) => [reason, 0])) as Record<ImpactReason, number>,
});

const recordOf = (item: Record<string, unknown>): DisruptionRecord & { requestHash?: string } => {
  const { pk: _pk, sk: _sk, gsi1pk: _g, gsi1sk: _gs, entity: _e, entityVersion: _v, ...rest } = item;
  return rest as unknown as DisruptionRecord & { requestHash?: string };
};

/**
 * Stores a new disruption (`applying`, no impact yet) once: the conditional put is what makes a retried or
 * concurrent POST with the same id land on one item. Answers the stored one when it exists already. Its
 * gsi1 entry exists from this write on, so select-carrier avoids an outage's carriers while it is applied.
 */
export async function putNewDisruption(
  deps: Deps,
  record: DisruptionRecord,
  requestHash: string,
): Promise<{ created: true } | { created: false; existing: DisruptionRecord & { requestHash?: string } }> {
  try {
    await deps.db.send(
      new PutCommand({
        TableName: deps.tableName,
        Item: {
          ...keys.disruption(record.id),
          gsi1pk: gsi1.disruptions,
          gsi1sk: `${record.startsAt}#${record.id}`,
          entity: 'Disruption',
          entityVersion: 1,
          ...record,
          requestHash,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { created: true };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const old = error instanceof ConditionalCheckFailedException ? error.Item : undefined;
    const existing = old ? recordOf(unmarshall(old)) : await getDisruption(deps, record.id);
    if (!existing) throw error;
    return { created: false, existing };
  }
}

/** Records the outcome: counts on the item (what the reporting job reads), the capped impact, the report key. */
export async function finishDisruption(
  deps: Deps,
  id: string,
  outcome: { impact: Impact; reportKey: string },
): Promise<DisruptionRecord> {
  const { impact } = outcome;
  const stored = {
    affectedOrders: impact.affectedOrders.slice(0, MAX_STORED_ENTRIES),
    counts: impact.counts,
    truncated: impact.affectedOrders.length > MAX_STORED_ENTRIES,
  };
  const result = await deps.db.send(
    new UpdateCommand({
      TableName: deps.tableName,
      Key: keys.disruption(id),
      UpdateExpression:
        'SET #status = :applied, affectedOrders = :affected, repromised = :repromised, reselected = :reselected, impact = :impact, reportKey = :report, updatedAt = :now',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':applied': 'applied',
        ':affected': impact.counts.affectedOrders,
        ':repromised': impact.counts.repromised,
        ':reselected': impact.counts.reselected,
        ':impact': stored,
        ':report': outcome.reportKey,
        ':now': deps.clock.now().toISOString(),
      },
      ReturnValues: 'ALL_NEW',
    }),
  );
  return recordOf(result.Attributes ?? {});
}

export async function getDisruption(
  deps: Deps,
  id: string,
): Promise<(DisruptionRecord & { requestHash?: string }) | undefined> {
  const result = await deps.db.send(
    new GetCommand({ TableName: deps.tableName, Key: keys.disruption(id), ConsistentRead: true }),
  );
  return result.Item ? recordOf(result.Item) : undefined;
}

/** The gsi1 range of disruptions that started in [from, to]: `gsi1sk` is `<startsAt>#<id>`. */
const startedBetween = (from: string, to: string) => ({ lower: from, upper: `${to}~` });

/**
 * The carrier outages active at `at`: one Query of the keys-only `DISRUPTIONS` partition over the disruptions
 * that started in the `MAX_WINDOW_DAYS` before it (usually none, a fraction of a read unit), and a
 * BatchGetItem only when there are some. select-carrier calls it once per invocation.
 */
export async function activeCarrierOutages(deps: Deps, at: Date): Promise<DisruptionSpec[]> {
  const { lower, upper } = startedBetween(
    new Date(at.getTime() - MAX_WINDOW_MS).toISOString(),
    at.toISOString(),
  );
  const entries = await indexKeys(deps, 'gsi1', gsi1.disruptions, { between: [lower, upper] });
  if (entries.length === 0) return [];
  const now = at.getTime();
  return (await batchGet(deps, entries))
    .map(recordOf)
    .filter(
      (record) =>
        record.kind === 'carrier-outage' &&
        Date.parse(record.startsAt) <= now &&
        now <= Date.parse(record.endsAt),
    );
}

/**
 * The start key a cursor stands for, only when it is one this listing could have returned for this range;
 * anything else is a 400 (DynamoDB would refuse a start key outside the key condition: a 500 for the caller's
 * mistake).
 */
function cursorKey(cursor: string | undefined, lower: string, upper: string) {
  if (cursor === undefined) return undefined;
  const key = decodeCursor(cursor);
  const names = ['pk', 'sk', 'gsi1pk', 'gsi1sk'];
  const id = typeof key?.pk === 'string' ? key.pk.replace(/^DISRUPTION#/, '') : '';
  const valid =
    key !== undefined &&
    Object.keys(key).length === names.length &&
    names.every((name) => typeof key[name] === 'string') &&
    /^[A-Za-z0-9._-]{1,64}$/.test(id) &&
    key.pk === keys.disruption(id).pk &&
    key.sk === keys.disruption(id).sk &&
    key.gsi1pk === gsi1.disruptions &&
    typeof key.gsi1sk === 'string' &&
    key.gsi1sk.endsWith(`#${id}`) &&
    key.gsi1sk >= lower &&
    key.gsi1sk <= upper;
  if (!valid) {
    throw new ValidationError('cursor is not one this listing returned', [
      { field: 'cursor', message: 'not a cursor of this listing' },
    ]);
  }
  return key;
}

/**
 * One page of the disruptions whose window overlaps [from, to], by start time. A window is at most
 * `MAX_WINDOW_DAYS` long, so those are among the ones that started between `from` minus that and `to`: one
 * Query of the keys, one BatchGetItem, then the ones that ended before `from` are left out (a page may hold
 * fewer than `limit`, even none, while `nextCursor` is set).
 */
export async function listDisruptions(
  deps: Deps,
  query: { from: string; to: string; limit: number; cursor?: string },
): Promise<{ items: DisruptionRecord[]; nextCursor?: string }> {
  const { lower, upper } = startedBetween(
    new Date(Date.parse(query.from) - MAX_WINDOW_MS).toISOString(),
    query.to,
  );
  const page = await deps.db.send(
    new QueryCommand({
      TableName: deps.tableName,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk BETWEEN :lower AND :upper',
      ExpressionAttributeValues: { ':pk': gsi1.disruptions, ':lower': lower, ':upper': upper },
      Limit: query.limit,
      ExclusiveStartKey: cursorKey(query.cursor, lower, upper),
    }),
  );
  const items = (await batchGet(deps, (page.Items ?? []) as ItemKey[]))
    .filter((item) => item.gsi1pk === gsi1.disruptions)
    .map(recordOf)
    .filter((record) => record.endsAt >= query.from && record.startsAt <= query.to);
  const nextCursor = encodeCursor(page.LastEvaluatedKey);
  return nextCursor ? { items, nextCursor } : { items };
}

/** An order's shipments (`begins_with(sk, SHIPMENT#)`), for a shipped order a disruption may hold up. */
export async function listShipments(deps: Deps, orderId: string): Promise<ShipmentRecord[]> {
  const shipments: ShipmentRecord[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await deps.db.send(
      new QueryCommand({
        TableName: deps.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :shipment)',
        ExpressionAttributeValues: { ':pk': keys.orderPartition(orderId), ':shipment': 'SHIPMENT#' },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      const { pk: _pk, sk: _sk, entity: _e, entityVersion: _v, timeline: _t, ...shipment } = item;
      shipments.push(shipment as ShipmentRecord);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return shipments;
}
