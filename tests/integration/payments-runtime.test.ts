import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedPaymentGateway } from '../../shared/adapters/simulated/payment-gateway.js';
import { directOrder } from '../support/fixtures.js';
import { eventually, type Reply, startTestRuntime, type TestRuntime } from '../support/runtime.js';

let oms: TestRuntime;
let sequence = 0;

const getOrder = async (id: string) => (await oms.request('GET', `/orders/${id}`)).body;

const orderWhen = (id: string, done: (order: Reply['body']) => boolean) =>
  eventually(async () => {
    const order = await getOrder(id);
    return order && done(order) ? order : undefined;
  }, 20_000);

const available = async (sku: string) =>
  (await oms.request('GET', `/inventory/${sku}`)).body.totals.available as number;

async function placeDirect(email: string) {
  sequence += 1;
  const reply = await oms.request(
    'POST',
    '/orders',
    directOrder({ customer: { email, phone: '+12125550147', name: 'Pay Test' } }),
    {
      'idempotency-key': `payments-runtime-${Date.now()}-${sequence}`,
    },
  );
  expect(reply.status).toBe(201);
  return reply.body.orderId as string;
}

beforeAll(async () => {
  oms = await startTestRuntime();
});
afterAll(async () => {
  await oms?.stop();
});

describe('Given the local runtime running the real order-fulfillment workflow', () => {
  describe('When the card is declined', () => {
    it('ends the order failed with the decline, and no stock stays reserved', async () => {
      const before = await available('SKU-MUG');
      const orderId = await placeDirect('decline@example.com');
      const order = await orderWhen(orderId, (row) => row.status === 'failed');
      expect(order.payment).toMatchObject({ status: 'declined', declineReason: 'card declined (simulated)' });
      expect(order.timeline.map((line: { type: string }) => line.type)).toEqual(
        expect.arrayContaining(['PaymentDeclined', 'OrderFailed']),
      );
      expect(await available('SKU-MUG')).toBe(before);
    });
  });

  describe('When the gateway times out on every retry', () => {
    it('retries with the same key, then voids by that key and ends the order failed', async () => {
      const before = await available('SKU-MUG');
      const orderId = await placeDirect('timeout@example.com');
      const order = await orderWhen(orderId, (row) => row.status === 'failed');
      expect(order.payment).toMatchObject({ status: 'failed', failureReason: 'authorization timed out' });
      expect(order.payment.voidId).toMatch(/^void_/);
      // The first attempt and the workflow's three retries, all under the one key.
      const gateway = oms.deps.payments as SimulatedPaymentGateway;
      expect(gateway.callsFor(`authorize:${orderId}`)).toBe(4);
      expect(order.timeline.map((line: { type: string }) => line.type)).toEqual(
        expect.arrayContaining(['PaymentTimedOut', 'PaymentVoided', 'OrderFailed']),
      );
      expect(await available('SKU-MUG')).toBe(before);
    });
  });

  describe('When a shipped order is refunded over HTTP', () => {
    it('refunds once per key, posts the reversal and keeps the trial balance at zero', async () => {
      const orderId = await placeDirect('refund-http@example.com');
      const picking = await orderWhen(orderId, (row) => row.status === 'picking');
      for (const ticket of picking.pickTickets) {
        const confirmed = await oms.request('POST', `/pick-tickets/${ticket.id}/confirm`, {
          lines: ticket.lines.map(({ sku, quantity }: { sku: string; quantity: number }) => ({
            sku,
            quantity,
          })),
        });
        expect(confirmed.status).toBe(200);
      }
      const shipped = await orderWhen(orderId, (row) => row.status === 'shipped' && row.journal.length > 0);
      const captured = shipped.payment.captured as number;

      const path = `/orders/${orderId}/refunds`;
      const missingKey = await oms.request('POST', path, { amount: 100, reason: 'damaged' });
      expect(missingKey.status).toBe(400);
      expect(missingKey.body.error.fields).toEqual([{ field: 'Idempotency-Key', message: 'required' }]);
      const tooMuch = await oms.request(
        'POST',
        path,
        { amount: captured + 1, reason: 'x' },
        { 'idempotency-key': 'refund-too-much' },
      );
      expect(tooMuch.status).toBe(422);
      const first = await oms.request(
        'POST',
        path,
        { amount: 1000, reason: 'damaged' },
        { 'idempotency-key': 'refund-http-1' },
      );
      expect(first.status).toBe(201);
      expect(first.body.refund).toMatchObject({ amount: 1000, status: 'completed', reason: 'damaged' });
      const again = await oms.request(
        'POST',
        path,
        { amount: 1000, reason: 'damaged' },
        { 'idempotency-key': 'refund-http-1' },
      );
      expect(again.status).toBe(200);
      expect(again.body.duplicate).toBe(true);
      const reused = await oms.request(
        'POST',
        path,
        { amount: 5, reason: 'other' },
        { 'idempotency-key': 'refund-http-1' },
      );
      expect(reused.status).toBe(409);

      const entries = await eventually(async () => {
        const page = (await oms.request('GET', `/ledger/entries?orderId=${orderId}`)).body;
        return page.items?.length === 2 ? page.items : undefined;
      });
      const refundEntry = entries.find((entry: { links: { refundId?: string } }) => entry.links.refundId);
      expect(refundEntry.id).toBe(first.body.refund.journalEntryId);

      const balance = (await oms.request('GET', '/ledger/trial-balance?currency=USD')).body;
      expect(balance.currencies).toHaveLength(1);
      expect(balance.currencies[0].totals.balance).toBe(0);
      const report = (await oms.request('GET', '/ledger/reconciliation')).body;
      expect(report.differences).toEqual([]);
      expect(report.matched).toBeGreaterThanOrEqual(2);
      expect((await oms.request('GET', '/ledger/entries?from=2026-13-01')).status).toBe(400);
    });
  });
});
