import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import type { Deps } from '../runtime/deps.js';
import { announcedEvents } from '../store/outbox.js';

type Image = Record<string, AttributeValue> | undefined;
const plain = (image: Image) => (image ? unmarshall(image) : undefined);

/**
 * Publishes the events one stream record announces: a write that gave its item a new `outboxId` (see
 * shared/store/outbox.ts). Anything else in the stream is not ours. A failure is thrown so the stream
 * retries the record; events published twice are harmless because every consumer deduplicates on the
 * idempotency key.
 */
export async function publishOutboxRecord(deps: Deps, record: DynamoDBRecord): Promise<number> {
  if (record.eventName === 'REMOVE') return 0;
  const events = announcedEvents(
    plain(record.dynamodb?.NewImage as Image),
    plain(record.dynamodb?.OldImage as Image),
  );
  if (events.length > 0) await deps.events.publish(events);
  return events.length;
}
