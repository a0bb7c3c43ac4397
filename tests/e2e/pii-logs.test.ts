import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// Everything a handler can log, at the most verbose level, with the event logging a deployment could not
// have left on by mistake: set before any module creates the Powertools logger.
vi.hoisted(() => {
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'DEBUG');
});

import { orderIdFor } from '../../shared/app/place-order.js';
import { signShopify, signWooCommerce, standardWebhookHeaders } from '../../shared/intake/signatures.js';
import { directOrder, shopifyOrder, standardOrder, TEST_SECRETS, wooOrder } from '../support/fixtures.js';
import { eventually, startTestRuntime, type TestRuntime } from '../support/runtime.js';

/** Values no fixture, id or message contains, so finding one in the output can only be a leak. */
const PII = {
  email: 'pii.canary.q7x3@example.org',
  phone: '+44 20 7946 0958 x731',
  street: '731 Canaryvale Crescent',
  name: 'Quentin Canarywhistle',
} as const;

let oms: TestRuntime;
let output = '';
const writes = { stdout: process.stdout.write, stderr: process.stderr.write };

/** Captures what the process writes (and keeps it off the test report) while the requests run. */
function capture() {
  for (const stream of ['stdout', 'stderr'] as const) {
    process[stream].write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      output += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      const done = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      done?.();
      return true;
    }) as typeof process.stdout.write;
  }
}

function release() {
  process.stdout.write = writes.stdout;
  process.stderr.write = writes.stderr;
}

const withPii = <T extends { customer: object; shippingAddress: object }>(data: T): T => ({
  ...data,
  customer: { ...data.customer, email: PII.email, phone: PII.phone, name: PII.name },
  shippingAddress: { ...data.shippingAddress, line1: PII.street, phone: PII.phone, name: PII.name },
});

const shopifyWithPii = () => {
  const order = shopifyOrder({ email: PII.email });
  order.shipping_address = { ...order.shipping_address, address1: PII.street, phone: PII.phone };
  // The fixture has no order-level phone (null), so its type does not allow one.
  return { ...order, phone: PII.phone };
};

const wooWithPii = () => {
  const order = wooOrder();
  order.billing = { ...order.billing, email: PII.email, phone: PII.phone };
  order.shipping = { ...order.shipping, address_1: PII.street };
  return order;
};

const postDirect = (body: unknown, key = `pii-${Math.random().toString(36).slice(2)}`) =>
  oms.request('POST', '/orders', JSON.stringify(body), { 'idempotency-key': key });

const postShopify = (payload: unknown, secret: string = TEST_SECRETS.shopify) => {
  const body = JSON.stringify(payload);
  return oms.request('POST', '/webhooks/shopify', body, {
    'x-shopify-topic': 'orders/create',
    'x-shopify-hmac-sha256': signShopify(body, secret),
  });
};

const postWoo = (payload: unknown) => {
  const body = JSON.stringify(payload);
  return oms.request('POST', '/webhooks/woocommerce', body, {
    'x-wc-webhook-signature': signWooCommerce(body, TEST_SECRETS.woocommerce),
  });
};

const postStandard = (payload: unknown) => {
  const body = JSON.stringify(payload);
  const headers = standardWebhookHeaders({
    id: `msg_pii_${Math.random().toString(36).slice(2)}`,
    timestamp: Math.floor(Date.now() / 1000),
    body,
    secret: TEST_SECRETS.standard,
  });
  return oms.request('POST', '/webhooks/standard', body, headers);
};

beforeAll(async () => {
  capture();
  oms = await startTestRuntime({ pickTimeoutSeconds: 2 });
});

afterAll(async () => {
  try {
    await oms?.stop();
  } finally {
    release();
    vi.unstubAllEnvs();
  }
});

describe('Given orders carrying an email, a phone and a street address, with logging at DEBUG', () => {
  const statuses: number[] = [];

  beforeAll(async () => {
    const valid = withPii(directOrder());
    const placed = await postDirect(valid);
    statuses.push(placed.status);
    const shopify = shopifyWithPii();
    statuses.push((await postShopify(shopify)).status);
    statuses.push((await postWoo(wooWithPii())).status);
    const standard = standardOrder();
    statuses.push((await postStandard({ ...standard, data: withPii(standard.data) })).status);
    statuses.push((await oms.request('GET', `/orders?email=${encodeURIComponent(PII.email)}`)).status);

    const invalid = [
      // Totals that do not add up (422), a bad country and an email that is not one (400).
      postDirect({ ...withPii(directOrder()), total: 1 }),
      postDirect({ ...withPii(directOrder()), shippingAddress: { line1: PII.street, country: 'usa' } }),
      postDirect({ ...withPii(directOrder()), customer: { email: `${PII.street} ${PII.phone}` } }),
      // A value where a number belongs, and PII as the name of unknown keys of strict objects.
      postDirect({ ...withPii(directOrder()), lines: [{ sku: PII.street, quantity: PII.phone }] }),
      oms.request('PUT', '/inventory/wh-east/SKU-MUG', { onHand: 1, [PII.email]: PII.street }),
      oms.request('POST', '/locations', { id: 'pii-store', kind: 'store', name: PII.name, [PII.phone]: 1 }),
      // Not JSON, a signature made with the wrong secret, a Shopify order without line items.
      oms.request('POST', '/orders', `{"customer":{"email":"${PII.email}"`, {
        'idempotency-key': 'pii-bad-json',
      }),
      postShopify(shopifyWithPii(), 'not-the-secret'),
      postShopify({ ...shopifyWithPii(), line_items: [] }),
      postStandard({ type: 'order.created', timestamp: 'yesterday', data: withPii(standardOrder().data) }),
      // PII in the path and the query.
      oms.request('GET', `/orders/${encodeURIComponent(PII.email)}`),
      oms.request('GET', `/orders?email=${encodeURIComponent(PII.street)}`),
      oms.request('POST', `/pick-tickets/${encodeURIComponent(PII.street)}/confirm`, {
        lines: [{ sku: 'SKU-MUG', quantity: 1 }],
      }),
    ];
    for (const reply of await Promise.all(invalid)) statuses.push(reply.status);

    // Let the valid orders run their workflows (allocation, pick wait, timeout or release) to the end of
    // what this runtime does with them, so the task functions' logs are in the capture too.
    const orderId = orderIdFor('direct', valid.externalId ?? '');
    await eventually(async () => {
      const order = (await oms.request('GET', `/orders/${orderId}`)).body;
      return order?.status && order.status !== 'placed' ? order : undefined;
    });
    await new Promise((done) => setTimeout(done, 2500));
  });

  it('placed the valid orders and rejected the others, so every path was exercised', () => {
    expect(statuses.slice(0, 5)).toEqual([201, 201, 201, 201, 200]);
    for (const status of statuses.slice(5)) expect(status).toBeGreaterThanOrEqual(400);
    for (const status of statuses.slice(5)) expect(status).toBeLessThan(500);
  });

  it('logged the requests at DEBUG, so the capture is not empty by accident', () => {
    expect(output).toContain('"level":"INFO"');
    expect(output).toContain('request rejected');
  });

  it.each(Object.entries(PII))('never writes the %s to stdout or stderr', (_field, value) => {
    expect(output).not.toContain(value);
    expect(output).not.toContain(JSON.stringify(value).slice(1, -1));
  });
});
