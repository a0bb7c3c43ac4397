import type { DomainEvent } from '../events/envelope.js';
import type { Deps } from '../runtime/deps.js';
import type { TransactItem } from './db.js';

/** Outbox rows only need to outlive the stream's 24-hour retention. */
const OUTBOX_TTL_SECONDS = 2 * 24 * 3600;

/**
 * The transactional outbox: a step's events are written in the same transaction as its state change, and
 * the table's stream publishes them (functions/events/publish-outbox; locally local/stream-reader.ts). A
 * state change is never without its events, and an event never announces a change that did not happen.
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
          entityVersion: 1,
          events,
          createdAt: now.toISOString(),
          expiresAt: Math.floor(now.getTime() / 1000) + OUTBOX_TTL_SECONDS,
        },
      },
    },
  ];
}

export const isOutboxKey = (pk: unknown): boolean => typeof pk === 'string' && pk.startsWith('OUTBOX#');
