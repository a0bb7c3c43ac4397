import type { BusEnvelope } from '../../shared/app/consumers.js';
import type { DomainEvent } from '../../shared/events/envelope.js';

/** The envelope EventBridge delivers to a queue for a published domain event. */
export const busEnvelope = (
  event: DomainEvent,
  id: string,
  time = new Date().toISOString(),
): BusEnvelope => ({
  id,
  source: event.source,
  'detail-type': event.detailType,
  time,
  detail: event.detail as BusEnvelope['detail'],
});

/** The first event of `type` the stream announced for `orderId`. */
export function eventOf(events: readonly DomainEvent[], type: string, orderId: string): DomainEvent {
  const found = events.find(
    (event) => event.detailType === type && (event.detail.data as { orderId?: string }).orderId === orderId,
  );
  if (!found) throw new Error(`no ${type} for order ${orderId} in the outbox`);
  return found;
}
