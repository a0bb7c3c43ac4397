import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventTooLargeError, LocalEventBus } from '../../../local/event-bus.js';
import { LocalQueue } from '../../../local/queue.js';
import { type EventRuleSpec, eventRules } from '../../../shared/config/event-rules.js';
import type { DomainEvent } from '../../../shared/events/envelope.js';

const metadata = {
  version: 1,
  correlationId: 'corr-1',
  idempotencyKey: 'idem-1',
  occurredAt: '2026-01-01T00:00:00.000Z',
};

const domainEvent = (source: string, detailType: string, data: unknown = {}): DomainEvent => ({
  source,
  detailType,
  detail: { metadata, data },
});

/** Queues without consumers: they only hold what the bus routes, which is what these tests inspect. */
function targets() {
  return {
    marketing: new LocalQueue({ name: 'marketing' }),
    accounting: new LocalQueue({ name: 'accounting' }),
    backorders: new LocalQueue({ name: 'backorders' }),
    webhooks: new LocalQueue({ name: 'webhooks' }),
    notifications: new LocalQueue({ name: 'notifications' }),
  };
}

const bodies = (queue: LocalQueue) =>
  queue.messages().map((m) => JSON.parse(m.body) as Record<string, unknown>);

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'oms-bus-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Given the local bus with the rules the stack deploys', () => {
  describe('When an order lifecycle event is published', () => {
    it('delivers the full EventBridge envelope to the marketing queue only', async () => {
      const queues = targets();
      const bus = new LocalEventBus({
        busName: 'oms',
        rules: eventRules,
        targets: queues,
        now: () => new Date('2026-01-01T00:00:00.123Z'),
      });
      await bus.publish([domainEvent('oms.orders', 'OrderPlaced', { orderId: 'ord_1' })]);

      expect(queues.accounting.depth).toBe(0);
      const [envelope] = bodies(queues.marketing);
      expect(envelope).toEqual({
        version: '0',
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        'detail-type': 'OrderPlaced',
        source: 'oms.orders',
        account: '000000000000',
        time: '2026-01-01T00:00:00Z',
        region: 'local',
        resources: [],
        detail: { metadata, data: { orderId: 'ord_1' } },
      });
      expect(bus.publishedCount).toBe(1);
    });
  });

  describe('When a billing event is published', () => {
    it('delivers it to the accounting queue only', async () => {
      const queues = targets();
      const bus = new LocalEventBus({ busName: 'oms', rules: eventRules, targets: queues });
      await bus.publish([domainEvent('oms.billing', 'PaymentCaptured')]);

      expect(bodies(queues.accounting).map((e) => e['detail-type'])).toEqual(['PaymentCaptured']);
      expect(queues.marketing.depth).toBe(0);
    });
  });

  describe('When an event matches no rule', () => {
    it('goes nowhere but still counts as published', async () => {
      const queues = targets();
      const bus = new LocalEventBus({ busName: 'oms', rules: eventRules, targets: queues });
      await bus.publish([
        domainEvent('oms.orders', 'OrderCreatedDraft'),
        domainEvent('shop.orders', 'OrderPlaced'),
        domainEvent('oms.inventory', 'StockAdjusted'),
      ]);

      expect(queues.marketing.depth).toBe(0);
      expect(queues.accounting.depth).toBe(0);
      expect(bus.publishedCount).toBe(3);
    });
  });

  describe('When two rules match the same event', () => {
    it('delivers one message per rule, as EventBridge does', async () => {
      const queues = targets();
      const rules: EventRuleSpec[] = [
        { name: 'all-oms', description: '', target: 'marketing', pattern: { source: [{ prefix: 'oms.' }] } },
        { name: 'placed', description: '', target: 'marketing', pattern: { 'detail-type': ['OrderPlaced'] } },
      ];
      const bus = new LocalEventBus({ busName: 'oms', rules, targets: queues });
      await bus.publish([domainEvent('oms.orders', 'OrderPlaced')]);

      expect(queues.marketing.depth).toBe(2);
      expect(bus.matchingRules(bodies(queues.marketing)[0]).map((r) => r.name)).toEqual([
        'all-oms',
        'placed',
      ]);
    });
  });

  describe('When a rule is invalid or targets an unknown queue', () => {
    it('refuses to build the bus', () => {
      const bad: EventRuleSpec = {
        name: 'bad',
        description: '',
        target: 'marketing',
        pattern: { source: [] },
      };
      expect(() => new LocalEventBus({ busName: 'oms', rules: [bad], targets: targets() })).toThrow(
        /empty arrays/,
      );

      const orphan = { ...bad, pattern: { source: ['x'] }, target: 'nowhere' } as unknown as EventRuleSpec;
      expect(() => new LocalEventBus({ busName: 'oms', rules: [orphan], targets: targets() })).toThrow(
        /unknown queue/,
      );
    });
  });

  describe('When an event is larger than 256 KB', () => {
    it('rejects the whole call and delivers nothing', async () => {
      const queues = targets();
      const bus = new LocalEventBus({ busName: 'oms', rules: eventRules, targets: queues });
      const huge = domainEvent('oms.billing', 'PaymentCaptured', { blob: 'x'.repeat(256 * 1024) });

      await expect(bus.publish([domainEvent('oms.billing', 'PaymentCaptured'), huge])).rejects.toBeInstanceOf(
        EventTooLargeError,
      );
      expect(queues.accounting.depth).toBe(0);
      expect(bus.publishedCount).toBe(0);
    });
  });

  describe('When events are archived and replayed', () => {
    it('writes one JSON line per event and re-delivers the selected ones through the rules', async () => {
      const archiveFile = join(dir, 'nested', 'archive.jsonl');
      const queues = targets();
      const bus = new LocalEventBus({ busName: 'oms', rules: eventRules, targets: queues, archiveFile });
      await bus.publish([
        domainEvent('oms.orders', 'OrderPlaced'),
        domainEvent('oms.billing', 'PaymentCaptured'),
      ]);
      await bus.publish([domainEvent('oms.inventory', 'StockAdjusted')]);

      const lines = (await readFile(archiveFile, 'utf8')).trim().split('\n');
      expect(lines.map((line) => JSON.parse(line)['detail-type'])).toEqual([
        'OrderPlaced',
        'PaymentCaptured',
        'StockAdjusted',
      ]);

      const replayed = await bus.replay((envelope) => envelope.source === 'oms.billing');

      expect(replayed).toBe(1);
      const accounting = bodies(queues.accounting);
      expect(accounting).toHaveLength(2);
      expect(accounting[1]).toMatchObject({ id: accounting[0]?.id, 'replay-name': 'local-replay' });
      expect(queues.marketing.depth).toBe(1);
      expect(bus.publishedCount).toBe(3);
    });

    it('replays nothing when nothing was archived yet', async () => {
      const bus = new LocalEventBus({
        busName: 'oms',
        rules: eventRules,
        targets: targets(),
        archiveFile: join(dir, 'never-written.jsonl'),
      });
      expect(await bus.replay()).toBe(0);
    });
  });
});
