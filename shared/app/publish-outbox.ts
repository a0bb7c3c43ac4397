import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import type { DomainEvent } from '../events/envelope.js';
import type { Deps } from '../runtime/deps.js';
import { isOutboxKey } from '../store/outbox.js';

/**
 * Publishes the events of one outbox row from the table's stream. Rows are only ever inserted (they expire
 * by TTL), so anything else in the stream is not ours. A failure is thrown so the stream retries the record;
 * a row published twice is harmless because every consumer deduplicates on the idempotency key.
 */
export async function publishOutboxRecord(deps: Deps, record: DynamoDBRecord): Promise<number> {
  if (record.eventName !== 'INSERT') return 0;
  const image = record.dynamodb?.NewImage;
  if (!image || !isOutboxKey(image.pk?.S)) return 0;
  const row = unmarshall(image as Record<string, AttributeValue>) as { events?: DomainEvent[] };
  const events = row.events ?? [];
  await deps.events.publish(events);
  return events.length;
}
