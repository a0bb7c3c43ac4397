import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBridgePublisher } from '../../../shared/adapters/aws/event-bridge-publisher.js';
import { TransientError } from '../../../shared/domain/errors.js';
import type { DomainEvent } from '../../../shared/events/envelope.js';

const BUS = 'oms-bus-test';
const eventBridge = mockClient(EventBridgeClient);

const event = (index: number): DomainEvent<{ orderId: string }> => ({
  source: index % 2 === 0 ? 'oms.orders' : 'oms.fulfilment',
  detailType: index % 2 === 0 ? 'OrderPlaced' : 'OrderAllocated',
  detail: {
    metadata: {
      version: 1,
      correlationId: `corr-${index}`,
      idempotencyKey: `key-${index}`,
      occurredAt: '2025-03-10T12:00:00.000Z',
    },
    data: { orderId: `o-${index}` },
  },
});

const publisher = () => new EventBridgePublisher(new EventBridgeClient({ region: 'us-east-1' }), BUS);

beforeEach(() => {
  eventBridge.reset();
});

afterEach(() => {
  eventBridge.reset();
});

describe('Given 25 domain events', () => {
  const events = Array.from({ length: 25 }, (_, index) => event(index));

  describe('When they are published', () => {
    it('sends three PutEvents calls of 10, 10 and 5 entries, in order', async () => {
      eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
      await publisher().publish(events);
      const calls = eventBridge.commandCalls(PutEventsCommand);
      expect(calls.map((call) => call.args[0].input.Entries?.length)).toEqual([10, 10, 5]);
      const sent = calls.flatMap((call) => call.args[0].input.Entries ?? []);
      expect(sent.map((entry) => JSON.parse(entry.Detail ?? '{}').data.orderId)).toEqual(
        events.map((item) => item.detail.data.orderId),
      );
    });

    it('maps source, detail-type and detail onto the bus entry', async () => {
      eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
      await publisher().publish(events);
      const [first] = eventBridge.commandCalls(PutEventsCommand);
      expect(first?.args[0].input.Entries?.slice(0, 2)).toEqual([
        {
          EventBusName: BUS,
          Source: 'oms.orders',
          DetailType: 'OrderPlaced',
          Detail: JSON.stringify({
            metadata: {
              version: 1,
              correlationId: 'corr-0',
              idempotencyKey: 'key-0',
              occurredAt: '2025-03-10T12:00:00.000Z',
            },
            data: { orderId: 'o-0' },
          }),
        },
        {
          EventBusName: BUS,
          Source: 'oms.fulfilment',
          DetailType: 'OrderAllocated',
          Detail: JSON.stringify(event(1).detail),
        },
      ]);
    });
  });
});

describe('Given no events', () => {
  describe('When they are published', () => {
    it('does not call EventBridge', async () => {
      eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0 });
      await publisher().publish([]);
      expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
    });
  });
});

describe('Given EventBridge refuses part of a batch', () => {
  describe('When events are published', () => {
    it('throws a TransientError naming the count and the first error code, and stops sending', async () => {
      eventBridge
        .on(PutEventsCommand)
        .resolvesOnce({
          FailedEntryCount: 2,
          Entries: [
            { EventId: 'e-1' },
            { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' },
            { ErrorCode: 'InternalFailure' },
          ],
        })
        .resolves({ FailedEntryCount: 0 });
      const publishing = publisher().publish(Array.from({ length: 15 }, (_, index) => event(index)));
      await expect(publishing).rejects.toThrow(TransientError);
      await expect(publishing).rejects.toThrow('EventBridge refused 2 event(s): ThrottlingException');
      expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(1);
    });
  });

  describe('When the SDK call itself fails', () => {
    it('propagates the error', async () => {
      eventBridge.on(PutEventsCommand).rejects(new Error('socket hang up'));
      await expect(publisher().publish([event(0)])).rejects.toThrow('socket hang up');
    });
  });
});
