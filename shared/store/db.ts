import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type PutCommand,
  QueryCommand,
  type TransactWriteCommandInput,
  type UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { type IndexName, tableDefinition } from '../config/table.js';
import { ValidationError } from '../domain/errors.js';
import type { Deps } from '../runtime/deps.js';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** True when a write failed only because one of its conditions did not hold (not a throttle or an outage). */
export function isConditionFailure(error: unknown): boolean {
  if (error instanceof ConditionalCheckFailedException) return true;
  if (error instanceof TransactionCanceledException) {
    const reasons = error.CancellationReasons ?? [];
    return (
      reasons.some((reason) => reason.Code === 'ConditionalCheckFailed') &&
      reasons.every(
        (reason) => !reason.Code || reason.Code === 'None' || reason.Code === 'ConditionalCheckFailed',
      )
    );
  }
  return false;
}

/** Indexes of the transaction items whose condition failed. */
/**
 * Sends one conditional single-item write. False when its condition failed: the change already happened (a
 * redelivery) or another writer won; any other error is thrown.
 */
export async function writeIfCondition(
  deps: Pick<Deps, 'db'>,
  command: PutCommand | UpdateCommand,
): Promise<boolean> {
  try {
    await deps.db.send(command as UpdateCommand);
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

export function failedConditionIndexes(error: unknown): number[] {
  if (!(error instanceof TransactionCanceledException)) return [];
  return (error.CancellationReasons ?? []).flatMap((reason, index) =>
    reason.Code === 'ConditionalCheckFailed' ? [index] : [],
  );
}

export const encodeCursor = (key: Record<string, unknown> | undefined): string | undefined =>
  key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;

export function decodeCursor(cursor: string | undefined): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The primary key of an item of the single table. */
export interface ItemKey {
  pk: string;
  sk: string;
}

/** DynamoDB's limit on keys per BatchGetItem call. */
export const BATCH_GET_LIMIT = 100;
/** Rounds of UnprocessedKeys retried before a read is given up as throttled. */
const BATCH_GET_ATTEMPTS = 8;

const keyString = (key: { pk?: unknown; sk?: unknown }): string => `${String(key.pk)}\u0000${String(key.sk)}`;

/**
 * The items at `keys`, in the order of the keys, without the ones that do not exist (a key seen twice is
 * read and returned once). This is the second half of every index read: the indexes project keys only.
 * Keys DynamoDB leaves unprocessed (throttling, the 16 MB response cap) are asked for again after a short,
 * growing, jittered pause; a read still incomplete after that throws rather than return a silent gap.
 * Eventually consistent unless `consistent` is set, which costs twice the read units.
 */
export async function batchGet(
  deps: Pick<Deps, 'db' | 'tableName'>,
  keys: readonly ItemKey[],
  options: { consistent?: boolean } = {},
): Promise<Record<string, unknown>[]> {
  const unique = [...new Map(keys.map((key) => [keyString(key), key] as const)).values()];
  const found = new Map<string, Record<string, unknown>>();
  for (let start = 0; start < unique.length; start += BATCH_GET_LIMIT) {
    let pending: Record<string, unknown>[] = unique
      .slice(start, start + BATCH_GET_LIMIT)
      .map(({ pk, sk }) => ({ pk, sk }));
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (attempt >= BATCH_GET_ATTEMPTS) {
        throw new Error(`BatchGetItem left ${pending.length} key(s) unprocessed after ${attempt} attempts`);
      }
      if (attempt > 0) {
        const pause = Math.min(1000, 20 * 2 ** attempt);
        await new Promise((done) => setTimeout(done, pause / 2 + Math.random() * (pause / 2)));
      }
      const page = await deps.db.send(
        new BatchGetCommand({
          RequestItems: {
            [deps.tableName]: { Keys: pending, ...(options.consistent ? { ConsistentRead: true } : {}) },
          },
        }),
      );
      for (const item of page.Responses?.[deps.tableName] ?? []) found.set(keyString(item), item);
      pending = page.UnprocessedKeys?.[deps.tableName]?.Keys ?? [];
    }
  }
  return unique.flatMap((key) => {
    const item = found.get(keyString(key));
    return item ? [item] : [];
  });
}

/** An index's key attributes as shared/config/table.ts declares them (gsi3 and gsi4 sort by gsi1sk). */
function indexKeyNames(index: IndexName): { partitionKey: string; sortKey: string } {
  const definition = tableDefinition.globalSecondaryIndexes.find((gsi) => gsi.indexName === index);
  if (!definition) throw new Error(`no index ${index} in the table definition`);
  return definition;
}

/**
 * The start key a cursor of an index listing stands for. Only a key this listing returned is used: any other
 * (a crafted or stale cursor, one from another filter) would make DynamoDB fail the query, a 500 for what is
 * the caller's mistake, so it is a 400.
 */
export function indexStartKey(
  cursor: string | undefined,
  index: IndexName,
  partition: string,
): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  const key = decodeCursor(cursor);
  const { partitionKey, sortKey } = indexKeyNames(index);
  const names = ['pk', 'sk', partitionKey, sortKey];
  const valid =
    key !== undefined &&
    Object.keys(key).length === names.length &&
    names.every((name) => typeof key[name] === 'string' && key[name] !== '') &&
    key[partitionKey] === partition;
  if (!valid) {
    throw new ValidationError('cursor is not one this listing returned', [
      { field: 'cursor', message: 'not a cursor of this listing' },
    ]);
  }
  return key;
}

/**
 * The item keys in one partition of a keys-only index, every page, in index order (optionally only sort keys
 * between `between[0]` and `between[1]`). Readers then fetch the items with `batchGet`.
 */
export async function indexKeys(
  deps: Pick<Deps, 'db' | 'tableName'>,
  index: IndexName,
  partition: string,
  options: { between?: readonly [string, string] } = {},
): Promise<ItemKey[]> {
  const found: ItemKey[] = [];
  const { partitionKey, sortKey } = indexKeyNames(index);
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await deps.db.send(
      new QueryCommand({
        TableName: deps.tableName,
        IndexName: index,
        KeyConditionExpression: options.between
          ? `${partitionKey} = :pk AND ${sortKey} BETWEEN :lower AND :upper`
          : `${partitionKey} = :pk`,
        ExpressionAttributeValues: {
          ':pk': partition,
          ...(options.between ? { ':lower': options.between[0], ':upper': options.between[1] } : {}),
        },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) found.push({ pk: String(item.pk), sk: String(item.sk) });
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return found;
}

/**
 * Every item of one table partition, every page, in sort-key order (optionally only sort keys starting with
 * `skPrefix`), strongly consistent: what a writer just stored is read back.
 */
export async function partitionItems(
  deps: Pick<Deps, 'db' | 'tableName'>,
  partition: string,
  options: { skPrefix?: string } = {},
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await deps.db.send(
      new QueryCommand({
        TableName: deps.tableName,
        KeyConditionExpression: options.skPrefix ? 'pk = :pk AND begins_with(sk, :prefix)' : 'pk = :pk',
        ExpressionAttributeValues: {
          ':pk': partition,
          ...(options.skPrefix ? { ':prefix': options.skPrefix } : {}),
        },
        ExclusiveStartKey: startKey,
        ConsistentRead: true,
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/**
 * An item as its record: without the storage attributes every entity may carry (table and index keys, entity
 * tag and version, the packed outbox, and the timeline lines, which getOrderAggregate merges on its own).
 */
export function stripKeys<T>(item: Record<string, unknown>): T {
  const {
    pk: _pk,
    sk: _sk,
    gsi1pk: _g1,
    gsi1sk: _g1s,
    gsi2pk: _g2,
    gsi2sk: _g2s,
    gsi3pk: _g3,
    gsi4pk: _g4,
    entity: _e,
    entityVersion: _v,
    outbox: _o,
    outboxId: _oi,
    timeline: _t,
    ...rest
  } = item;
  return rest as T;
}

/**
 * A short random pause before a writer that lost a race tries again, longer with each attempt, so that
 * writers contending for one item spread out instead of colliding again.
 */
export const pause = (attempt: number) =>
  new Promise((done) => setTimeout(done, 5 + Math.random() * 20 * (attempt + 1)));
