import { readFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localArn } from '../../local/metering.js';
import { WEBHOOK_RULE_NAME } from '../../shared/config/webhooks.js';
import { directOrder } from '../support/fixtures.js';
import { eventually, startTestRuntime, type TestRuntime } from '../support/runtime.js';

/**
 * Outbound webhooks end to end: the local runtime over HTTP, a `node:http` receiver on this machine standing
 * in for merchants' endpoints, and the `standardwebhooks` reference library checking the signatures. Retries
 * run on a 40 ms base (40 ms, 160 ms, 800 ms…) and an endpoint is switched off after 3 failed attempts in a
 * row, however short the streak, so every path happens in seconds.
 */

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  status: number;
}

let oms: TestRuntime;
let receiver: Server;
let base = '';
const received: Received[] = [];
/** Per path and webhook-id: how many attempts were refused so far. */
const refusals = new Map<string, number>();

/** `/ok` takes everything, `/flaky` refuses the first two attempts of each message, `/down` refuses all. */
function statusFor(path: string, messageId: string): number {
  if (path.startsWith('/down')) return 500;
  if (path.startsWith('/flaky')) {
    const key = `${path} ${messageId}`;
    const refused = refusals.get(key) ?? 0;
    if (refused < 2) {
      refusals.set(key, refused + 1);
      return refused === 0 ? 500 : 503;
    }
  }
  return 200;
}

const flatten = (headers: IncomingHttpHeaders): Record<string, string> =>
  Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.join(', ') : (value ?? ''),
    ]),
  );

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const headers = flatten(request.headers);
      const path = request.url ?? '/';
      const status = statusFor(path, headers['webhook-id'] ?? '');
      received.push({ path, headers, body: Buffer.concat(chunks).toString('utf8'), status });
      response.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'not now');
    });
  });
  await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  oms = await startTestRuntime({
    webhooks: { retryBaseMs: 40, disableAfterFailures: 3, disableAfterMs: 0, subscriptionCacheMs: 0 },
  });
});

afterAll(async () => {
  await oms?.stop();
  await new Promise<void>((done) => (receiver ? receiver.close(() => done()) : done()));
});

const subscribe = async (path: string, eventTypes: string[], description?: string) => {
  const reply = await oms.request('POST', '/webhook-subscriptions', {
    url: `${base}${path}`,
    eventTypes,
    ...(description ? { description } : {}),
  });
  expect(reply.status, reply.text).toBe(201);
  return reply.body as { id: string; secret: string; status: string };
};

const placeOrder = async () => {
  const reply = await oms.request('POST', '/orders', directOrder(), {
    'idempotency-key': `webhooks-${Date.now()}-${Math.random().toString(36).slice(2)}`,
  });
  expect(reply.status, reply.text).toBe(201);
  return reply.body.orderId as string;
};

/** Requests an endpoint received for one order's OrderPlaced, in arrival order. */
const requestsFor = (path: string, orderId: string) =>
  received.filter((r) => r.path === path && JSON.parse(r.body).data?.orderId === orderId);

const deliveries = async (subscriptionId: string) => {
  const reply = await oms.request('GET', `/webhook-subscriptions/${subscriptionId}/deliveries`);
  expect(reply.status, reply.text).toBe(200);
  return reply.body.items as {
    messageId: string;
    eventId: string;
    eventType: string;
    status: string;
    attempts: number;
    lastStatusCode?: number;
    lastError?: string;
    nextAttemptAt?: string;
    deliveredAt?: string;
    cancelReason?: string;
    attemptLog: { statusCode?: number }[];
  }[];
};

const verify = (secret: string, request: Received) =>
  new Webhook(secret).verify(request.body, {
    'webhook-id': request.headers['webhook-id'] ?? '',
    'webhook-timestamp': request.headers['webhook-timestamp'] ?? '',
    'webhook-signature': request.headers['webhook-signature'] ?? '',
  });

/** Every archived envelope (the bus archives each event it is given), parsed. */
const archived = async () =>
  (await readFile(join(oms.dataDir, 'events', 'archive.jsonl'), 'utf8'))
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => ({ line, envelope: JSON.parse(line) }));

/** Until the outbox stream and every queue are empty. */
async function settle() {
  await oms.stream.drain(10_000);
  await Promise.all(Object.values(oms.queues).map((queue) => queue.drain(20_000)));
}

const orderPlacedSample = { source: 'oms.orders', 'detail-type': 'OrderPlaced' };
const routesToWebhooks = (sample: object) =>
  oms.bus.matchingRules(sample).some((rule) => rule.name === WEBHOOK_RULE_NAME);

describe('Given outbound webhooks on the local runtime', () => {
  describe('When no subscription exists', () => {
    it('routes no event to the webhooks queue, so an order pays nothing for webhooks', async () => {
      expect(routesToWebhooks(orderPlacedSample)).toBe(false);
      oms.meter.reset();
      await placeOrder();
      await settle();
      const touched = oms.meter.calls().filter((call) => call.resource === localArn.queue('webhooks'));
      expect(touched).toEqual([]);
    });
  });

  describe('When a merchant subscribes to OrderPlaced and an order is placed', () => {
    let subscription: { id: string; secret: string };
    let orderId: string;

    beforeAll(async () => {
      subscription = await subscribe('/ok', ['OrderPlaced'], 'ERP');
      orderId = await placeOrder();
      await eventually(async () => (requestsFor('/ok', orderId).length > 0 ? true : undefined));
    });

    it('answers with a whsec_ secret once and never shows it again', async () => {
      expect(subscription.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      const one = await oms.request('GET', `/webhook-subscriptions/${subscription.id}`);
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({ id: subscription.id, status: 'enabled', eventTypes: ['OrderPlaced'] });
      const list = await oms.request('GET', '/webhook-subscriptions');
      expect(list.body.items.map((item: { id: string }) => item.id)).toContain(subscription.id);
      expect(one.text).not.toContain('whsec_');
      expect(list.text).not.toContain('whsec_');
    });

    it('points the webhooks rule at OrderPlaced', () => {
      expect(routesToWebhooks(orderPlacedSample)).toBe(true);
      expect(routesToWebhooks({ source: 'oms.billing', 'detail-type': 'PaymentCaptured' })).toBe(false);
    });

    it('delivers {type, timestamp, data} signed so the standardwebhooks library verifies it', () => {
      const [request] = requestsFor('/ok', orderId);
      if (!request) throw new Error('no delivery');
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
      const payload = verify(subscription.secret, request) as {
        type: string;
        timestamp: string;
        data: { orderId: string };
      };
      expect(payload.type).toBe('OrderPlaced');
      expect(payload.data.orderId).toBe(orderId);
      expect(Number.isNaN(Date.parse(payload.timestamp))).toBe(false);
      // A signature made with another secret does not verify: the check above could fail.
      expect(() => verify(`whsec_${Buffer.alloc(32, 1).toString('base64')}`, request)).toThrow();
    });

    it('records the delivery in the log: delivered at the first attempt with 200', async () => {
      const [request] = requestsFor('/ok', orderId);
      const log = await eventually(async () => {
        const items = await deliveries(subscription.id);
        const item = items.find((d) => d.messageId === request?.headers['webhook-id']);
        return item?.status === 'delivered' ? item : undefined;
      });
      expect(log).toMatchObject({ eventType: 'OrderPlaced', attempts: 1, lastStatusCode: 200 });
      expect(log.eventId).toMatch(/^[0-9a-f-]{36}$/);
      expect(log.deliveredAt).toBeDefined();
      expect(log.nextAttemptAt).toBeUndefined();
    });

    it('sends nothing again when the queue delivers the same event twice, or the archive replays it', async () => {
      const [original] = (await archived()).filter(
        ({ envelope }) =>
          envelope['detail-type'] === 'OrderPlaced' && envelope.detail.data.orderId === orderId,
      );
      if (!original) throw new Error('the order event was not archived');
      oms.queues.webhooks.send(original.line);
      oms.queues.webhooks.send(original.line);
      const replayed = await oms.bus.replay(
        (envelope) =>
          envelope['detail-type'] === 'OrderPlaced' &&
          (envelope.detail as { data: { orderId: string } }).data.orderId === orderId,
      );
      expect(replayed).toBe(1);
      await settle();
      expect(requestsFor('/ok', orderId)).toHaveLength(1);
      const messageId = requestsFor('/ok', orderId)[0]?.headers['webhook-id'];
      const logged = (await deliveries(subscription.id)).filter((d) => d.messageId === messageId);
      expect(logged).toHaveLength(1);
      expect(logged[0]?.attempts).toBe(1);
    });
  });

  describe('When the endpoint fails twice, then recovers', () => {
    it('delivers on the third attempt with the same webhook-id, and the log shows every attempt', async () => {
      const { id, secret } = await subscribe('/flaky', ['OrderPlaced']);
      const orderId = await placeOrder();
      const log = await eventually(async () => {
        const item = (await deliveries(id)).find((d) =>
          requestsFor('/flaky', orderId).some((r) => r.headers['webhook-id'] === d.messageId),
        );
        return item?.status === 'delivered' ? item : undefined;
      });
      const requests = requestsFor('/flaky', orderId);
      expect(requests.map((r) => r.status)).toEqual([500, 503, 200]);
      expect(new Set(requests.map((r) => r.headers['webhook-id'])).size).toBe(1);
      for (const request of requests) expect(verify(secret, request)).toMatchObject({ type: 'OrderPlaced' });
      expect(log).toMatchObject({ attempts: 3, lastStatusCode: 200 });
      expect(log.attemptLog.map((a) => a.statusCode)).toEqual([500, 503, 200]);
      // Waits of 40 ms, then 160 ms (±10 %): the retries were scheduled, not immediate.
      const times = requests.map((r) => Number(r.headers['webhook-timestamp']));
      expect(times[2] ?? 0).toBeGreaterThanOrEqual(times[0] ?? 0);
      // The streak ended with the success.
      const subscription = (await oms.request('GET', `/webhook-subscriptions/${id}`)).body;
      expect(subscription).toMatchObject({ status: 'enabled', consecutiveFailures: 0 });
    });
  });

  describe('When an endpoint keeps failing', () => {
    it('disables the subscription, logs why, announces it and stops routing what only it asked for', async () => {
      const { id } = await subscribe('/down', ['OrderPlaced', 'OrderFailed']);
      expect(routesToWebhooks({ source: 'oms.orders', 'detail-type': 'OrderFailed' })).toBe(true);
      const orderId = await placeOrder();
      const subscription = await eventually(async () => {
        const reply = await oms.request('GET', `/webhook-subscriptions/${id}`);
        return reply.body.status === 'disabled' ? reply.body : undefined;
      });
      expect(subscription).toMatchObject({ disabledReason: 'failures', consecutiveFailures: 3 });
      expect(requestsFor('/down', orderId).map((r) => r.status)).toEqual([500, 500, 500]);

      const log = await eventually(async () => {
        const [item] = await deliveries(id);
        return item?.status === 'cancelled' ? item : undefined;
      });
      expect(log).toMatchObject({ status: 'cancelled', attempts: 3, lastStatusCode: 500 });
      expect(log.cancelReason).toMatch(/disabled after 3 failed attempts/);

      const announced = await eventually(async () =>
        (await archived()).find(
          ({ envelope }) =>
            envelope['detail-type'] === 'WebhookSubscriptionDisabled' &&
            envelope.detail.data.subscriptionId === id,
        ),
      );
      expect(announced.envelope.source).toBe('oms.webhooks');
      expect(announced.envelope.detail.data).toMatchObject({ reason: 'failures', consecutiveFailures: 3 });

      // OrderFailed was asked for by this subscription only; OrderPlaced still has others.
      expect(routesToWebhooks({ source: 'oms.orders', 'detail-type': 'OrderFailed' })).toBe(false);
      expect(routesToWebhooks(orderPlacedSample)).toBe(true);

      // Nothing more reaches it.
      const later = await placeOrder();
      await eventually(async () => (requestsFor('/ok', later).length > 0 ? true : undefined));
      await settle();
      expect(requestsFor('/down', later)).toEqual([]);
    });

    it('takes events again once enabled, its failure count started afresh', async () => {
      const [down] = (await oms.request('GET', '/webhook-subscriptions')).body.items.filter(
        (s: { url: string }) => s.url === `${base}/down`,
      );
      const reply = await oms.request('PUT', `/webhook-subscriptions/${down.id}`, {
        url: `${base}/down-but-back`,
        eventTypes: ['OrderPlaced'],
        enabled: true,
      });
      expect(reply.status, reply.text).toBe(200);
      expect(reply.body).toMatchObject({ status: 'enabled', consecutiveFailures: 0 });
      expect(reply.body.disabledReason).toBeUndefined();
    });
  });

  describe('When the secret is rotated', () => {
    it('signs with the new and the previous secret while the overlap lasts', async () => {
      const { id, secret: previous } = await subscribe('/rotated', ['OrderPlaced']);
      const rotated = await oms.request('POST', `/webhook-subscriptions/${id}/rotate-secret`, {
        overlapSeconds: 3600,
      });
      expect(rotated.status, rotated.text).toBe(200);
      const { secret } = rotated.body as { secret: string };
      expect(secret).not.toBe(previous);
      expect(rotated.body.previousSecretExpiresAt).toBeDefined();
      const orderId = await placeOrder();
      const request = await eventually(async () => requestsFor('/rotated', orderId)[0]);
      expect(request.headers['webhook-signature']?.split(' ')).toHaveLength(2);
      expect(verify(secret, request)).toMatchObject({ type: 'OrderPlaced' });
      expect(verify(previous, request)).toMatchObject({ type: 'OrderPlaced' });
    });
  });

  describe('When a subscription asks for what it may not have', () => {
    it.each([
      ['plain http to a public host', { url: 'http://hooks.example.com/x', eventTypes: ['OrderPlaced'] }],
      ['a private address', { url: 'https://10.1.2.3/x', eventTypes: ['OrderPlaced'] }],
      ['the metadata address', { url: 'https://169.254.169.254/latest', eventTypes: ['OrderPlaced'] }],
      ['an intranet name', { url: 'https://erp.internal/hooks', eventTypes: ['OrderPlaced'] }],
      ['credentials in the URL', { url: 'https://u:p@hooks.example.com/x', eventTypes: ['OrderPlaced'] }],
      ['an unknown event type', { url: 'https://hooks.example.com/x', eventTypes: ['OrderTeleported'] }],
      ['no event type', { url: 'https://hooks.example.com/x', eventTypes: [] }],
    ])('refuses %s with 400 and stores nothing', async (_, body) => {
      const before = (await oms.request('GET', '/webhook-subscriptions')).body.items.length;
      const reply = await oms.request('POST', '/webhook-subscriptions', body);
      expect(reply.status, reply.text).toBe(400);
      expect((await oms.request('GET', '/webhook-subscriptions')).body.items).toHaveLength(before);
    });

    it('answers 404 for a subscription that does not exist', async () => {
      for (const path of [
        '/webhook-subscriptions/whs_00000000000000000000000000',
        '/webhook-subscriptions/x/deliveries',
      ]) {
        expect((await oms.request('GET', path)).status).toBe(404);
      }
    });
  });
});
