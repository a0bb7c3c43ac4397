import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { TransientError } from '../../domain/errors.js';
import type { DomainEvent } from '../../events/envelope.js';
import type { EventPublisher } from '../../ports/event-publisher.js';

/** PutEvents in batches of ten (the API limit); a partially failed batch is an error the caller retries. */
export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async publish(events: readonly DomainEvent[]): Promise<void> {
    for (let start = 0; start < events.length; start += 10) {
      const batch = events.slice(start, start + 10);
      const result = await this.client.send(
        new PutEventsCommand({
          Entries: batch.map((event) => ({
            EventBusName: this.busName,
            Source: event.source,
            DetailType: event.detailType,
            Detail: JSON.stringify(event.detail),
          })),
        }),
      );
      if ((result.FailedEntryCount ?? 0) > 0) {
        const first = result.Entries?.find((entry) => entry.ErrorCode);
        throw new TransientError(
          `EventBridge refused ${result.FailedEntryCount} event(s): ${first?.ErrorCode ?? ''}`,
        );
      }
    }
  }
}
