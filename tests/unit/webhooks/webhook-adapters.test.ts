import type { LookupAddress } from 'node:dns';
import { EventBridgeClient, PutRuleCommand } from '@aws-sdk/client-eventbridge';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalEventRouting } from '../../../local/adapters/local-event-routing.js';
import { LocalWebhookRetries } from '../../../local/adapters/local-webhook-retries.js';
import { LocalEventBus } from '../../../local/event-bus.js';
import { LocalQueue } from '../../../local/queue.js';
import { EventBridgeRouting } from '../../../shared/adapters/aws/event-bridge-routing.js';
import { SqsWebhookRetries } from '../../../shared/adapters/aws/sqs-webhook-retries.js';
import { guardedLookup, HttpWebhookSender } from '../../../shared/adapters/http-webhook-sender.js';
import { eventRules } from '../../../shared/config/event-rules.js';
import { WEBHOOK_RULE_NAME } from '../../../shared/config/webhooks.js';

const eventBridge = mockClient(EventBridgeClient);
const sqs = mockClient(SQSClient);

afterEach(() => {
  eventBridge.reset();
  sqs.reset();
});

/** A resolver that answers from a table, as dns.lookup would with `all: true`. */
const resolver =
  (table: Record<string, string[]>) =>
  (hostname: string, _options: unknown, callback: (e: Error | null, a: LookupAddress[]) => void) => {
    const addresses = table[hostname];
    if (!addresses) {
      callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
      return;
    }
    callback(
      null,
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
  };

const lookupWith = (allowLoopback: boolean, table: Record<string, string[]>, all = false) =>
  new Promise<{ error: NodeJS.ErrnoException | null; address: unknown }>((done) => {
    const lookup = guardedLookup(allowLoopback, resolver(table) as never);
    lookup('hooks.example.com', { all } as never, (error, address) => done({ error, address }));
  });

describe('Given the sender resolving an endpoint name', () => {
  describe('When the name resolves to public addresses only', () => {
    it('connects to the address it checked', async () => {
      const { error, address } = await lookupWith(false, { 'hooks.example.com': ['93.184.215.14'] });
      expect(error).toBeNull();
      expect(address).toBe('93.184.215.14');
    });

    it('hands every checked address over when asked for all (happy eyeballs)', async () => {
      const { address } = await lookupWith(
        false,
        { 'hooks.example.com': ['93.184.215.14', '2606:2800::1'] },
        true,
      );
      expect(address).toEqual([
        { address: '93.184.215.14', family: 4 },
        { address: '2606:2800::1', family: 6 },
      ]);
    });
  });

  describe('When the name resolves to a private or metadata address (DNS rebinding, internal names)', () => {
    it.each([[['10.0.0.5']], [['93.184.215.14', '169.254.169.254']], [['127.0.0.1']], [['::1']]])(
      'refuses %j',
      async (addresses) => {
        const { error } = await lookupWith(false, { 'hooks.example.com': addresses });
        expect(error?.code).toBe('EREFUSEDADDRESS');
      },
    );

    it('lets loopback through only where it is allowed (the local runtime)', async () => {
      expect((await lookupWith(true, { 'hooks.example.com': ['127.0.0.1'] })).error).toBeNull();
      expect((await lookupWith(true, { 'hooks.example.com': ['10.0.0.1'] })).error?.code).toBe(
        'EREFUSEDADDRESS',
      );
    });
  });

  describe('When the URL holds an IP literal (connected to without a lookup)', () => {
    it('refuses a private one before connecting', async () => {
      const sender = new HttpWebhookSender({ allowLoopback: false });
      const response = await sender.send({
        url: 'https://10.0.0.1/hook',
        body: '{}',
        headers: {},
        timeoutMs: 1000,
      });
      expect(response.statusCode).toBeUndefined();
      expect(response.error).toMatch(/not a public address/);
    });
  });
});

describe('Given the AWS routing adapter', () => {
  const arn = 'arn:aws:events:eu-west-1:123456789012:rule/oms-events/Oms-EventsToWebhooks-ABC';

  it('re-points that one rule on its bus, keeping its description and state', async () => {
    eventBridge.on(PutRuleCommand).resolves({});
    await new EventBridgeRouting(new EventBridgeClient({ region: 'eu-west-1' }), arn).setWebhookEventTypes([
      'OrderShipped',
      'OrderPlaced',
    ]);
    const [call] = eventBridge.commandCalls(PutRuleCommand);
    expect(call?.args[0].input).toMatchObject({
      Name: 'Oms-EventsToWebhooks-ABC',
      EventBusName: 'oms-events',
      State: 'ENABLED',
      Description: eventRules.find((rule) => rule.name === WEBHOOK_RULE_NAME)?.description,
    });
    expect(JSON.parse(call?.args[0].input.EventPattern ?? '{}')).toEqual({
      source: [{ prefix: 'oms.' }],
      'detail-type': ['OrderPlaced', 'OrderShipped'],
    });
  });

  it('refuses to run without a rule configured', async () => {
    await expect(
      new EventBridgeRouting(new EventBridgeClient({ region: 'eu-west-1' }), '').setWebhookEventTypes([]),
    ).rejects.toThrow(/OMS_WEBHOOK_RULE_ARN/);
  });
});

describe('Given the AWS retry queue', () => {
  it('sends with the delay in whole seconds, rounded up and capped at 15 minutes', async () => {
    sqs.on(SendMessageCommand).resolves({});
    const retries = new SqsWebhookRetries('https://sqs/webhooks', new SQSClient({ region: 'eu-west-1' }));
    await retries.schedule('a', 1);
    await retries.schedule('b', 30_500);
    await retries.schedule('c', 6 * 3600 * 1000);
    expect(sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input.DelaySeconds)).toEqual([
      1, 31, 900,
    ]);
    expect(retries.maxDelayMs).toBe(900_000);
  });
});

describe('Given the local bus and queue standing in for them', () => {
  const makeBus = () => {
    const queues = {
      marketing: new LocalQueue({ name: 'marketing' }),
      accounting: new LocalQueue({ name: 'accounting' }),
      backorders: new LocalQueue({ name: 'backorders' }),
      webhooks: new LocalQueue({ name: 'webhooks' }),
      notifications: new LocalQueue({ name: 'notifications' }),
    };
    return { queues, bus: new LocalEventBus({ busName: 'oms', rules: eventRules, targets: queues }) };
  };
  const placed = {
    source: 'oms.orders',
    detailType: 'OrderPlaced',
    detail: {
      metadata: {
        version: 1,
        correlationId: 'c',
        idempotencyKey: 'k',
        occurredAt: '2026-01-01T00:00:00.000Z',
      },
      data: {},
    },
  };

  it('routes nothing to webhooks as declared, then what the routing port points the rule at', async () => {
    const { bus, queues } = makeBus();
    let putRules = 0;
    const routing = new LocalEventRouting(bus, () => {
      putRules += 1;
    });
    await bus.publish([placed]);
    expect(queues.webhooks.depth).toBe(0);
    await routing.setWebhookEventTypes(['OrderPlaced']);
    await bus.publish([placed]);
    expect(queues.webhooks.depth).toBe(1);
    await routing.setWebhookEventTypes([]);
    await bus.publish([placed]);
    expect(queues.webhooks.depth).toBe(1);
    expect(queues.marketing.depth).toBe(3);
    expect(putRules).toBe(2);
    expect(() => bus.setRulePattern('no-such-rule', {})).toThrow(/no rule/);
  });

  it('holds a delayed retry back until it is due, and names who sent it', async () => {
    const sent: { action: string; sender?: string }[] = [];
    const queue = new LocalQueue({ name: 'webhooks', onRequest: (request) => void sent.push(request) });
    await new LocalWebhookRetries(queue, () => 'deliver-webhooks').schedule('{"webhookRetry":{}}', 60_000);
    const [message] = queue.messages();
    expect(message?.state).toBe('delayed');
    expect((message?.visibleAt ?? 0) - Date.now()).toBeGreaterThan(55_000);
    expect(sent).toEqual([expect.objectContaining({ action: 'SendMessage', sender: 'deliver-webhooks' })]);
  });
});
