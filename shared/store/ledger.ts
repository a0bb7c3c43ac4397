import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { JournalEntry } from '../domain/ledger.js';
import type { Deps } from '../runtime/deps.js';
import { writeIfCondition } from './db.js';
import { gsi2, keys } from './keys.js';

/** Journal entry ids are fixed by what they post: one sale and at most one full refund per order. */
export const saleEntryId = (orderId: string) => `je_${orderId.replace(/^ord_/, '')}_sale`;
export const refundEntryId = (orderId: string) => `je_${orderId.replace(/^ord_/, '')}_refund`;

/**
 * Appends a journal entry to the order's partition and to its posting day in the ledger index. The put is
 * conditional on the entry's id, so the entry is its own idempotency record: posting it again is a no-op
 * that answers 'duplicate'. Entries are never updated (append-only).
 */
export async function postJournalEntry(
  deps: Deps,
  orderId: string,
  entry: JournalEntry,
): Promise<'posted' | 'duplicate'> {
  const posted = await writeIfCondition(
    deps,
    new PutCommand({
      TableName: deps.tableName,
      Item: {
        ...keys.journal(orderId, entry.id),
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
  const { pk: _pk, sk: _sk, gsi2pk: _g, gsi2sk: _gs, entity: _e, entityVersion: _v, ...entry } = result.Item;
  return entry as JournalEntry;
}
