import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { functions, routeAccess } from '../../shared/config/functions.js';
import { signShopify, signWooCommerce, standardWebhookHeaders } from '../../shared/intake/signatures.js';
import { shopifyOrder, standardOrder, TEST_SECRETS, wooOrder } from '../support/fixtures.js';
import { startTestRuntime, type TestRuntime } from '../support/runtime.js';

const KEYS = ['oms_key_current_3c1f0a', 'oms_key_previous_9d2e7b'] as const;

let oms: TestRuntime;

beforeAll(async () => {
  // Read once when the runtime starts, as `npm start` does.
  vi.stubEnv('OMS_API_KEYS', ` ${KEYS[0]} , ${KEYS[1]} `);
  oms = await startTestRuntime();
});

afterAll(async () => {
  await oms?.stop();
  vi.unstubAllEnvs();
});

/** Every route a client calls with an API key, with its path parameters filled in. */
const keyedRoutes = functions.flatMap((spec) =>
  spec.trigger.kind === 'http' && routeAccess(spec.trigger) === 'api-key'
    ? [
        {
          name: spec.name,
          method: spec.trigger.method,
          path: spec.trigger.path
            .replace('{locationId}', 'wh-east')
            .replace('{sku}', 'SKU-MUG')
            .replace('/orders/{id}', '/orders/ord_0123456789abcdef01234567')
            .replace('{id}', 'wh-east'),
        },
      ]
    : [],
);

const call = (route: (typeof keyedRoutes)[number], headers: Record<string, string> = {}) =>
  oms.request(route.method, route.path, route.method === 'GET' ? undefined : '{}', headers);

describe('Given a runtime with two API keys configured (a rotation in progress)', () => {
  it('knows every non-webhook route of the config', () => {
    expect(keyedRoutes.length).toBeGreaterThanOrEqual(14);
  });

  describe.each(keyedRoutes)('When $method $path is called', (route) => {
    it.each([
      ['without Authorization', {}],
      ['with a wrong key', { authorization: 'Bearer oms_key_wrong' }],
      ['with a key but no Bearer scheme', { authorization: KEYS[0] }],
      ['with a truncated key', { authorization: `Bearer ${KEYS[0].slice(0, -1)}` }],
    ])('answers 401 with a Bearer challenge %s', async (_case, headers) => {
      const reply = await call(route, headers);
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
      const raw = await fetch(`${oms.url}${route.path}`, { method: route.method, headers });
      expect(raw.headers.get('www-authenticate')).toBe('Bearer');
    });

    it.each(KEYS)('lets the request through with key %s', async (key) => {
      const reply = await call(route, { authorization: `Bearer ${key}` });
      expect(reply.status, reply.text).not.toBe(401);
      expect(reply.status, reply.text).toBeLessThan(500);
    });
  });

  describe('When a key is used on a read route', () => {
    it('answers it as before', async () => {
      const reply = await oms.request('GET', '/locations', undefined, { authorization: `Bearer ${KEYS[1]}` });
      expect(reply.status).toBe(200);
      expect(reply.body.length).toBeGreaterThanOrEqual(3);
    });
  });

  describe('When an agent signs in for the console', () => {
    const agentRoutes = functions.flatMap((spec) =>
      spec.trigger.kind === 'http' && routeAccess(spec.trigger) === 'agent'
        ? [{ method: spec.trigger.method, path: spec.trigger.path.replace(/\{[^}]+\}/g, 'x') }]
        : [],
    );
    beforeAll(() => {
      oms.agents.addAgent('ann', 'correct horse battery', ['agent']);
    });

    it('gets a token for the right password only, with one 401 for any wrong part', async () => {
      const ok = await oms.request('POST', '/agent/session', {
        username: 'ann',
        password: 'correct horse battery',
      });
      expect(ok.status, ok.text).toBe(201);
      expect(ok.body).toMatchObject({
        token: expect.any(String),
        agent: { username: 'ann', roles: ['agent'] },
      });
      for (const wrong of [
        { username: 'ann', password: 'wrong' },
        { username: 'nobody', password: 'correct horse battery' },
      ]) {
        const reply = await oms.request('POST', '/agent/session', wrong);
        expect(reply.status).toBe(401);
        expect(reply.body.error.message).toBe('unknown username or wrong password');
      }
      const missing = await oms.request('POST', '/agent/session', { username: 'ann' });
      expect(missing.status).toBe(400);
      expect(missing.body.error.fields).toEqual([{ field: 'password', message: expect.any(String) }]);
    });

    it('opens the agent routes with the token and never with an API key', async () => {
      const { body } = await oms.request('POST', '/agent/session', {
        username: 'ann',
        password: 'correct horse battery',
      });
      const me = await oms.request('GET', '/agent/session', undefined, {
        authorization: `Bearer ${body.token}`,
      });
      expect(me.status).toBe(200);
      expect(me.body.agent).toMatchObject({ username: 'ann', roles: ['agent'] });
      expect(agentRoutes.length).toBeGreaterThan(0);
      for (const route of agentRoutes) {
        const withKey = await oms.request(
          route.method,
          route.path,
          route.method === 'GET' ? undefined : '{}',
          {
            authorization: `Bearer ${KEYS[0]}`,
          },
        );
        expect(withKey.status, `${route.method} ${route.path}`).toBe(401);
      }
    });
  });

  describe('When the sales channels deliver signed webhooks without a bearer', () => {
    it('accepts Shopify by its HMAC signature', async () => {
      const body = JSON.stringify(shopifyOrder());
      const reply = await oms.request('POST', '/webhooks/shopify', body, {
        'x-shopify-topic': 'orders/create',
        'x-shopify-hmac-sha256': signShopify(body, TEST_SECRETS.shopify),
      });
      expect(reply.status, reply.text).toBe(201);
    });

    it('accepts WooCommerce by its HMAC signature', async () => {
      const body = JSON.stringify(wooOrder());
      const reply = await oms.request('POST', '/webhooks/woocommerce', body, {
        'x-wc-webhook-topic': 'order.created',
        'x-wc-webhook-signature': signWooCommerce(body, TEST_SECRETS.woocommerce),
      });
      expect(reply.status, reply.text).toBe(201);
    });

    it('accepts Standard Webhooks by its signature', async () => {
      const body = JSON.stringify(standardOrder());
      const headers = standardWebhookHeaders({
        id: `msg_${Date.now()}`,
        timestamp: Math.floor(Date.now() / 1000),
        body,
        secret: TEST_SECRETS.standard,
      });
      const reply = await oms.request('POST', '/webhooks/standard', body, headers);
      expect(reply.status, reply.text).toBe(201);
    });

    it('still refuses a webhook with a bad signature, whatever bearer it carries', async () => {
      const body = JSON.stringify(shopifyOrder());
      const reply = await oms.request('POST', '/webhooks/shopify', body, {
        authorization: `Bearer ${KEYS[0]}`,
        'x-shopify-hmac-sha256': signShopify(body, 'not-the-secret'),
      });
      expect(reply.status).toBe(401);
    });
  });
});
