import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailHash } from '../../shared/domain/email-hash.js';
import { signShopify } from '../../shared/intake/signatures.js';
import { shopifyOrder, TEST_SECRETS } from '../support/fixtures.js';
import { eventually, startTestRuntime, type TestRuntime } from '../support/runtime.js';

let oms: TestRuntime;

beforeAll(async () => {
  oms = await startTestRuntime();
});

afterAll(async () => {
  await oms?.stop();
});

const deliverShopify = (payload: object, deliveryId: string) => {
  const body = JSON.stringify(payload);
  return oms.request('POST', '/webhooks/shopify', body, {
    'x-shopify-topic': 'orders/create',
    'x-shopify-webhook-id': deliveryId,
    'x-shopify-hmac-sha256': signShopify(body, TEST_SECRETS.shopify),
  });
};

interface Listed {
  template: string;
  channel: string;
  to: string;
  subject: string;
  status: string;
  at: string;
}

describe('Given an order placed, picked and shipped on the local runtime', () => {
  const email = `notified.${Date.now()}@example.com`;
  let orderId: string;
  let listed: Listed[];

  beforeAll(async () => {
    const payload = shopifyOrder({ email });
    const placed = await deliverShopify(payload, `wh-notify-${payload.id}`);
    expect(placed.status, placed.text).toBe(201);
    orderId = placed.body.orderId;
    const picking = await eventually(async () => {
      const order = (await oms.request('GET', `/orders/${orderId}`)).body;
      return order?.status === 'picking' ? order : undefined;
    });
    const [ticket] = picking.pickTickets;
    const confirmed = await oms.request('POST', `/pick-tickets/${ticket.id}/confirm`, {
      lines: ticket.lines.map(({ sku, quantity }: { sku: string; quantity: number }) => ({ sku, quantity })),
    });
    expect(confirmed.status, confirmed.text).toBe(200);
    listed = await eventually(async () => {
      const reply = await oms.request('GET', `/notifications?orderId=${orderId}`);
      const templates = (reply.body?.notifications ?? []).map((n: Listed) => n.template);
      return templates.includes('order-confirmed') && templates.includes('order-shipped')
        ? (reply.body.notifications as Listed[])
        : undefined;
    });
  });

  it('lists "order confirmed" and "shipped" once each, sent by email, the address masked', () => {
    expect(listed.map((n) => n.template).sort()).toEqual(['order-confirmed', 'order-shipped']);
    for (const notification of listed) {
      expect(notification).toMatchObject({ channel: 'email', status: 'sent', to: 'n***@example.com' });
    }
  });

  it('puts both emails in the mailbox under the data dir', () => {
    for (const template of ['order-confirmed', 'order-shipped']) {
      const file = join(oms.dataDir, 'mailbox', orderId, `${template}.eml`);
      expect(existsSync(file), file).toBe(true);
      const eml = readFileSync(file, 'utf8');
      expect(eml).toContain(`To: ${email}`);
      expect(eml).toMatch(/^Subject: /m);
    }
  });

  it('answers 404 for an order that does not exist, and 400 without an order id', async () => {
    expect((await oms.request('GET', '/notifications?orderId=ord_missing')).status).toBe(404);
    expect((await oms.request('GET', '/notifications')).status).toBe(400);
  });
});

describe('Given a customer who sets SMS as the channel', () => {
  const path = `/customers/${emailHash('prefers.sms@example.com')}/notification-preferences`;

  it('defaults to email, then keeps SMS with the phone masked', async () => {
    expect((await oms.request('GET', path)).body).toMatchObject({ channel: 'email', default: true });
    const put = await oms.request('PUT', path, { channel: 'sms', phone: '+12125550147' });
    expect(put.status, put.text).toBe(200);
    expect((await oms.request('GET', path)).body).toMatchObject({
      channel: 'sms',
      phone: '***0147',
      default: false,
    });
  });

  it('refuses an unknown channel or a phone that is not E.164', async () => {
    expect((await oms.request('PUT', path, { channel: 'fax' })).status).toBe(400);
    expect((await oms.request('PUT', path, { channel: 'sms', phone: '2125550147' })).status).toBe(400);
  });
});
