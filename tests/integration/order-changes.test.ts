import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedPaymentGateway } from '../../shared/adapters/simulated/payment-gateway.js';
import { orderAudit, requestHashOf } from '../../shared/app/agent-actions.js';
import { voidAuthorization } from '../../shared/app/compensate.js';
import { confirmPick } from '../../shared/app/confirm-pick.js';
import { answerShort } from '../../shared/app/fulfillment.js';
import { cancelOrder, changeOrderLines } from '../../shared/app/order-changes.js';
import { workflowName } from '../../shared/app/place-order.js';
import type { AgentRole } from '../../shared/domain/agents.js';
import { ValidationError } from '../../shared/domain/errors.js';
import { formatMinorUnits } from '../../shared/domain/money.js';
import type { Deps } from '../../shared/runtime/deps.js';
import { keys } from '../../shared/store/keys.js';
import { findPickTicket, getOrderRecord } from '../../shared/store/orders.js';
import { directOrder } from '../support/fixtures.js';
import { eventually, type Reply, startTestRuntime, type TestRuntime } from '../support/runtime.js';

/**
 * Agents' order changes before the pick (docs/customer-service.md#order-changes), over HTTP against the
 * embedded runtime with the real workflow. The fixture order: 2 × SKU-TSHIRT-M at 25.00 with 5.00 off,
 * 1 × SKU-MUG at 12.50, shipping 5.99, tax 5.10, total 68.59 USD.
 */

let oms: TestRuntime;
let asAnn: Record<string, string>;
/** A supervisor: only that role adds a SKU the order does not have. */
let asSue: Record<string, string>;
let sequence = 0;

type Line = { sku: string; quantity: number };
type Timeline = { type: string; detail?: Record<string, unknown> }[];

const gateway = () => oms.deps.payments as SimulatedPaymentGateway;
const getOrder = async (id: string) => (await oms.request('GET', `/orders/${id}`)).body;
const orderWhen = (id: string, done: (order: Reply['body']) => boolean) =>
  eventually(async () => {
    const order = await getOrder(id);
    return order && done(order) ? order : undefined;
  }, 20_000);
const available = async (sku: string) =>
  ((await oms.request('GET', `/inventory/${sku}`)).body.totals?.available ?? 0) as number;
const availableAt = async (sku: string, locationId: string) =>
  ((await oms.request('GET', `/inventory/${sku}`)).body.locations ?? []).find(
    (row: { locationId: string }) => row.locationId === locationId,
  )?.available as number | undefined;

async function placeOrder(
  status: string,
  lines?: { sku: string; quantity: number; unitPrice: number }[],
): Promise<Reply['body']> {
  sequence += 1;
  const subtotal = (lines ?? []).reduce((sum, line) => sum + line.quantity * line.unitPrice, 0);
  const body = lines
    ? directOrder({
        lines: lines.map((line) => ({ ...line, name: line.sku, discount: 0 })),
        shipping: 500,
        tax: 0,
        discount: 0,
        total: subtotal + 500,
      })
    : directOrder();
  const reply = await oms.request('POST', '/orders', body, {
    'idempotency-key': `order-changes-${Date.now()}-${sequence}`,
  });
  expect(reply.status, reply.text).toBe(201);
  return await orderWhen(reply.body.orderId, (order) => order.status === status);
}

const placePicking = () => placeOrder('picking');

const stock = async (locationId: string, sku: string, onHand: number) => {
  const reply = await oms.request('PUT', `/inventory/${locationId}/${sku}`, { onHand });
  expect(reply.status, reply.text).toBeLessThan(300);
};

const trialBalance = async () =>
  (await oms.request('GET', '/ledger/trial-balance?currency=USD')).body.currencies[0].totals.balance;

const post = (path: string, body: object, key: string, headers = asAnn) =>
  oms.request('POST', path, body, { ...headers, 'idempotency-key': key });

async function confirmAll(order: Reply['body']) {
  for (const ticket of order.pickTickets.filter((row: { status: string }) => row.status === 'open')) {
    const confirmed = await oms.request('POST', `/pick-tickets/${ticket.id}/confirm`, {
      lines: ticket.lines.map(({ sku, quantity }: Line) => ({ sku, quantity })),
    });
    expect(confirmed.status, confirmed.text).toBe(200);
  }
}

const agentLines = (timeline: Timeline, type: string) => timeline.filter((line) => line.type === type);

/** The order's notification records (`GET /notifications?orderId=`), by template (record key). */
const notified = async (orderId: string): Promise<string[]> =>
  ((await oms.request('GET', `/notifications?orderId=${orderId}`)).body.notifications ?? []).map(
    (row: { template: string }) => row.template,
  );
const notifiedWhen = (orderId: string, template: string) =>
  eventually(async () => {
    const templates = await notified(orderId);
    return templates.includes(template) ? templates : undefined;
  }, 20_000);
/** The local mailbox of the order (`<data dir>/mailbox/<orderId>/`): one file per message sent. */
const mailbox = (orderId: string) => readdirSync(join(oms.dataDir, 'mailbox', orderId)).sort();
/** A message of the mailbox: its headers, and its text (the body is base64) with plain newlines. */
const mail = (orderId: string, file: string) => {
  const eml = readFileSync(join(oms.dataDir, 'mailbox', orderId, file), 'utf8');
  const [headers = '', body = ''] = eml.split('\r\n\r\n');
  return `${headers}\n\n${Buffer.from(body, 'base64').toString('utf8').replace(/\r\n/g, '\n')}`;
};
/** Everything written so far has been published and every routed message consumed. */
const settled = async () => {
  await oms.stream.drain();
  await oms.queues.notifications.drain(20_000);
};

beforeAll(async () => {
  oms = await startTestRuntime({ pickTimeoutSeconds: 1800 });
  oms.agents.addAgent('ann', 'order changes pw 1', ['agent']);
  oms.agents.addAgent('nobody', 'order changes pw 2', []);
  const session = await oms.request('POST', '/agent/session', {
    username: 'ann',
    password: 'order changes pw 1',
  });
  expect(session.status).toBe(201);
  asAnn = { authorization: `Bearer ${session.body.token}` };
  oms.agents.addAgent('sue', 'order changes pw 3', ['supervisor']);
  const supervisor = await oms.request('POST', '/agent/session', {
    username: 'sue',
    password: 'order changes pw 3',
  });
  expect(supervisor.status).toBe(201);
  asSue = { authorization: `Bearer ${supervisor.body.token}` };
}, 60_000);

afterAll(async () => {
  await oms?.stop();
});

describe('Given an order waiting for its pick', () => {
  describe('When an agent cancels the whole order', () => {
    it('releases the stock, voids the authorization, cancels the tickets and ends the workflow', async () => {
      const before = { shirt: await available('SKU-TSHIRT-M'), mug: await available('SKU-MUG') };
      const order = await placePicking();
      expect(await available('SKU-TSHIRT-M')).toBe(before.shirt - 2);
      const authorizationId = order.payment.authorizationId as string;
      expect(gateway().inspect(authorizationId)?.status).toBe('authorized');

      const path = `/agent/orders/${order.id}/cancellation`;
      const reply = await post(path, { reason: 'customer changed their mind' }, 'cancel-whole-0001');
      expect(reply.status, reply.text).toBe(201);
      expect(reply.body).toMatchObject({
        duplicate: false,
        whole: true,
        cancelled: [
          { sku: 'SKU-TSHIRT-M', quantity: 2 },
          { sku: 'SKU-MUG', quantity: 1 },
        ],
        payment: { before: 6859, after: 0, action: 'voided' },
        order: {
          status: 'cancelled',
          payment: { status: 'voided' },
          cancellation: { reason: 'customer changed their mind', by: { username: 'ann' } },
        },
      });
      expect(reply.body.released.reduce((sum: number, row: Line) => sum + row.quantity, 0)).toBe(3);
      expect(reply.body.order.pickTickets.map((ticket: { status: string }) => ticket.status)).toEqual(
        order.pickTickets.map(() => 'cancelled'),
      );
      expect(gateway().inspect(authorizationId)?.status).toBe('voided');
      expect({ shirt: await available('SKU-TSHIRT-M'), mug: await available('SKU-MUG') }).toEqual(before);

      const [line] = agentLines(reply.body.order.timeline, 'OrderCancelled');
      expect(line?.detail).toMatchObject({
        by: { username: 'ann' },
        reason: 'customer changed their mind',
      });
      const audit = await orderAudit(oms.deps, order.id);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        kind: 'order.cancelled',
        username: 'ann',
        reason: 'customer changed their mind',
      });

      // The Standard execution was answered and ended; its compensation never ran on the cancelled order.
      const record = await getOrderRecord(oms.deps, order.id);
      await eventually(async () =>
        record && !(await oms.deps.workflows.isRunning(workflowName(record))) ? true : undefined,
      );
      const after = await getOrder(order.id);
      expect(after.status).toBe('cancelled');
      expect(after.timeline.map((row: { type: string }) => row.type)).not.toContain('OrderFailed');

      // The same key again: the stored answer, nothing done twice.
      const again = await post(path, { reason: 'customer changed their mind' }, 'cancel-whole-0001');
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ duplicate: true, payment: { action: 'voided' } });
      expect({ shirt: await available('SKU-TSHIRT-M'), mug: await available('SKU-MUG') }).toEqual(before);
      expect(await orderAudit(oms.deps, order.id)).toHaveLength(1);
      expect(agentLines((await getOrder(order.id)).timeline, 'OrderCancelled')).toHaveLength(1);

      // The same key for another request is refused; a new key on an ended order is a 409 naming it.
      const reused = await post(path, { reason: 'something else' }, 'cancel-whole-0001');
      expect(reused.status).toBe(409);
      expect(reused.body.error.message).toMatch(/Idempotency-Key/);
      const ended = await post(path, { reason: 'again' }, 'cancel-whole-0002');
      expect(ended.status).toBe(409);
      expect(ended.body.error.message).toMatch(/is cancelled.*returns handle/);
    });
  });

  describe('When an agent cancels one unit of a line, and the rest ships', () => {
    it('releases exactly that unit, reduces the card amount, and the capture takes the reduced amount', async () => {
      const order = await placePicking();
      const shirtBefore = await available('SKU-TSHIRT-M');
      const mugBefore = await available('SKU-MUG');

      const reply = await post(
        `/agent/orders/${order.id}/cancellation`,
        { reason: 'one shirt is enough', lines: [{ sku: 'SKU-TSHIRT-M', quantity: 1 }] },
        'cancel-line-0001',
      );
      expect(reply.status, reply.text).toBe(201);
      // One shirt: 2500 less its 250 of the line discount, plus floor(510 × 2250 / 5750) = 199 of tax.
      expect(reply.body.payment).toEqual({ before: 6859, after: 6859 - 2449, action: 'reduced' });
      expect(reply.body.whole).toBe(false);
      expect(reply.body.cancelled).toEqual([{ sku: 'SKU-TSHIRT-M', quantity: 1 }]);
      expect(reply.body.released).toEqual([
        { locationId: expect.any(String), sku: 'SKU-TSHIRT-M', quantity: 1 },
      ]);
      expect(reply.body.order).toMatchObject({
        status: 'picking',
        lines: [
          { sku: 'SKU-TSHIRT-M', quantity: 1, discount: 250 },
          { sku: 'SKU-MUG', quantity: 1 },
        ],
        totals: { subtotal: 3750, discount: 250, shipping: 599, tax: 311, grand: 4410 },
        payment: { amount: 4410, status: 'authorized' },
      });
      expect(await available('SKU-TSHIRT-M')).toBe(shirtBefore + 1);
      expect(await available('SKU-MUG')).toBe(mugBefore);
      // The view's allocations show what is still held, not the units that went back.
      const allocated = reply.body.order.allocations.flatMap(
        (allocation: { lines: Line[] }) => allocation.lines,
      );
      expect(
        allocated
          .filter((line: Line) => line.sku === 'SKU-TSHIRT-M')
          .reduce((sum: number, line: Line) => sum + line.quantity, 0),
      ).toBe(1);
      const shirts = reply.body.order.pickTickets
        .flatMap((ticket: { lines: Line[] }) => ticket.lines)
        .filter((line: Line) => line.sku === 'SKU-TSHIRT-M');
      expect(shirts.reduce((sum: number, line: Line) => sum + line.quantity, 0)).toBe(1);
      const [line] = agentLines(reply.body.order.timeline, 'OrderLinesCancelled');
      expect(line?.detail).toMatchObject({
        by: { username: 'ann' },
        reason: 'one shirt is enough',
        value: 2449,
      });
      expect(await orderAudit(oms.deps, order.id)).toMatchObject([
        { kind: 'order.cancelled', username: 'ann', reason: 'one shirt is enough' },
      ]);

      await confirmAll(reply.body.order);
      const shipped = await orderWhen(order.id, (row) => row.status === 'shipped' && row.journal.length > 0);
      expect(shipped.payment).toMatchObject({ captured: 4410, status: 'captured' });
      expect(gateway().inspect(order.payment.authorizationId)).toMatchObject({
        captured: 4410,
        status: 'closed',
      });
      expect(await trialBalance()).toBe(0);
      const report = (await oms.request('GET', '/ledger/reconciliation')).body;
      expect(report.differences).toEqual([]);
    });
  });

  describe('When an agent adds a line', () => {
    it('reserves the units on the ticket at that location and authorizes the bigger amount', async () => {
      const order = await placePicking();
      const locationId = order.pickTickets[0].locationId as string;
      const stocked = await oms.request('PUT', `/inventory/${locationId}/SKU-CAP-CHANGES`, { onHand: 10 });
      expect(stocked.status, stocked.text).toBeLessThan(300);
      const oldAuthorization = order.payment.authorizationId as string;

      const reply = await post(
        `/agent/orders/${order.id}/lines`,
        { reason: 'customer wants caps too', add: [{ sku: 'SKU-CAP-CHANGES', quantity: 2, unitPrice: 999 }] },
        'add-line-0001',
        asSue,
      );
      expect(reply.status, reply.text).toBe(201);
      // 1998 of caps, and floor(510 × 1998 / 5750) = 177 of tax at the order's rate.
      expect(reply.body.payment).toEqual({ before: 6859, after: 6859 + 1998 + 177, action: 'authorized' });
      expect(reply.body.reserved).toEqual([{ locationId, sku: 'SKU-CAP-CHANGES', quantity: 2 }]);
      const newAuthorization = reply.body.order.payment.authorizationId as string;
      expect(newAuthorization).not.toBe(oldAuthorization);
      expect(gateway().inspect(newAuthorization)).toMatchObject({ status: 'authorized', amount: 9034 });
      expect(gateway().inspect(oldAuthorization)?.status).toBe('voided');
      expect(await availableAt('SKU-CAP-CHANGES', locationId)).toBe(8);
      const ticket = reply.body.order.pickTickets.find(
        (row: { locationId: string }) => row.locationId === locationId,
      );
      expect(ticket.lines).toEqual(
        expect.arrayContaining([expect.objectContaining({ sku: 'SKU-CAP-CHANGES', quantity: 2 })]),
      );
      expect(reply.body.order.lines).toContainEqual({
        sku: 'SKU-CAP-CHANGES',
        quantity: 2,
        unitPrice: 999,
        discount: 0,
      });
      expect(reply.body.order.totals).toMatchObject({ subtotal: 6250 + 1998, tax: 510 + 177, grand: 9034 });
      expect(await orderAudit(oms.deps, order.id)).toMatchObject([
        { kind: 'order.lines-changed', username: 'sue', reason: 'customer wants caps too' },
      ]);
      const types = reply.body.order.timeline.map((row: { type: string }) => row.type);
      expect(types).toEqual(expect.arrayContaining(['OrderLinesAdded', 'PaymentReauthorized']));

      const again = await post(
        `/agent/orders/${order.id}/lines`,
        { reason: 'customer wants caps too', add: [{ sku: 'SKU-CAP-CHANGES', quantity: 2, unitPrice: 999 }] },
        'add-line-0001',
        asSue,
      );
      expect(again.status).toBe(200);
      expect(again.body.duplicate).toBe(true);
      expect(await availableAt('SKU-CAP-CHANGES', locationId)).toBe(8);
      expect(
        gateway().callsFor(
          `reauthorize:${reply.body.order.timeline.find((row: { type: string }) => row.type === 'OrderLinesAdded').detail.actionId}:${requestHashOf(
            {
              reason: 'customer wants caps too',
              add: [{ sku: 'SKU-CAP-CHANGES', quantity: 2, unitPrice: 999 }],
              remove: null,
            },
          ).slice(0, 8)}:${order.updatedAt}`,
        ),
      ).toBe(1);

      // Picked and shipped: the capture is the new authorization's full amount, and the books balance.
      await confirmAll(reply.body.order);
      const shipped = await orderWhen(order.id, (row) => row.status === 'shipped' && row.journal.length > 0);
      expect(shipped.payment.captured).toBe(9034);
      expect(await trialBalance()).toBe(0);
    });

    it('refuses a SKU no location has (409 naming it) and changes nothing', async () => {
      const order = await placePicking();
      const reply = await post(
        `/agent/orders/${order.id}/lines`,
        { reason: 'add a thing', add: [{ sku: 'SKU-NOWHERE-CHANGES', quantity: 1, unitPrice: 500 }] },
        'add-none-0001',
      );
      expect(reply.status).toBe(409);
      expect(reply.body.error.message).toMatch(/SKU-NOWHERE-CHANGES/);
      const after = await getOrder(order.id);
      expect(after.lines).toEqual(order.lines);
      expect(after.payment).toEqual(order.payment);
      expect(await orderAudit(oms.deps, order.id)).toEqual([]);
    });
  });

  describe('When the card declines the bigger amount', () => {
    it('answers 402 and changes nothing: no line, no stock, no audit', async () => {
      const order = await placePicking();
      const locationId = order.pickTickets[0].locationId as string;
      await stock(locationId, 'SKU-DECLINED-CHANGES', 5);
      const gw = gateway();
      const authorize = gw.authorize.bind(gw);
      gw.authorize = async (request) =>
        request.idempotencyKey.startsWith('reauthorize:')
          ? { approved: false as const, reason: 'insufficient funds (test)' }
          : await authorize(request);
      try {
        const reply = await post(
          `/agent/orders/${order.id}/lines`,
          { reason: 'one more', add: [{ sku: 'SKU-DECLINED-CHANGES', quantity: 1, unitPrice: 5000 }] },
          'add-declined-0001',
          asSue,
        );
        expect(reply.status).toBe(402);
        expect(reply.body.error.message).toMatch(/declined/);
      } finally {
        gw.authorize = authorize;
      }
      const after = await getOrder(order.id);
      expect(after.lines).toEqual(order.lines);
      expect(after.payment).toEqual(order.payment);
      expect(after.pickTickets).toEqual(order.pickTickets);
      expect(await availableAt('SKU-DECLINED-CHANGES', locationId)).toBe(5);
      expect(await orderAudit(oms.deps, order.id)).toEqual([]);
    });
  });

  describe('When an order split over two warehouses loses every unit of one of them', () => {
    it('cancels that ticket, releases its stock, and the other ticket ships for the reduced amount', async () => {
      await stock('wh-east', 'SKU-EAST-CHANGES', 5);
      await stock('wh-west', 'SKU-WEST-CHANGES', 5);
      const order = await placeOrder('picking', [
        { sku: 'SKU-EAST-CHANGES', quantity: 1, unitPrice: 1000 },
        { sku: 'SKU-WEST-CHANGES', quantity: 2, unitPrice: 2000 },
      ]);
      expect(order.pickTickets.map((ticket: { locationId: string }) => ticket.locationId).sort()).toEqual([
        'wh-east',
        'wh-west',
      ]);
      expect(await availableAt('SKU-WEST-CHANGES', 'wh-west')).toBe(3);

      const reply = await post(
        `/agent/orders/${order.id}/lines`,
        { reason: 'out of budget', remove: [{ sku: 'SKU-WEST-CHANGES', quantity: 2 }] },
        'remove-west-0001',
      );
      expect(reply.status, reply.text).toBe(201);
      expect(reply.body.payment).toEqual({ before: 5500, after: 1500, action: 'reduced' });
      expect(reply.body.removed).toEqual([{ sku: 'SKU-WEST-CHANGES', quantity: 2 }]);
      expect(reply.body.released).toEqual([{ locationId: 'wh-west', sku: 'SKU-WEST-CHANGES', quantity: 2 }]);
      expect(await availableAt('SKU-WEST-CHANGES', 'wh-west')).toBe(5);
      const west = reply.body.order.pickTickets.find(
        (row: { locationId: string }) => row.locationId === 'wh-west',
      );
      expect(west.status).toBe('cancelled');
      expect(reply.body.order.lines).toEqual([
        { sku: 'SKU-EAST-CHANGES', name: 'SKU-EAST-CHANGES', quantity: 1, unitPrice: 1000, discount: 0 },
      ]);

      await confirmAll(reply.body.order);
      const shipped = await orderWhen(order.id, (row) => row.status === 'shipped' && row.journal.length > 0);
      expect(shipped.payment.captured).toBe(1500);
      expect(await trialBalance()).toBe(0);
    });
  });

  describe('When the added units are only at another warehouse', () => {
    it('opens a ticket there that ships on its own, and the two captures add up to the new amount', async () => {
      await stock('wh-east', 'SKU-ONE-CHANGES', 5);
      await stock('wh-west', 'SKU-FAR-CHANGES', 5);
      const order = await placeOrder('picking', [{ sku: 'SKU-ONE-CHANGES', quantity: 1, unitPrice: 1000 }]);
      expect(order.pickTickets).toHaveLength(1);
      const reply = await post(
        `/agent/orders/${order.id}/lines`,
        { reason: 'add the far one', add: [{ sku: 'SKU-FAR-CHANGES', quantity: 1, unitPrice: 700 }] },
        'add-far-0001',
        asSue,
      );
      expect(reply.status, reply.text).toBe(201);
      // No tax on this order: the card pays 1000 + 500 + 700.
      expect(reply.body.payment).toEqual({ before: 1500, after: 2200, action: 'authorized' });
      expect(reply.body.reserved).toEqual([{ locationId: 'wh-west', sku: 'SKU-FAR-CHANGES', quantity: 1 }]);
      const added = reply.body.order.pickTickets.find(
        (row: { locationId: string }) => row.locationId === 'wh-west',
      );
      expect(added).toMatchObject({
        status: 'open',
        firstWave: false,
        lines: [{ sku: 'SKU-FAR-CHANGES', quantity: 1 }],
      });
      expect(await availableAt('SKU-FAR-CHANGES', 'wh-west')).toBe(4);

      await confirmAll(reply.body.order);
      const shipped = await orderWhen(order.id, (row) => row.status === 'shipped' && row.journal.length >= 2);
      expect(shipped.payment.captured).toBe(2200);
      expect(
        shipped.payment.captures
          .map((row: { amount: number }) => row.amount)
          .reduce((a: number, b: number) => a + b, 0),
      ).toBe(2200);
      expect(await trialBalance()).toBe(0);
    });
  });

  describe('When units are removed from the last open ticket the Standard workflow waits for', () => {
    it('answers the wait (nothing picked there), ends the execution, and the added ticket ships the rest', async () => {
      await stock('wh-east', 'SKU-SOLO-CHANGES', 5);
      await stock('wh-west', 'SKU-SWAP-CHANGES', 5);
      const order = await placeOrder('picking', [{ sku: 'SKU-SOLO-CHANGES', quantity: 1, unitPrice: 1000 }]);
      const [east] = order.pickTickets;
      expect(east).toMatchObject({ locationId: 'wh-east', status: 'open' });
      const record = await getOrderRecord(oms.deps, order.id);
      if (!record) throw new Error('the order was not stored');
      expect(await oms.deps.workflows.isRunning(workflowName(record))).toBe(true);

      // Only wh-west has it: a ticket of its own there (not first wave), the workflow still waits for wh-east.
      const added = await post(
        `/agent/orders/${order.id}/lines`,
        { reason: 'swap for the other one', add: [{ sku: 'SKU-SWAP-CHANGES', quantity: 1, unitPrice: 700 }] },
        'swap-add-0001',
        asSue,
      );
      expect(added.status, added.text).toBe(201);
      const west = added.body.order.pickTickets.find(
        (row: { locationId: string }) => row.locationId === 'wh-west',
      );
      expect(west).toMatchObject({ status: 'open', firstWave: false });
      expect(await oms.deps.workflows.isRunning(workflowName(record))).toBe(true);

      const removed = await post(
        `/agent/orders/${order.id}/lines`,
        { reason: 'swap for the other one', remove: [{ sku: 'SKU-SOLO-CHANGES', quantity: 1 }] },
        'swap-remove-0001',
      );
      expect(removed.status, removed.text).toBe(201);
      expect(removed.body.payment).toEqual({ before: 2200, after: 1200, action: 'reduced' });
      expect(removed.body.released).toEqual([
        { locationId: 'wh-east', sku: 'SKU-SOLO-CHANGES', quantity: 1 },
      ]);
      expect(await availableAt('SKU-SOLO-CHANGES', 'wh-east')).toBe(5);
      const tickets = Object.fromEntries(
        removed.body.order.pickTickets.map((row: { id: string; status: string }) => [row.id, row.status]),
      );
      expect(tickets).toEqual({ [east.id]: 'cancelled', [west.id]: 'open' });

      // The wait was answered as an empty pick with a re-routed ticket to come: the execution ends without
      // compensating (no void, no release of the wh-west units, no failure).
      await eventually(async () =>
        (await oms.deps.workflows.isRunning(workflowName(record))) ? undefined : true,
      );
      const waited = await getOrder(order.id);
      expect(waited.status).toBe('picking');
      expect(waited.payment).toMatchObject({ status: 'authorized', amount: 1200 });
      expect(waited.timeline.map((row: { type: string }) => row.type)).not.toContain('OrderFailed');
      expect(await availableAt('SKU-SWAP-CHANGES', 'wh-west')).toBe(4);

      await confirmAll(waited);
      const shipped = await orderWhen(order.id, (row) => row.status === 'shipped' && row.journal.length > 0);
      expect(shipped.shipments).toHaveLength(1);
      expect(shipped.payment).toMatchObject({ captured: 1200, status: 'captured' });
      expect(await trialBalance()).toBe(0);
    });
  });

  describe('When a backordered order is cancelled', () => {
    it('voids the authorization it kept and ends cancelled', async () => {
      const order = await placeOrder('backordered', [
        { sku: 'SKU-NONE-CHANGES', quantity: 1, unitPrice: 900 },
      ]);
      expect(order.payment.status).toBe('authorized');
      const reply = await post(
        `/agent/orders/${order.id}/cancellation`,
        { reason: 'waited too long' },
        'cancel-bo-0001',
      );
      expect(reply.status, reply.text).toBe(201);
      expect(reply.body).toMatchObject({
        released: [],
        payment: { before: 1400, after: 0, action: 'voided' },
        order: { status: 'cancelled', backorder: null, payment: { status: 'voided' } },
      });
      expect(gateway().inspect(order.payment.authorizationId)?.status).toBe('voided');
    });
  });

  describe('When a line was already picked', () => {
    it('refuses the cancellation with a 409 and changes nothing', async () => {
      const order = await placePicking();
      await confirmAll(order);
      const shirt = await available('SKU-TSHIRT-M');
      const reply = await post(
        `/agent/orders/${order.id}/cancellation`,
        { reason: 'too late' },
        'cancel-late-0001',
      );
      expect(reply.status).toBe(409);
      expect(reply.body.error.message).toMatch(/picked|shipped/);
      const after = await getOrder(order.id);
      expect(after.status).not.toBe('cancelled');
      expect(after.payment.status).not.toBe('voided');
      expect(await available('SKU-TSHIRT-M')).toBe(shirt);
      expect(await orderAudit(oms.deps, order.id)).toEqual([]);
    });
  });

  describe('When the caller is not a signed-in agent', () => {
    it('answers 401 without a token and 403 to an agent without a role', async () => {
      const order = await placePicking();
      const path = `/agent/orders/${order.id}/cancellation`;
      expect((await post(path, { reason: 'x' }, 'cancel-auth-0001', {})).status).toBe(401);
      const session = await oms.request('POST', '/agent/session', {
        username: 'nobody',
        password: 'order changes pw 2',
      });
      const noRole = await post(path, { reason: 'x' }, 'cancel-auth-0002', {
        authorization: `Bearer ${session.body.token}`,
      });
      expect(session.status).toBe(201);
      expect(noRole.status).toBe(403);
      const missingKey = await oms.request('POST', path, { reason: 'x' }, asAnn);
      expect(missingKey.status).toBe(400);
      expect((await getOrder(order.id)).status).toBe('picking');
    });
  });
});

describe('Given an order an agent cancels', () => {
  describe('When the whole order is cancelled', () => {
    it('tells the customer once that customer service cancelled it, and nothing more on a retry', async () => {
      const order = await placePicking();
      await notifiedWhen(order.id, 'order-confirmed');
      const path = `/agent/orders/${order.id}/cancellation`;
      const reply = await post(path, { reason: 'asked by phone' }, 'notify-whole-0001');
      expect(reply.status, reply.text).toBe(201);

      await notifiedWhen(order.id, 'order-cancelled-by-agent');
      const again = await post(path, { reason: 'asked by phone' }, 'notify-whole-0001');
      expect(again.status).toBe(200);
      expect(again.body.duplicate).toBe(true);
      await settled();
      // Not the failure message ("we could not complete your order") either.
      expect((await notified(order.id)).sort()).toEqual(['order-cancelled-by-agent', 'order-confirmed']);
      expect(mailbox(order.id)).toEqual(['order-cancelled-by-agent.eml', 'order-confirmed.eml']);
      const email = mail(order.id, 'order-cancelled-by-agent.eml');
      expect(email).toContain('To: ada.lovelace@example.com');
      expect(email).toContain(`Subject: Order ${order.orderNumber} cancelled`);
      expect(email).toMatch(/cancelled by our customer service team/);
      expect(email).toMatch(/You will not be charged/);
    });
  });

  describe('When some units are cancelled, twice', () => {
    it('tells the customer once per cancellation, with the lines and the new total, and nothing on a retry', async () => {
      const order = await placePicking();
      await notifiedWhen(order.id, 'order-confirmed');
      const path = `/agent/orders/${order.id}/cancellation`;
      const first = await post(
        path,
        { reason: 'one shirt is enough', lines: [{ sku: 'SKU-TSHIRT-M', quantity: 1 }] },
        'notify-part-0001',
      );
      expect(first.status, first.text).toBe(201);
      const firstAction = agentLines(first.body.order.timeline, 'OrderLinesCancelled')[0]?.detail
        ?.actionId as string;
      expect(firstAction).toMatch(/^act_/);
      await notifiedWhen(order.id, `order-lines-cancelled:${firstAction}`);

      const retry = await post(
        path,
        { reason: 'one shirt is enough', lines: [{ sku: 'SKU-TSHIRT-M', quantity: 1 }] },
        'notify-part-0001',
      );
      expect(retry.status).toBe(200);
      await settled();
      expect((await notified(order.id)).sort()).toEqual([
        'order-confirmed',
        `order-lines-cancelled:${firstAction}`,
      ]);
      const firstMail = mail(order.id, `order-lines-cancelled_${firstAction}.eml`);
      expect(firstMail).toContain(`Subject: Items cancelled from order ${order.orderNumber}`);
      expect(firstMail).toContain('- 1 × Classic T-Shirt - M');
      // 68.59 less the shirt's 24.49 (see the one-unit test above).
      expect(first.body.order.totals.grand).toBe(4410);
      expect(firstMail).toContain('New total: 44.10 USD.');

      // The mug goes too (its line goes whole): a message of its own, named from the line it had.
      const second = await post(
        path,
        { reason: 'no mug', lines: [{ sku: 'SKU-MUG', quantity: 1 }] },
        'notify-part-0002',
      );
      expect(second.status, second.text).toBe(201);
      const secondAction = agentLines(second.body.order.timeline, 'OrderLinesCancelled').find(
        (line) => line.detail?.actionId !== firstAction,
      )?.detail?.actionId as string;
      await notifiedWhen(order.id, `order-lines-cancelled:${secondAction}`);
      await settled();
      expect(
        (await notified(order.id)).filter((name) => name.startsWith('order-lines-cancelled')),
      ).toHaveLength(2);
      expect(mailbox(order.id)).toHaveLength(3);
      const secondMail = mail(order.id, `order-lines-cancelled_${secondAction}.eml`);
      expect(secondMail).toContain('- 1 × Ceramic Mug');
      const total = second.body.order.totals.grand as number;
      expect(total).toBeLessThan(4410);
      expect(secondMail).toContain(`New total: ${formatMinorUnits(total, 'USD')} USD.`);
      expect(secondMail).not.toContain('T-Shirt');
    });
  });
});

/**
 * The runtime's deps with `hook` run once, just before the first DynamoDB command `when` picks is sent: the
 * window between a read and its conditional write, where a concurrent request lands.
 */
function racedDeps(when: (command: object) => boolean, hook: () => Promise<void>): Deps {
  const db = oms.deps.db;
  let fired = false;
  const send = async (command: Parameters<typeof db.send>[0]) => {
    if (!fired && when(command)) {
      fired = true;
      await hook();
    }
    return await db.send(command);
  };
  return {
    ...oms.deps,
    db: new Proxy(db, { get: (target, name) => (name === 'send' ? send : Reflect.get(target, name)) }),
  };
}

const actionOf = (username: string, roles: AgentRole[], reason: string, idempotencyKey: string) => ({
  agent: { id: `id-${username}`, username, roles },
  reason,
  idempotencyKey,
});

describe('Given a pick confirmation and an agent change at the same moment', () => {
  describe('When the change commits between the confirmation’s read and its write', () => {
    it('compares the pick again with the changed ticket: the old quantities are refused, the new ones confirm', async () => {
      await stock('wh-east', 'SKU-RACE-A-CHANGES', 10);
      const order = await placeOrder('picking', [
        { sku: 'SKU-RACE-A-CHANGES', quantity: 2, unitPrice: 1000 },
      ]);
      const [ticket] = order.pickTickets;
      const raced = racedDeps(
        (command) => command instanceof UpdateCommand,
        async () => {
          const change = await post(
            `/agent/orders/${order.id}/cancellation`,
            { reason: 'one is enough', lines: [{ sku: 'SKU-RACE-A-CHANGES', quantity: 1 }] },
            'race-confirm-0001',
          );
          expect(change.status, change.text).toBe(201);
        },
      );
      // The picker picked the 2 the ticket asked for when read; the change left 1 on it before the write.
      await expect(
        confirmPick(raced, { pickTicketId: ticket.id, lines: [{ sku: 'SKU-RACE-A-CHANGES', quantity: 2 }] }),
      ).rejects.toBeInstanceOf(ValidationError);
      const after = await getOrder(order.id);
      const open = after.pickTickets.find((row: { id: string }) => row.id === ticket.id);
      expect(open).toMatchObject({ status: 'open', lines: [{ sku: 'SKU-RACE-A-CHANGES', quantity: 1 }] });
      const confirmed = await confirmPick(oms.deps, {
        pickTicketId: ticket.id,
        lines: [{ sku: 'SKU-RACE-A-CHANGES', quantity: 1 }],
      });
      expect(confirmed).toMatchObject({ status: 'confirmed', duplicate: false });
      // A duplicate of it is still answered as before.
      const again = await confirmPick(oms.deps, {
        pickTicketId: ticket.id,
        lines: [{ sku: 'SKU-RACE-A-CHANGES', quantity: 1 }],
      });
      expect(again).toMatchObject({ status: 'confirmed', duplicate: true });
      const shipped = await orderWhen(order.id, (row) => row.status === 'shipped' && row.journal.length > 0);
      expect(shipped.payment.captured).toBe(1500);
      expect(await trialBalance()).toBe(0);
    });
  });

  describe('When the change commits while a short pick is being answered', () => {
    it('compares the pick with the changed ticket: what was short of 2 is the whole of 1, confirmed', async () => {
      await stock('wh-east', 'SKU-RACE-S-CHANGES', 10);
      const order = await placeOrder('picking', [
        { sku: 'SKU-RACE-S-CHANGES', quantity: 2, unitPrice: 1000 },
      ]);
      const [ticket] = order.pickTickets;
      // The window: after confirm-pick read the ticket (2 asked), before the short answer reads the order.
      const raced = racedDeps(
        (command) => command instanceof QueryCommand,
        async () => {
          const change = await post(
            `/agent/orders/${order.id}/cancellation`,
            { reason: 'one is enough', lines: [{ sku: 'SKU-RACE-S-CHANGES', quantity: 1 }] },
            'race-short-0001',
          );
          expect(change.status, change.text).toBe(201);
        },
      );
      const answer = await confirmPick(raced, {
        pickTicketId: ticket.id,
        lines: [{ sku: 'SKU-RACE-S-CHANGES', quantity: 1 }],
      });
      expect(answer).toMatchObject({
        status: 'confirmed',
        lines: [{ sku: 'SKU-RACE-S-CHANGES', ordered: 1, picked: 1 }],
      });
      // Nothing was written off as not found: 10 on hand, 1 picked and held for shipping.
      expect(await availableAt('SKU-RACE-S-CHANGES', 'wh-east')).toBe(9);
    });
  });

  describe('When an escalation starts from a ticket read before an agent shrank it', () => {
    it('escalates the ticket as it now is: one unit released and backordered, not two', async () => {
      await stock('wh-east', 'SKU-RACE-E-CHANGES', 10);
      const order = await placeOrder('picking', [
        { sku: 'SKU-RACE-E-CHANGES', quantity: 2, unitPrice: 1000 },
      ]);
      const stale = await findPickTicket(oms.deps, order.pickTickets[0].id);
      if (!stale) throw new Error('the ticket was not stored');
      const change = await post(
        `/agent/orders/${order.id}/cancellation`,
        { reason: 'one is enough', lines: [{ sku: 'SKU-RACE-E-CHANGES', quantity: 1 }] },
        'race-escalate-0001',
      );
      expect(change.status, change.text).toBe(201);
      const answer = await answerShort(oms.deps, {
        ticket: stale,
        outcome: { short: true, lines: [{ sku: 'SKU-RACE-E-CHANGES', ordered: 2, picked: 0 }] },
        mode: 'escalated',
      });
      expect(answer).toMatchObject({
        outcome: 'answered',
        reroutedTo: [],
        backordered: [{ sku: 'SKU-RACE-E-CHANGES', quantity: 1 }],
      });
      const escalated = await findPickTicket(oms.deps, stale.id);
      expect(escalated).toMatchObject({
        status: 'escalated',
        picked: [{ sku: 'SKU-RACE-E-CHANGES', ordered: 1, picked: 0 }],
      });
      expect(await availableAt('SKU-RACE-E-CHANGES', 'wh-east')).toBe(10);
    });
  });

  describe('When the confirmation commits between the change’s read and its transaction', () => {
    it('fails the change even on a ticket it does not rewrite (409 naming the pick), and voids its new hold', async () => {
      await stock('wh-east', 'SKU-RACE-B-CHANGES', 5);
      await stock('wh-west', 'SKU-RACE-FAR-CHANGES', 5);
      const order = await placeOrder('picking', [
        { sku: 'SKU-RACE-B-CHANGES', quantity: 1, unitPrice: 1000 },
      ]);
      const [east] = order.pickTickets;
      expect(east.locationId).toBe('wh-east');
      const authorized: string[] = [];
      const gw = gateway();
      const authorize = gw.authorize.bind(gw);
      gw.authorize = async (request) => {
        const result = await authorize(request);
        if (result.approved) authorized.push(result.authorizationId);
        return result;
      };
      // The confirmation's own write (the ticket only), as confirm-pick makes it, lands in the window.
      const raced = racedDeps(
        (command) => command instanceof TransactWriteCommand,
        async () => {
          await oms.deps.db.send(
            new UpdateCommand({
              TableName: oms.deps.tableName,
              Key: keys.pickTicket(order.id, east.id),
              UpdateExpression: 'SET #status = :confirmed, picked = :picked',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: {
                ':confirmed': 'confirmed',
                ':picked': [{ sku: 'SKU-RACE-B-CHANGES', ordered: 1, picked: 1 }],
              },
            }),
          );
        },
      );
      try {
        await expect(
          changeOrderLines(raced, actionOf('sue', ['supervisor'], 'add the far one', 'race-change-0001'), {
            orderId: order.id,
            add: [{ sku: 'SKU-RACE-FAR-CHANGES', quantity: 1, unitPrice: 700 }],
          }),
        ).rejects.toThrow(/already picked \(pick ticket/);
      } finally {
        gw.authorize = authorize;
      }
      const after = await getOrder(order.id);
      expect(after.lines).toEqual(order.lines);
      expect(after.payment).toEqual(order.payment);
      expect(after.pickTickets).toHaveLength(1);
      expect(await availableAt('SKU-RACE-FAR-CHANGES', 'wh-west')).toBe(5);
      expect(await orderAudit(oms.deps, order.id)).toEqual([]);
      expect(authorized).toHaveLength(1);
      expect(gateway().inspect(authorized[0] as string)?.status).toBe('voided');
      expect(gateway().inspect(order.payment.authorizationId)?.status).toBe('authorized');
    });
  });
});

describe('Given an agent change and something failing after its commit', () => {
  describe('When reading the order back fails once the bigger authorization is recorded', () => {
    it('keeps that authorization (the order records it), and a retry answers the duplicate', async () => {
      await stock('wh-east', 'SKU-KEEP-CHANGES', 5);
      const order = await placeOrder('picking', [{ sku: 'SKU-KEEP-CHANGES', quantity: 1, unitPrice: 1000 }]);
      let committed = false;
      const db = oms.deps.db;
      const flaky: Deps = {
        ...oms.deps,
        db: new Proxy(db, {
          get: (target, name) =>
            name === 'send'
              ? async (command: Parameters<typeof db.send>[0]) => {
                  if (committed) throw new Error('network down (test)');
                  const result = await db.send(command);
                  if (command instanceof TransactWriteCommand) committed = true;
                  return result;
                }
              : Reflect.get(target, name),
        }),
      };
      const action = actionOf('ann', ['agent'], 'one more', 'keep-hold-0001');
      const input = { orderId: order.id, add: [{ sku: 'SKU-KEEP-CHANGES', quantity: 1, unitPrice: 1000 }] };
      await expect(changeOrderLines(flaky, action, input)).rejects.toThrow(/network down/);
      const record = await getOrderRecord(oms.deps, order.id);
      expect(record?.payment).toMatchObject({ status: 'authorized', amount: 2500 });
      const recorded = record?.payment.authorizationId as string;
      expect(recorded).not.toBe(order.payment.authorizationId);
      expect(gateway().inspect(recorded)).toMatchObject({ status: 'authorized', amount: 2500 });

      const retry = await changeOrderLines(oms.deps, action, input);
      expect(retry.duplicate).toBe(true);
      // The retry finished what the failure left: the replaced authorization is voided.
      expect(gateway().inspect(order.payment.authorizationId)?.status).toBe('voided');
      expect(gateway().inspect(recorded)?.status).toBe('authorized');
    });
  });

  describe('When a double click’s twin cancels the order between the first one’s look-up and its read', () => {
    it('answers the duplicate, not a 409', async () => {
      const order = await placePicking();
      const body = { reason: 'cancel it please' };
      // The twin commits right after this request's look-up missed, before it reads the order.
      const answer = await cancelOrder(
        racedDeps(
          (command) => command instanceof GetCommand || command instanceof QueryCommand,
          async () => {
            const twin = await post(`/agent/orders/${order.id}/cancellation`, body, 'double-click-0001');
            expect(twin.status, twin.text).toBe(201);
          },
        ),
        actionOf('ann', ['agent'], body.reason, 'double-click-0001'),
        { orderId: order.id },
      );
      expect(answer.duplicate).toBe(true);
      expect(answer.outcome.whole).toBe(true);
      expect(answer.aggregate.order.status).toBe('cancelled');
      expect(await orderAudit(oms.deps, order.id)).toHaveLength(1);
    });
  });
});

describe('Given a compensation voiding an authorization an agent just replaced', () => {
  it('voids and records the authorization the order now holds, never the old one over the new', async () => {
    await stock('wh-east', 'SKU-VOID-CHANGES', 5);
    const order = await placeOrder('picking', [{ sku: 'SKU-VOID-CHANGES', quantity: 1, unitPrice: 1000 }]);
    const stale = await getOrderRecord(oms.deps, order.id);
    if (!stale) throw new Error('the order was not stored');
    const added = await post(
      `/agent/orders/${order.id}/lines`,
      { reason: 'one more', add: [{ sku: 'SKU-VOID-CHANGES', quantity: 1, unitPrice: 1000 }] },
      'void-race-0001',
    );
    expect(added.status, added.text).toBe(201);
    const current = added.body.order.payment.authorizationId as string;
    expect(current).not.toBe(stale.payment.authorizationId);

    // The compensation read the order before the change.
    await voidAuthorization(oms.deps, stale);
    const record = await getOrderRecord(oms.deps, order.id);
    expect(record?.payment).toMatchObject({ status: 'voided', authorizationId: current, amount: 2500 });
    expect(gateway().inspect(current)?.status).toBe('voided');
    expect(gateway().inspect(stale.payment.authorizationId as string)?.status).toBe('voided');
  });
});

describe('Given an agent adding units', () => {
  it('lets an agent add more of a SKU at its price, but a new SKU needs a supervisor and no unit is free', async () => {
    await stock('wh-east', 'SKU-ROLE-CHANGES', 5);
    await stock('wh-east', 'SKU-ROLE-NEW-CHANGES', 5);
    const order = await placeOrder('picking', [{ sku: 'SKU-ROLE-CHANGES', quantity: 1, unitPrice: 1000 }]);
    const path = `/agent/orders/${order.id}/lines`;
    const fresh = { reason: 'a gift', add: [{ sku: 'SKU-ROLE-NEW-CHANGES', quantity: 1, unitPrice: 800 }] };

    const forbidden = await post(path, fresh, 'role-new-0001');
    expect(forbidden.status, forbidden.text).toBe(403);
    expect(forbidden.body.error.message).toMatch(/needs the supervisor role/);
    const free = await post(
      path,
      { reason: 'free', add: [{ sku: 'SKU-ROLE-NEW-CHANGES', quantity: 1, unitPrice: 0 }] },
      'role-free-0001',
      asSue,
    );
    expect(free.status, free.text).toBe(422);
    expect(free.body.error.details).toMatchObject({ field: 'add[0].unitPrice' });
    expect(await orderAudit(oms.deps, order.id)).toEqual([]);
    expect(await availableAt('SKU-ROLE-NEW-CHANGES', 'wh-east')).toBe(5);

    const more = await post(
      path,
      { reason: 'one more', add: [{ sku: 'SKU-ROLE-CHANGES', quantity: 1, unitPrice: 1000 }] },
      'role-more-0001',
    );
    expect(more.status, more.text).toBe(201);
    expect(more.body.payment).toEqual({ before: 1500, after: 2500, action: 'authorized' });
    const sold = await post(path, fresh, 'role-new-0002', asSue);
    expect(sold.status, sold.text).toBe(201);
    expect(sold.body.payment).toEqual({ before: 2500, after: 3300, action: 'authorized' });
    expect(await availableAt('SKU-ROLE-NEW-CHANGES', 'wh-east')).toBe(4);
  });
});
