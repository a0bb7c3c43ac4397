import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { matchesEventPattern, validateEventPattern } from '../../../local/event-pattern.js';
import { webhookPolicy, webhookRulePattern } from '../../../shared/config/webhooks.js';
import { ValidationError } from '../../../shared/domain/errors.js';
import {
  delivered,
  isLoopbackAddress,
  isPublicAddress,
  newSigningSecret,
  parseWebhookUrl,
  retryDelayMs,
  shouldDisable,
  signedHeaders,
  subscribableEventTypes,
  webhookMessageId,
  webhookPayload,
} from '../../../shared/domain/webhooks.js';

const deployed = { allowHttpLoopback: false };
const local = { allowHttpLoopback: true };

describe('Given a webhook endpoint URL', () => {
  describe('When it names a public https endpoint', () => {
    it.each([
      'https://hooks.example.com/oms',
      'https://hooks.example.com:8443/oms?token=abc',
      'https://8.8.8.8/hook',
      'https://[2606:4700:4700::1111]/hook',
      'https://xn--bcher-kva.example/hook',
    ])('accepts %s', (url) => {
      expect(parseWebhookUrl(url, deployed)).toBe(new URL(url).href);
    });
  });

  describe('When it could reach something that is not a merchant endpoint', () => {
    it.each([
      ['http to a public host', 'http://hooks.example.com/oms'],
      ['another scheme', 'ftp://hooks.example.com/oms'],
      ['a relative URL', '/hooks'],
      ['credentials', 'https://user:pw@hooks.example.com/'],
      ['a fragment', 'https://hooks.example.com/#x'],
      ['a private address', 'https://10.0.0.8/'],
      ['a private address in another notation', 'https://0x0a.0.0.8/'],
      ['a private address as one number', 'https://167772168/'],
      ['the carrier-grade NAT range', 'https://100.64.1.1/'],
      ['the cloud metadata address', 'https://169.254.169.254/latest/meta-data'],
      ['192.168/16', 'https://192.168.1.1/'],
      ['172.16/12', 'https://172.31.255.255/'],
      ['0.0.0.0', 'https://0.0.0.0/'],
      ['a multicast address', 'https://224.0.0.1/'],
      ['the broadcast address', 'https://255.255.255.255/'],
      ['IPv6 loopback', 'https://[::1]/'],
      ['IPv6 unique local', 'https://[fd00::1]/'],
      ['IPv6 link-local', 'https://[fe80::1]/'],
      ['an IPv4-mapped private address', 'https://[::ffff:10.0.0.1]/'],
      ['a NAT64 private address', 'https://[64:ff9b::a00:1]/'],
      ['localhost', 'https://localhost/'],
      ['a loopback address', 'https://127.0.0.1/'],
      ['a single-label name', 'https://erp/'],
      ['an intranet name', 'https://erp.internal/'],
      ['an mDNS name', 'https://printer.local/'],
      ['a reverse-DNS name', 'https://1.0.0.10.in-addr.arpa/'],
      ['a very long URL', `https://hooks.example.com/${'a'.repeat(2100)}`],
    ])('refuses %s with a validation error on url', (_, url) => {
      let error: unknown;
      try {
        parseWebhookUrl(url, deployed);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).fields.map((f) => f.field)).toEqual(['url']);
    });
  });

  describe('When the runtime allows http to this machine (local runtime)', () => {
    it.each([
      'http://localhost:8080/hook',
      'http://127.0.0.1:9/x',
      'http://[::1]:3000/',
      'https://localhost/',
    ])('accepts %s', (url) => {
      expect(parseWebhookUrl(url, local)).toBe(new URL(url).href);
    });

    it.each(['http://hooks.example.com/', 'http://10.0.0.1/', 'https://192.168.0.1/'])(
      'still refuses %s',
      (url) => {
        expect(() => parseWebhookUrl(url, local)).toThrow(ValidationError);
      },
    );
  });
});

describe('Given IP addresses', () => {
  it('treats public unicast as public and everything special as not', () => {
    expect(['1.1.1.1', '8.8.4.4', '2606:4700::6810:84e5', '::ffff:8.8.8.8'].every(isPublicAddress)).toBe(
      true,
    );
    expect(
      [
        '127.0.0.1',
        '10.1.1.1',
        '169.254.1.1',
        '::',
        '::1',
        'fe80::1',
        'fc00::1',
        '2001:db8::1',
        'ff02::1',
      ].some(isPublicAddress),
    ).toBe(false);
    expect(isPublicAddress('not an address')).toBe(false);
  });

  it('knows loopback in both families', () => {
    expect(['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1'].every(isLoopbackAddress)).toBe(true);
    expect(['10.0.0.1', '::2', '8.8.8.8'].some(isLoopbackAddress)).toBe(false);
  });
});

describe('Given the retry schedule', () => {
  const policy = webhookPolicy();

  it('waits 30 s, 2 min, 10 min, 1 h, 3 h, 6 h, 12 h without jitter, then gives up', () => {
    const middle = () => 0.5;
    expect([1, 2, 3, 4, 5, 6, 7].map((attempts) => retryDelayMs(attempts, policy, middle))).toEqual([
      30_000, 120_000, 600_000, 3_600_000, 10_800_000, 21_600_000, 43_200_000,
    ]);
    expect(retryDelayMs(8, policy, middle)).toBeUndefined();
  });

  it('spreads each wait over ±10 %', () => {
    expect(retryDelayMs(1, policy, () => 0)).toBe(27_000);
    expect(retryDelayMs(1, policy, () => 0.999_999)).toBe(33_000);
  });

  it('scales with the base, so the local runtime can retry in milliseconds', () => {
    const fast = webhookPolicy({ retryBaseMs: 40 });
    expect(retryDelayMs(1, fast, () => 0.5)).toBe(40);
    expect(retryDelayMs(2, fast, () => 0.5)).toBe(160);
  });
});

describe('Given a failing endpoint', () => {
  const policy = webhookPolicy();
  const now = new Date('2026-05-02T12:00:00.000Z');

  it('is disabled only after 10 failed attempts in a row over at least 24 hours', () => {
    expect(
      shouldDisable({ consecutiveFailures: 10, failingSince: '2026-05-01T12:00:00.000Z' }, now, policy),
    ).toBe(true);
    expect(
      shouldDisable({ consecutiveFailures: 9, failingSince: '2026-04-01T00:00:00.000Z' }, now, policy),
    ).toBe(false);
    expect(
      shouldDisable({ consecutiveFailures: 500, failingSince: '2026-05-02T11:00:00.000Z' }, now, policy),
    ).toBe(false);
    expect(shouldDisable({ consecutiveFailures: 500 }, now, policy)).toBe(false);
  });

  it('counts only 2xx as delivered', () => {
    expect([200, 201, 204, 299].every(delivered)).toBe(true);
    expect([undefined, 199, 301, 302, 400, 410, 500].some(delivered)).toBe(false);
  });
});

describe('Given an event to send', () => {
  const event = {
    detailType: 'OrderPlaced',
    idempotencyKey: 'ord_1:placed',
    occurredAt: '2026-05-02T12:00:00.000Z',
    data: { orderId: 'ord_1' },
  };

  it('keeps one webhook-id for the event, whatever publish or attempt carries it', () => {
    const id = webhookMessageId(event.detailType, event.idempotencyKey);
    expect(id).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(webhookMessageId('OrderPlaced', 'ord_1:placed')).toBe(id);
    expect(webhookMessageId('OrderPlaced', 'ord_2:placed')).not.toBe(id);
    expect(webhookMessageId('OrderFailed', 'ord_1:placed')).not.toBe(id);
  });

  it('sends {type, timestamp, data}', () => {
    expect(JSON.parse(webhookPayload(event))).toEqual({
      type: 'OrderPlaced',
      timestamp: '2026-05-02T12:00:00.000Z',
      data: { orderId: 'ord_1' },
    });
  });

  it('signs it so the standardwebhooks reference library verifies it, with every active secret', () => {
    const current = newSigningSecret();
    const previous = newSigningSecret();
    expect(current).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const body = webhookPayload(event);
    const headers = signedHeaders({
      messageId: 'msg_1',
      timestamp: Math.floor(Date.now() / 1000),
      body,
      secrets: [current, previous],
    });
    expect(headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(new Webhook(current).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(previous).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(newSigningSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(current).verify(`${body} `, headers)).toThrow();
  });
});

describe('Given the webhooks rule pattern', () => {
  it('routes nothing while no subscription asks for anything', () => {
    const pattern = webhookRulePattern([]);
    validateEventPattern(pattern);
    for (const detailType of subscribableEventTypes) {
      expect(matchesEventPattern(pattern, { source: 'oms.orders', 'detail-type': detailType })).toBe(false);
    }
  });

  it('routes exactly the OMS events of the types asked for', () => {
    const pattern = webhookRulePattern(['OrderShipped', 'OrderPlaced', 'OrderPlaced']);
    expect(pattern['detail-type']).toEqual(['OrderPlaced', 'OrderShipped']);
    expect(matchesEventPattern(pattern, { source: 'oms.orders', 'detail-type': 'OrderPlaced' })).toBe(true);
    expect(matchesEventPattern(pattern, { source: 'oms.fulfillment', 'detail-type': 'OrderShipped' })).toBe(
      true,
    );
    expect(matchesEventPattern(pattern, { source: 'oms.billing', 'detail-type': 'PaymentCaptured' })).toBe(
      false,
    );
    expect(matchesEventPattern(pattern, { source: 'acme.orders', 'detail-type': 'OrderPlaced' })).toBe(false);
  });
});
