import { beforeEach, describe, expect, it } from 'vitest';
import {
  deliverWebhookMessage,
  parseWebhookMessage,
  type RetryMessage,
} from '../../shared/app/deliver-webhooks.js';
import { createSubscription } from '../../shared/app/webhook-subscriptions.js';
import { webhookPolicy } from '../../shared/config/webhooks.js';
import { TransientError } from '../../shared/domain/errors.js';
import type { DomainEvent } from '../../shared/events/envelope.js';
import type { WebhookRequest } from '../../shared/ports/webhooks.js';
import type { Deps } from '../../shared/runtime/deps.js';
import { getSubscription, listDeliveries } from '../../shared/store/webhooks.js';
import { busEnvelope } from '../support/bus.js';
import { createTestDeps } from '../support/deps.js';

/**
 * The dispatcher against the real table, with the clock, the endpoint and the retry queue in the test's
 * hands: what it sends, what it schedules and what it records for each kind of message.
 */

interface Harness {
  deps: Deps;
  sent: WebhookRequest[];
  scheduled: { body: string; delayMs: number }[];
  /** Status codes the endpoint answers, in order; 200 once they run out. */
  answers: number[];
  routed: string[][];
  advance(ms: number): void;
}

let h: Harness;

beforeEach(async () => {
  const base = await createTestDeps();
  let now = Date.parse('2026-11-27T10:00:00.000Z');
  const sent: WebhookRequest[] = [];
  const scheduled: Harness['scheduled'] = [];
  const answers: number[] = [];
  const routed: string[][] = [];
  const deps: Deps = {
    ...base,
    clock: { now: () => new Date(now) },
    webhooks: {
      sender: {
        send: async (request) => {
          sent.push(request);
          return { statusCode: answers.shift() ?? 200, durationMs: 3 };
        },
      },
      retries: {
        maxDelayMs: 900_000,
        schedule: async (body, delayMs) => void scheduled.push({ body, delayMs }),
      },
      routing: { setWebhookEventTypes: async (types) => void routed.push([...types]) },
      policy: webhookPolicy({ subscriptionCacheMs: 0, disableAfterFailures: 3, disableAfterMs: 3_600_000 }),
    },
  };
  h = {
    deps,
    sent,
    scheduled,
    answers,
    routed,
    advance: (ms) => {
      now += ms;
    },
  };
});

const subscribe = async () =>
  (
    await createSubscription(h.deps, {
      url: 'https://erp.example.com/hooks',
      eventTypes: ['OrderPlaced'],
    })
  ).subscription.id;

let orders = 0;
/** An OrderPlaced envelope as the rule delivers it (the dispatcher forwards `data` as it is). */
const placedEnvelope = () => {
  orders += 1;
  const event: DomainEvent = {
    source: 'oms.orders',
    detailType: 'OrderPlaced',
    detail: {
      metadata: {
        version: 1,
        correlationId: `ord_wh${orders}`,
        idempotencyKey: `ord_wh${orders}:placed`,
        occurredAt: h.deps.clock.now().toISOString(),
      },
      data: { orderId: `ord_wh${orders}` },
    },
  };
  return JSON.stringify(busEnvelope(event, `evt-${orders}-${Math.random()}`));
};

const deliver = (body: string) => deliverWebhookMessage(h.deps, parseWebhookMessage(body));

/** Takes the retry the dispatcher scheduled last, as the queue would hand it back after its delay. */
const nextRetry = () => {
  const retry = h.scheduled.shift();
  if (!retry) throw new Error('no retry was scheduled');
  return retry;
};

const log = async (subscriptionId: string) =>
  (await listDeliveries(h.deps, subscriptionId, { limit: 10, consistent: true })).items;

describe('Given an enabled subscription to OrderPlaced', () => {
  describe('When the same event comes twice, once republished with another EventBridge id', () => {
    it('sends it once and records one delivery', async () => {
      const id = await subscribe();
      const body = placedEnvelope();
      expect(await deliver(body)).toEqual(['delivered']);
      const again = JSON.parse(body);
      again.id = 'another-eventbridge-id';
      expect(await deliver(JSON.stringify(again))).toEqual(['duplicate']);
      expect(await deliver(body)).toEqual(['duplicate']);
      expect(h.sent).toHaveLength(1);
      expect(await log(id)).toHaveLength(1);
    });
  });

  describe('When the endpoint fails, then answers 2xx', () => {
    it('schedules the retry after the first wait, sends the same body again and ends the failure streak', async () => {
      const id = await subscribe();
      h.answers.push(500);
      expect(await deliver(placedEnvelope())).toEqual(['retrying']);
      const retry = nextRetry();
      expect(retry.delayMs).toBeGreaterThanOrEqual(27_000);
      expect(retry.delayMs).toBeLessThanOrEqual(33_000);
      expect((await getSubscription(h.deps, id))?.consecutiveFailures).toBe(1);

      h.advance(retry.delayMs);
      expect(await deliver(retry.body)).toEqual(['delivered']);
      expect(h.sent.map((r) => r.body)).toEqual([h.sent[0]?.body, h.sent[0]?.body]);
      expect(h.sent[1]?.headers['webhook-id']).toBe(h.sent[0]?.headers['webhook-id']);
      const [delivery] = await log(id);
      expect(delivery).toMatchObject({ status: 'delivered', attempts: 2, lastStatusCode: 200 });
      expect(delivery?.attemptLog.map((a) => a.statusCode)).toEqual([500, 200]);
      expect(await getSubscription(h.deps, id)).toMatchObject({ consecutiveFailures: 0 });

      // A copy of the retry message that arrives after it was made changes nothing.
      expect(await deliver(retry.body)).toEqual(['stale']);
      expect(h.sent).toHaveLength(2);
    });
  });

  describe('When a retry is due later than the queue can delay a message (15 minutes)', () => {
    it('hops: an early retry is sent on for the rest of the wait, without an attempt', async () => {
      await subscribe();
      h.answers.push(500, 500, 500, 500);
      await deliver(placedEnvelope());
      for (let i = 0; i < 3; i += 1) {
        const retry = nextRetry();
        h.advance(retry.delayMs);
        expect(await deliver(retry.body)).toEqual(['retrying']);
      }
      // The 4th wait is 1 h (±10 %): the queue can hold it 15 minutes at most.
      const long = nextRetry();
      expect(long.delayMs).toBe(900_000);
      h.advance(900_000);
      expect(await deliver(long.body)).toEqual(['waiting']);
      expect(h.sent).toHaveLength(4);
      const hop = nextRetry();
      expect(hop.body).toBe(long.body);
    });
  });

  describe('When a retry overtakes the write of its own record', () => {
    it('sends it back to the queue (TransientError) rather than dropping it', async () => {
      const id = await subscribe();
      const retry: RetryMessage = {
        subscriptionId: id,
        occurredAt: h.deps.clock.now().toISOString(),
        messageId: 'msg_0123456789abcdef0123456789abcdef',
        attempt: 2,
      };
      await expect(deliver(JSON.stringify({ webhookRetry: retry }))).rejects.toBeInstanceOf(TransientError);
      expect(h.sent).toEqual([]);
    });
  });

  describe('When every attempt fails within the disabling window', () => {
    it('gives the delivery up once the schedule is spent, without disabling a subscription failing for less than the window', async () => {
      h.deps.webhooks.policy = webhookPolicy({
        subscriptionCacheMs: 0,
        disableAfterFailures: 3,
        disableAfterMs: 10 * 24 * 3_600_000,
      });
      const id = await subscribe();
      h.answers.push(...Array<number>(8).fill(503));
      expect(await deliver(placedEnvelope())).toEqual(['retrying']);
      const outcomes: string[] = [];
      while (h.scheduled.length > 0) {
        const retry = nextRetry();
        h.advance(retry.delayMs);
        outcomes.push(...(await deliver(retry.body)));
      }
      expect(outcomes.filter((o) => o !== 'waiting')).toEqual([
        ...Array<string>(6).fill('retrying'),
        'failed',
      ]);
      expect(h.sent).toHaveLength(8);
      const [delivery] = await log(id);
      expect(delivery).toMatchObject({ status: 'failed', attempts: 8, lastStatusCode: 503 });
      expect(delivery?.nextAttemptAt).toBeUndefined();
      expect(await getSubscription(h.deps, id)).toMatchObject({ status: 'enabled', consecutiveFailures: 8 });
    });
  });

  describe('When the endpoint has failed often and long enough', () => {
    it('disables the subscription once, cancels the delivery and takes its types off the rule', async () => {
      const id = await subscribe();
      h.answers.push(500, 500, 500);
      await deliver(placedEnvelope());
      h.advance(2 * 3_600_000);
      const first = nextRetry();
      expect(await deliver(first.body)).toEqual(['retrying']);
      const second = nextRetry();
      h.advance(second.delayMs);
      expect(await deliver(second.body)).toEqual(['disabled']);
      const subscription = await getSubscription(h.deps, id);
      expect(subscription).toMatchObject({ status: 'disabled', disabledReason: 'failures' });
      const [delivery] = await log(id);
      expect(delivery).toMatchObject({ status: 'cancelled', attempts: 3 });
      expect(h.routed.at(-1)).toEqual([]);
      expect(h.scheduled).toEqual([]);
      // New events no longer reach it.
      expect(await deliver(placedEnvelope())).toEqual([]);
    });

    it('does not disable it when another container delivered in between with a view that missed the failures', async () => {
      const id = await subscribe();
      // A second container: its own cache of the subscriptions, kept long.
      const other: Deps = {
        ...h.deps,
        webhooks: {
          ...h.deps.webhooks,
          policy: { ...h.deps.webhooks.policy, subscriptionCacheMs: 86_400_000 },
        },
      };
      expect(await deliverWebhookMessage(other, parseWebhookMessage(placedEnvelope()))).toEqual([
        'delivered',
      ]);
      h.answers.push(500);
      expect(await deliver(placedEnvelope())).toEqual(['retrying']);
      h.advance(1000);
      // Its view still shows no failures, so it does not end the streak it never saw.
      expect(await deliverWebhookMessage(other, parseWebhookMessage(placedEnvelope()))).toEqual([
        'delivered',
      ]);
      expect((await getSubscription(h.deps, id))?.consecutiveFailures).toBe(1);
      h.advance(2 * 3_600_000);
      h.answers.push(500, 500);
      expect(await deliver(nextRetry().body)).toEqual(['retrying']);
      // Three in a row over more than an hour, but a delivery succeeded since the streak began.
      const third = nextRetry();
      h.advance(third.delayMs);
      expect(await deliver(third.body)).toEqual(['retrying']);
      expect(await getSubscription(h.deps, id)).toMatchObject({ status: 'enabled', consecutiveFailures: 0 });
    });
  });
});
