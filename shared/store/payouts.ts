import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { AchBatchSummary, AchTraced } from '../domain/nacha.js';
import type { Payout, PayoutStatus } from '../domain/payouts.js';
import type { Deps } from '../runtime/deps.js';
import { batchGet, isConditionFailure, stripKeys, type TransactItem } from './db.js';
import { gsi2, keys } from './keys.js';

/** Payouts and the NACHA files that pay them (docs/ach.md, docs/data-model.md). */

/** Stores a new payout, pending; `created: false` with the stored one when the id exists. */
export async function putPayout(
  deps: Deps,
  payout: Payout & { requestHash: string },
): Promise<{ created: true } | { created: false; existing: Payout & { requestHash?: string } }> {
  try {
    await deps.db.send(
      new PutCommand({
        TableName: deps.tableName,
        Item: {
          ...keys.payout(payout.id),
          gsi2pk: gsi2.payoutStatus(payout.status),
          gsi2sk: `${payout.createdAt}#${payout.id}`,
          entity: 'Payout',
          entityVersion: 1,
          ...payout,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return { created: true };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const existing = await getPayout(deps, payout.id);
    if (!existing) throw error;
    return { created: false, existing };
  }
}

export async function getPayout(
  deps: Deps,
  payoutId: string,
): Promise<(Payout & { requestHash?: string }) | undefined> {
  const result = await deps.db.send(
    new GetCommand({ TableName: deps.tableName, Key: keys.payout(payoutId), ConsistentRead: true }),
  );
  return result.Item ? stripKeys<Payout & { requestHash?: string }>(result.Item) : undefined;
}

/** Payouts in a status, oldest first (the index is eventually consistent: the file's transaction re-checks). */
export async function payoutsInStatus(deps: Deps, status: PayoutStatus, limit: number): Promise<Payout[]> {
  const page = await deps.db.send(
    new QueryCommand({
      TableName: deps.tableName,
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': gsi2.payoutStatus(status) },
      Limit: limit,
    }),
  );
  const found = (page.Items ?? []).map((item) => ({ pk: String(item.pk), sk: String(item.sk) }));
  const items = await batchGet(deps, found, { consistent: true });
  return items.map((item) => stripKeys<Payout>(item)).filter((payout) => payout.status === status);
}

/**
 * Pending payouts due by `effectiveDate` (no date of their own, or one not after it), oldest first, up to
 * `max`: pages through the pending index so payouts waiting for a later date do not crowd out due ones.
 */
export async function pendingPayoutsDue(deps: Deps, effectiveDate: string, max: number): Promise<Payout[]> {
  const due: Payout[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await deps.db.send(
      new QueryCommand({
        TableName: deps.tableName,
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :pk',
        ExpressionAttributeValues: { ':pk': gsi2.payoutStatus('pending') },
        Limit: 100,
        ExclusiveStartKey: startKey,
      }),
    );
    const found = (page.Items ?? []).map((item) => ({ pk: String(item.pk), sk: String(item.sk) }));
    for (const item of await batchGet(deps, found, { consistent: true })) {
      const payout = stripKeys<Payout>(item);
      if (payout.status !== 'pending') continue;
      if (payout.effectiveDate && payout.effectiveDate > effectiveDate) continue;
      due.push(payout);
      if (due.length >= max) return due;
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return due;
}

export interface AchFileRecord {
  id: string;
  effectiveDate: string;
  companyId: string;
  createdAt: string;
  fileIdModifier: string;
  key: string;
  payoutIds: string[];
  traces: AchTraced[];
  batches: AchBatchSummary[];
  records: number;
  blockCount: number;
  entryAddendaCount: number;
  entryHash: string;
  totalDebit: number;
  totalCredit: number;
  /** The file itself: a retry puts the same bytes again. At most ~100 payouts, well under 400 KB. */
  text: string;
}

export async function getAchFile(deps: Deps, fileId: string): Promise<AchFileRecord | undefined> {
  const result = await deps.db.send(
    new GetCommand({ TableName: deps.tableName, Key: keys.achFile(fileId), ConsistentRead: true }),
  );
  return result.Item ? stripKeys<AchFileRecord>(result.Item) : undefined;
}

/** Files created so far on a UTC day (the next File ID Modifier's index). */
export async function achFilesOnDay(deps: Deps, day: string): Promise<number> {
  const result = await deps.db.send(
    new GetCommand({ TableName: deps.tableName, Key: keys.achFileDay(day), ConsistentRead: true }),
  );
  return typeof result.Item?.count === 'number' ? result.Item.count : 0;
}

/**
 * One transaction: the file, the day's counter (the modifier is taken once), and every payout moved from
 * pending to included with its file and trace number. A payout another file took meanwhile fails the
 * condition and nothing is written: a payout is in at most one file. False on such a race.
 */
export async function commitAchFile(deps: Deps, file: AchFileRecord, filesBefore: number): Promise<boolean> {
  const day = file.createdAt.slice(0, 10);
  const traceOf = new Map(file.traces.map((trace) => [trace.payoutId, trace.traceNumber]));
  const items: TransactItem[] = [
    {
      Put: {
        TableName: deps.tableName,
        Item: { ...keys.achFile(file.id), entity: 'AchFile', entityVersion: 1, ...file },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    {
      Update: {
        TableName: deps.tableName,
        Key: keys.achFileDay(day),
        UpdateExpression: 'SET #count = :next',
        ConditionExpression: filesBefore === 0 ? 'attribute_not_exists(#count)' : '#count = :current',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: {
          ':next': filesBefore + 1,
          ...(filesBefore === 0 ? {} : { ':current': filesBefore }),
        },
      },
    },
    ...file.payoutIds.map(
      (payoutId): TransactItem => ({
        Update: {
          TableName: deps.tableName,
          Key: keys.payout(payoutId),
          UpdateExpression:
            'SET #status = :included, achFileId = :file, traceNumber = :trace, gsi2pk = :index',
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':included': 'included',
            ':pending': 'pending',
            ':file': file.id,
            ':trace': traceOf.get(payoutId) ?? '',
            ':index': gsi2.payoutStatus('included'),
          },
        },
      }),
    ),
  ];
  try {
    await deps.db.send(new TransactWriteCommand({ TransactItems: items }));
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}
