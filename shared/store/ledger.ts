import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../domain/errors.js';
import { assertBalanced, type JournalEntry } from '../domain/ledger.js';
import type { Deps } from '../runtime/deps.js';
import {
  batchGet,
  decodeCursor,
  encodeCursor,
  indexKeys,
  partitionItems,
  stripKeys,
  writeIfCondition,
} from './db.js';
import { gsi2, keys } from './keys.js';

/**
 * Journal entry ids are fixed by what they post, so a redelivered event finds its entry: the order's sale
 * (or one per capture, named by the capture's event), its full compensation refund, one per refund request,
 * one per approved freight invoice.
 */
export const saleEntryId = (orderId: string) => `je_${orderId.replace(/^ord_/, '')}_sale`;
export const refundEntryId = (orderId: string, refundId?: string) =>
  `je_${orderId.replace(/^ord_/, '')}_refund${refundId ? `_${refundId}` : ''}`;
export const freightEntryId = (invoiceId: string) =>
  `je_freight_${invoiceId.replace(/[^A-Za-z0-9._-]/g, '-')}`;

/**
 * Appends a journal entry to the order's partition and to its posting day in the ledger index. The put is
 * conditional on the entry's id, so the entry is its own idempotency record: posting it again is a no-op
 * that answers 'duplicate'. Entries are never updated (append-only).
 */
export async function postJournalEntry(
  deps: Deps,
  /** The order's partition; undefined for an entry of no single order (its own partition). */
  orderId: string | undefined,
  entry: JournalEntry,
): Promise<'posted' | 'duplicate'> {
  // The last gate: whatever posting rule built it, an entry that does not balance is never written.
  assertBalanced(entry);
  const posted = await writeIfCondition(
    deps,
    new PutCommand({
      TableName: deps.tableName,
      Item: {
        ...(orderId ? keys.journal(orderId, entry.id) : keys.ledgerEntry(entry.id)),
        gsi2pk: gsi2.ledgerDay(entry.postedAt.slice(0, 10)),
        gsi2sk: `${entry.postedAt}#${entry.id}`,
        entity: 'JournalEntry',
        entityVersion: 1,
        ...entry,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  return posted ? 'posted' : 'duplicate';
}

export async function getJournalEntry(
  deps: Deps,
  orderId: string,
  entryId: string,
): Promise<JournalEntry | undefined> {
  const result = await deps.db.send(
    new GetCommand({ TableName: deps.tableName, Key: keys.journal(orderId, entryId), ConsistentRead: true }),
  );
  if (!result.Item) return undefined;
  return entryOf(result.Item);
}

export const entryOf = (item: Record<string, unknown>): JournalEntry => stripKeys<JournalEntry>(item);

/** Every entry of one order, oldest first (the order's partition, strongly consistent). */
export async function orderJournal(deps: Deps, orderId: string): Promise<JournalEntry[]> {
  const items = await partitionItems(deps, keys.orderPartition(orderId), { skPrefix: 'JOURNAL#' });
  return items.map(entryOf).sort((a, b) => a.postedAt.localeCompare(b.postedAt) || a.id.localeCompare(b.id));
}

/** A period of postings: `from` inclusive, `to` exclusive, both ISO instants. */
export interface Period {
  from: string;
  to: string;
}

const DAY_MS = 86_400_000;

/** The UTC days a period touches, oldest first. */
export function daysOf(period: Period): string[] {
  const days: string[] = [];
  const last = new Date(Date.parse(period.to) - 1).toISOString().slice(0, 10);
  for (let at = Date.parse(period.from.slice(0, 10)); ; at += DAY_MS) {
    const day = new Date(at).toISOString().slice(0, 10);
    if (day > last) break;
    days.push(day);
  }
  return days;
}

/**
 * Every entry posted in the period, in posting order: the ledger index (keys only, one partition per day)
 * read day by day, several days at a time, then the entries themselves.
 */
export async function entriesBetween(deps: Deps, period: Period): Promise<JournalEntry[]> {
  const days = daysOf(period);
  const keysByDay: { pk: string; sk: string }[][] = [];
  const PARALLEL = 16;
  for (let start = 0; start < days.length; start += PARALLEL) {
    const batch = days.slice(start, start + PARALLEL);
    keysByDay.push(
      ...(await Promise.all(
        batch.map((day) =>
          indexKeys(deps, 'gsi2', gsi2.ledgerDay(day), { between: [period.from, period.to] }),
        ),
      )),
    );
  }
  return (await batchGet(deps, keysByDay.flat())).map(entryOf);
}

/**
 * One page of the period's entries in posting order. The cursor names the day and the last index key
 * returned, so a page may cross days and the next one resumes exactly there.
 */
export async function pageOfEntries(
  deps: Deps,
  period: Period,
  options: { limit: number; cursor?: string },
): Promise<{ items: JournalEntry[]; nextCursor?: string }> {
  const days = daysOf(period);
  const position = cursorOf(options.cursor, days);
  const found: { pk: string; sk: string }[] = [];
  let next: { day: string; after: Record<string, unknown> } | undefined;
  for (let index = position ? days.indexOf(position.day) : 0; index < days.length; index += 1) {
    const day = days[index] ?? '';
    let startKey = position && position.day === day ? position.after : undefined;
    while (found.length < options.limit) {
      const page = await deps.db.send(
        new QueryCommand({
          TableName: deps.tableName,
          IndexName: 'gsi2',
          KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk BETWEEN :lower AND :upper',
          ExpressionAttributeValues: {
            ':pk': gsi2.ledgerDay(day),
            ':lower': period.from,
            ':upper': period.to,
          },
          Limit: options.limit - found.length,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) found.push({ pk: String(item.pk), sk: String(item.sk) });
      startKey = page.LastEvaluatedKey;
      if (!startKey) break;
    }
    if (found.length >= options.limit) {
      if (startKey) next = { day, after: startKey };
      else if (index + 1 < days.length) next = { day: days[index + 1] ?? day, after: {} };
      break;
    }
  }
  const items = (await batchGet(deps, found)).map(entryOf);
  const nextCursor = next ? encodeCursor({ day: next.day, after: next.after }) : undefined;
  return nextCursor ? { items, nextCursor } : { items };
}

function cursorOf(
  cursor: string | undefined,
  days: readonly string[],
): { day: string; after: Record<string, unknown> | undefined } | undefined {
  if (!cursor) return undefined;
  const value = decodeCursor(cursor);
  const day = value?.day;
  const after = value?.after;
  if (typeof day !== 'string' || !days.includes(day) || !after || typeof after !== 'object') {
    throw new ValidationError('cursor is not one this listing returned', [
      { field: 'cursor', message: 'not a cursor of this listing' },
    ]);
  }
  const key = after as Record<string, unknown>;
  if (Object.keys(key).length === 0) return { day, after: undefined };
  const names = ['pk', 'sk', 'gsi2pk', 'gsi2sk'];
  const valid =
    Object.keys(key).length === names.length &&
    names.every((name) => typeof key[name] === 'string' && key[name] !== '') &&
    key.gsi2pk === gsi2.ledgerDay(day);
  if (!valid) {
    throw new ValidationError('cursor is not one this listing returned', [
      { field: 'cursor', message: 'not a cursor of this listing' },
    ]);
  }
  return { day, after: key };
}
