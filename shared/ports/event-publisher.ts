import type { DomainEvent } from '../events/envelope.js';

/** Puts domain events on the OMS bus (EventBridge on AWS, the in-process bus locally). */
export interface EventPublisher {
  publish(events: readonly DomainEvent[]): Promise<void>;
}
