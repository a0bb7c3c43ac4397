import { brotliCompressSync, brotliDecompressSync } from 'node:zlib';
import type { DomainEvent } from '../events/envelope.js';
import type { Deps } from '../runtime/deps.js';
import type { TransactItem } from './db.js';
import type { TimelineEntry } from './orders.js';

/** Outbox rows only need to outlive the stream's 24-hour retention. */
const OUTBOX_TTL_SECONDS = 2 * 24 * 3600;

/**
 * What a write records besides its state: the events it announces and the lines it adds to the order's
 * timeline. Both ride on the item the write changes anyway (docs/decisions/0006-cost-per-order.md).
 */
export interface Change {
  events?: readonly DomainEvent[];
  timeline?: readonly TimelineEntry[];
}

/**
 * A write's events as stored: JSON, Brotli-compressed into one binary attribute. Events repeat their
 * envelope keys and ids, so three events of about 1.2 KB take under 400 bytes, and the item that carries
 * them stays inside the kilobyte it would otherwise spill over (every write of it is billed per KB).
 */
export function packEvents(events: readonly DomainEvent[]): Uint8Array {
  return new Uint8Array(brotliCompressSync(Buffer.from(JSON.stringify(events))));
}

/**
 * The events of a stored outbox: packed (binary, or base64 as a Lambda stream record carries it) or, in rows
 * written before packing, a plain list.
 */
export function unpackEvents(value: unknown): DomainEvent[] {
  if (Array.isArray(value)) return value as DomainEvent[];
  const bytes =
    typeof value === 'string'
      ? Buffer.from(value, 'base64')
      : value instanceof Uint8Array
        ? value
        : undefined;
  if (!bytes) return [];
  return JSON.parse(brotliDecompressSync(bytes).toString('utf8')) as DomainEvent[];
}

/**
 * The transactional outbox, carried by the item that changes: a write stores its events in the item's
 * `outbox` attribute under a fresh `outboxId`, and the table's stream publishes them
 * (functions/events/publish-outbox; locally local/stream-reader.ts) whenever a record's new image has an
 * `outboxId` its old image did not. A state change is never without its events, an event never announces a
 * change that did not happen, and no extra item is written for either.
 */
export function outboxAttributes(
  deps: Deps,
  events: readonly DomainEvent[],
): { outbox: Uint8Array; outboxId: string } | Record<string, never> {
  return events.length === 0 ? {} : { outbox: packEvents(events), outboxId: deps.ids.next('ob') };
}

/** The attributes of a new item that records `change`: its events and its first timeline lines. */
export function changeAttributes(deps: Deps, change: Change): Record<string, unknown> {
  return {
    ...outboxAttributes(deps, change.events ?? []),
    ...(change.timeline && change.timeline.length > 0 ? { timeline: [...change.timeline] } : {}),
  };
}

interface UpdateShape {
  UpdateExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

/**
 * Adds `change` to an update of an existing item: its events replace the item's previous outbox (a write
 * without events removes it, so published events never weigh on later writes) and its timeline lines are
 * appended. The update must use a `SET` clause.
 */
export function withChange<T extends UpdateShape>(deps: Deps, update: T, change: Change): T {
  const expression = update.UpdateExpression ?? '';
  if (!expression.startsWith('SET ')) throw new Error('withChange needs an update that starts with SET');
  const sets: string[] = [];
  const values: Record<string, unknown> = { ...update.ExpressionAttributeValues };
  const events = change.events ?? [];
  let remove = '';
  if (events.length > 0) {
    sets.push('outbox = :_outbox', 'outboxId = :_outboxId');
    values[':_outbox'] = packEvents(events);
    values[':_outboxId'] = deps.ids.next('ob');
  } else {
    remove = ' REMOVE outbox, outboxId';
  }
  if (change.timeline && change.timeline.length > 0) {
    sets.push('timeline = list_append(if_not_exists(timeline, :_none), :_timeline)');
    values[':_none'] = [];
    values[':_timeline'] = [...change.timeline];
  }
  const [setClause, ...rest] = expression.split(/ (?=REMOVE |ADD |DELETE )/);
  // An expression may name each clause once: the outbox's removal joins a REMOVE the update already has.
  const merged = remove
    ? rest.map((clause) => (clause.startsWith('REMOVE ') ? `${clause}, outbox, outboxId` : clause))
    : rest;
  if (merged.some((clause, index) => clause !== rest[index])) remove = '';
  const others = merged.join(' ');
  return {
    ...update,
    UpdateExpression: `${[setClause, ...sets].join(', ')}${others ? ` ${others}` : ''}${remove}`,
    ExpressionAttributeValues: values,
  };
}

/**
 * A standalone outbox row, for changes that have no item of their own to carry their events (stock
 * adjustments written as several items, for example). Published like any item with a new `outboxId`.
 */
export function outboxItem(deps: Deps, events: readonly DomainEvent[]): TransactItem[] {
  if (events.length === 0) return [];
  const now = deps.clock.now();
  const id = deps.ids.next('ob');
  return [
    {
      Put: {
        TableName: deps.tableName,
        Item: {
          pk: `OUTBOX#${id}`,
          sk: 'OUTBOX',
          entity: 'Outbox',
          entityVersion: 2,
          outbox: packEvents(events),
          outboxId: id,
          createdAt: now.toISOString(),
          expiresAt: Math.floor(now.getTime() / 1000) + OUTBOX_TTL_SECONDS,
        },
      },
    },
  ];
}

/** The events a stream record announces: those of its new image when the write gave it a new outbox. */
export function announcedEvents(
  newImage: Record<string, unknown> | undefined,
  oldImage: Record<string, unknown> | undefined,
): DomainEvent[] {
  const id = newImage?.outboxId;
  if (typeof id !== 'string' || id === oldImage?.outboxId) return [];
  // Rows written before the outbox moved onto items kept their events under `events`.
  return unpackEvents(newImage?.outbox ?? newImage?.events);
}
