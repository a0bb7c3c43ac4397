import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionIdFor } from '../../shared/app/agent-actions.js';
import { listRefunds, refundOrder } from '../../shared/app/payments.js';
import { placeOrder } from '../../shared/app/place-order.js';
import { parseDirectOrder } from '../../shared/intake/standard.js';
import { batchGet } from '../../shared/store/db.js';
import { keys } from '../../shared/store/keys.js';
import { directOrder, uniqueNumber } from '../support/fixtures.js';
import {
  eventually,
  placeStandardOrder,
  type Reply,
  startTestRuntime,
  type TestRuntime,
} from '../support/runtime.js';

/**
 * Appeasements and the audit routes over HTTP against the local runtime: a shipped order (68.59 USD
 * captured), an agent (ann) and a supervisor (sue). The agent's limits (shared/config/appeasements.ts): a
 * refund of at most 20 % of the captured amount (13.71 USD) and 25.00; a coupon of at most 15 % or 25.00;
 * 40.00 per order in all.
 */

let oms: TestRuntime;
let ann: { id: string; token: string };
let sue: { id: string; token: string };
let shipped: string;
let sequence = 0;

const as = (who: { token: string }, key?: string) => ({
  authorization: `Bearer ${who.token}`,
  ...(key ? { 'idempotency-key': key } : {}),
});
const freshKey = () => {
  sequence += 1;
  return `appease-${uniqueNumber()}-${sequence}`;
};

async function signIn(username: string, password: string, roles: ('agent' | 'supervisor')[]) {
  const agent = oms.agents.addAgent(username, password, roles);
  const reply = await oms.request('POST', '/agent/session', { username, password });
  expect(reply.status, reply.text).toBe(201);
  return { id: agent.id, token: reply.body.token as string };
}

/** The fixture order (2 × SKU-TSHIRT-M, 1 × SKU-MUG, 68.59 USD) through the signed Standard webhook. */
const placeFixtureOrder = () => placeStandardOrder(oms);

const getOrder = async (id: string): Promise<Reply['body']> =>
  (await oms.request('GET', `/orders/${id}`)).body;

/** Confirms every pick in full; the workflow ships and captures. */
async function ship(id: string): Promise<void> {
  const picking = await eventually(async () => {
    const order = await getOrder(id);
    return order?.status === 'picking' ? order : undefined;
  }, 30_000);
  for (const ticket of picking.pickTickets) {
    const confirmed = await oms.request('POST', `/pick-tickets/${ticket.id}/confirm`, {
      lines: ticket.lines.map(({ sku, quantity }: { sku: string; quantity: number }) => ({ sku, quantity })),
    });
    expect(confirmed.status, confirmed.text).toBe(200);
  }
  await eventually(async () => {
    const order = await getOrder(id);
    return order.status === 'shipped' && order.payment.captured === 6859 ? order : undefined;
  }, 30_000);
}

/** The order's appeasement tally item (keys.appeasementTally): its running total and the actions counted. */
async function tallyOf(id: string): Promise<{ total?: number; actions?: Set<string> }> {
  const [item] = await batchGet(oms.deps, [keys.appeasementTally(id)], { consistent: true });
  return item ?? {};
}

const appease = (who: { token: string }, id: string, body: object, key = freshKey()) =>
  oms.request('POST', `/agent/orders/${id}/appeasements`, body, as(who, key));

beforeAll(async () => {
  oms = await startTestRuntime({ pickTimeoutSeconds: 1800 });
  ann = await signIn(`ann-${uniqueNumber()}`, 'correct horse battery', ['agent']);
  sue = await signIn(`sue-${uniqueNumber()}`, 'staple battery horse', ['agent', 'supervisor']);
  shipped = await placeFixtureOrder();
  await ship(shipped);
}, 90_000);

afterAll(async () => {
  await oms?.stop();
});

describe('Given a shipped order with 68.59 USD captured', () => {
  const refundKey = `appease-refund-${Date.now()}`;

  describe('When an agent refunds 10.00 as goodwill, within the limit', () => {
    it('refunds the card, posts a balanced refund entry and records who and why', async () => {
      const reply = await appease(
        ann,
        shipped,
        { kind: 'refund', amount: 1000, reason: 'Parcel was late' },
        refundKey,
      );
      expect(reply.status, reply.text).toBe(201);
      expect(reply.body.duplicate).toBe(false);
      expect(reply.body.appeasement).toMatchObject({ kind: 'refund', amount: 1000, currency: 'USD' });
      expect(reply.body.order.payment.refunded).toBe(1000);
      const refunds = await listRefunds(oms.deps, shipped);
      expect(refunds.map(({ id, amount, status, reason }) => ({ id, amount, status, reason }))).toEqual([
        {
          id: reply.body.appeasement.refundId,
          amount: 1000,
          status: 'completed',
          reason: 'goodwill: Parcel was late',
        },
      ]);
      expect(refunds[0]?.captures.every((part) => part.refundId)).toBe(true);
      const timeline = reply.body.order.timeline as { type: string; detail?: Record<string, unknown> }[];
      expect(timeline.find((line) => line.type === 'AppeasementIssued')?.detail).toMatchObject({
        kind: 'refund',
        amount: 1000,
        reason: 'Parcel was late',
        by: { agentId: ann.id },
      });
      expect(timeline.find((line) => line.type === 'PaymentRefunded')?.detail).toMatchObject({
        amount: 1000,
        reason: 'goodwill: Parcel was late',
      });
      const entries = await eventually(async () => {
        const { items } = (await oms.request('GET', `/ledger/entries?orderId=${shipped}`)).body;
        return items.length >= 2 ? items : undefined;
      }, 30_000);
      const refundEntry = entries.find((entry: { links: { refundId?: string } }) => entry.links.refundId);
      const clearing = refundEntry.lines.find(
        (line: { account: string }) => line.account === '1100-payment-clearing',
      );
      expect(clearing).toMatchObject({ debit: 0, credit: 1000 });
      const balance = (await oms.request('GET', '/ledger/trial-balance')).body;
      expect(balance.currencies.length).toBeGreaterThan(0);
      for (const book of balance.currencies) expect(book.totals.balance).toBe(0);
    }, 60_000);

    it('answers a retry with the same key with the same refund, refunding nothing again', async () => {
      const again = await appease(
        ann,
        shipped,
        { kind: 'refund', amount: 1000, reason: 'Parcel was late' },
        refundKey,
      );
      expect(again.status, again.text).toBe(200);
      expect(again.body.duplicate).toBe(true);
      expect(again.body.order.payment.refunded).toBe(1000);
      const other = await appease(
        ann,
        shipped,
        { kind: 'refund', amount: 900, reason: 'Parcel was late' },
        refundKey,
      );
      expect(other.status, other.text).toBe(409);
      expect(other.body.error.message).toMatch(/Idempotency-Key/);
      const asCoupon = await appease(
        ann,
        shipped,
        { kind: 'coupon', percentOff: 5, reason: 'late' },
        refundKey,
      );
      expect(asCoupon.status, asCoupon.text).toBe(409);
      expect((await getOrder(shipped)).payment.refunded).toBe(1000);
    });
  });

  describe('When the agent refunds 20.00, over 20 % of the captured amount', () => {
    it('refuses with 403 naming the limit and the role, and that a supervisor can; nothing moves', async () => {
      const reply = await appease(ann, shipped, { kind: 'refund', amount: 2000, reason: 'Very late' });
      expect(reply.status, reply.text).toBe(403);
      expect(reply.body.error.message).toMatch(/refund\.percentOfCaptured/);
      expect(reply.body.error.message).toMatch(/13\.71 USD/);
      expect(reply.body.error.message).toMatch(/role agent/);
      expect(reply.body.error.message).toMatch(/a supervisor can issue it/);
      expect(reply.body.error.details).toMatchObject({
        limit: 'refund.percentOfCaptured',
        role: 'agent',
        max: 1371,
      });
      expect((await getOrder(shipped)).payment.refunded).toBe(1000);
    });

    it('lets a supervisor refund the same amount', async () => {
      const reply = await appease(sue, shipped, {
        kind: 'refund',
        amount: 2000,
        reason: 'Very late, approved',
      });
      expect(reply.status, reply.text).toBe(201);
      expect(reply.body.order.payment.refunded).toBe(3000);
    });
  });

  describe('When the agent gives a 10 % coupon', () => {
    const couponKey = `appease-coupon-${Date.now()}`;
    let code: string;

    it('creates a single-use coupon whose code a retry gives again', async () => {
      const reply = await appease(
        ann,
        shipped,
        { kind: 'coupon', percentOff: 10, reason: 'Sorry again' },
        couponKey,
      );
      expect(reply.status, reply.text).toBe(201);
      code = reply.body.appeasement.code;
      expect(code).toMatch(/^GW-[0-9A-F]{12}$/);
      const again = await appease(
        ann,
        shipped,
        { kind: 'coupon', percentOff: 10, reason: 'Sorry again' },
        couponKey,
      );
      expect(again.status, again.text).toBe(200);
      expect(again.body).toMatchObject({ duplicate: true, appeasement: { code } });
      const coupon = (await oms.request('GET', `/coupons/${code}`)).body;
      expect(coupon).toMatchObject({
        type: 'percentage',
        basisPoints: 1000,
        usageLimit: 1,
        perCustomerLimit: 1,
        stackable: false,
        usageCount: 0,
      });
      expect(Date.parse(coupon.endsAt) - Date.now()).toBeGreaterThan(89 * 24 * 3600 * 1000);
    });

    it('takes 10 % off one next order and refuses a second order with the code', async () => {
      const withCode = () => {
        const body = {
          ...directOrder(),
          lines: [
            { sku: 'SKU-TSHIRT-M', quantity: 2, unitPrice: 2500 },
            { sku: 'SKU-MUG', quantity: 1, unitPrice: 1250 },
          ],
          discount: 0,
          total: 6250 - 625 + 599 + 510,
          couponCodes: [code],
        };
        return parseDirectOrder(body);
      };
      const first = withCode();
      await placeOrder(oms.deps, { order: first.order, couponCodes: first.couponCodes });
      const second = withCode();
      second.order.customer.email = `other.${uniqueNumber()}@example.com`;
      await expect(
        placeOrder(oms.deps, { order: second.order, couponCodes: second.couponCodes }),
      ).rejects.toMatchObject({ statusCode: 409, details: { reason: 'usage-limit-reached' } });
      expect((await oms.request('GET', `/coupons/${code}`)).body.usageCount).toBe(1);
    }, 30_000);

    it('refuses an agent a 20 % coupon and a coupon that would pass the order’s 40.00 cap', async () => {
      const percent = await appease(ann, shipped, { kind: 'coupon', percentOff: 20, reason: 'More' });
      expect(percent.status, percent.text).toBe(403);
      expect(percent.body.error.details).toMatchObject({
        limit: 'coupon.percentOff',
        role: 'agent',
        max: 15,
      });
      // Earlier: 10.00 + 20.00 refunded, and the 10 % coupon worth 6.85 on this order: 3.15 left of 40.00.
      const capped = await appease(ann, shipped, { kind: 'coupon', amount: 500, reason: 'More' });
      expect(capped.status, capped.text).toBe(403);
      expect(capped.body.error.details).toMatchObject({ limit: 'orderMax', role: 'agent', max: 315 });
      expect(capped.body.error.message).toMatch(/a supervisor can issue it/);
    });
  });

  describe('When the order’s audit is read', () => {
    it('lists every action with its agent and reason, oldest first', async () => {
      const reply = await oms.request('GET', `/agent/orders/${shipped}/audit`, undefined, as(ann));
      expect(reply.status, reply.text).toBe(200);
      const rows = reply.body.actions.map((row: Record<string, unknown>) => [
        row.kind,
        row.username,
        row.reason,
      ]);
      expect(rows).toEqual([
        ['appeasement.refund', expect.stringMatching(/^ann-/), 'Parcel was late'],
        ['appeasement.refund', expect.stringMatching(/^sue-/), 'Very late, approved'],
        ['appeasement.coupon', expect.stringMatching(/^ann-/), 'Sorry again'],
      ]);
      expect(reply.body.actions[0]).toMatchObject({ agentId: ann.id, orderId: shipped });
    });

    it('lets a supervisor list one agent’s actions in a time range, and no one else', async () => {
      const mine = await oms.request('GET', `/agent/audit?agentId=${ann.id}`, undefined, as(sue));
      expect(mine.status, mine.text).toBe(200);
      expect(mine.body.actions.map((row: { reason: string }) => row.reason)).toEqual([
        'Parcel was late',
        'Sorry again',
      ]);
      const first = mine.body.actions[0].at as string;
      const upToFirst = await oms.request(
        'GET',
        `/agent/audit?agentId=${ann.id}&from=2020-01-01T00:00:00Z&to=${encodeURIComponent(first)}`,
        undefined,
        as(sue),
      );
      expect(upToFirst.body.actions.map((row: { reason: string }) => row.reason)).toEqual([
        'Parcel was late',
      ]);
      const refused = await oms.request('GET', `/agent/audit?agentId=${ann.id}`, undefined, as(ann));
      expect(refused.status, refused.text).toBe(403);
      expect(refused.body.error.message).toMatch(/supervisor/);
      const bad = await oms.request(
        'GET',
        `/agent/audit?agentId=${ann.id}&from=yesterday`,
        undefined,
        as(sue),
      );
      expect(bad.status, bad.text).toBe(400);
      expect(bad.body.error.message).toMatch(/^from/);
      const missing = await oms.request('GET', '/agent/audit', undefined, as(sue));
      expect(missing.status).toBe(400);
      expect(missing.body.error.message).toMatch(/^agentId/);
    });
  });
});

describe('Given a goodwill refund reserved and made before a crash kept its audit from being written', () => {
  it('records it on the retry, reserving and refunding nothing twice, with the order’s cap used up since', async () => {
    const key = freshKey();
    const actionId = actionIdFor(shipped, 'appeasement.refund', key);
    const before = (await getOrder(shipped)).payment.refunded;
    const counted = (await tallyOf(shipped)).total ?? 0;
    // What the first attempt did before it crashed: its reservation on the tally, then the refund under the
    // key derived from the action id.
    await oms.deps.db.send(
      new UpdateCommand({
        TableName: oms.deps.tableName,
        Key: keys.appeasementTally(shipped),
        UpdateExpression: 'ADD #total :value, #actions :action',
        ExpressionAttributeNames: { '#total': 'total', '#actions': 'actions' },
        ExpressionAttributeValues: { ':value': 500, ':action': new Set([actionId]) },
      }),
    );
    await refundOrder(oms.deps, {
      orderId: shipped,
      amount: 500,
      reason: 'goodwill: Retried after a timeout',
      idempotencyKey: `appeasement:${actionId}`,
    });
    expect((await getOrder(shipped)).payment.refunded).toBe(before + 500);
    // The reservation counts though its audit is missing: a new 1.00 coupon is over the agent's 40.00.
    const over = await appease(ann, shipped, { kind: 'coupon', amount: 100, reason: 'One more' });
    expect(over.status, over.text).toBe(403);
    expect(over.body.error.details).toMatchObject({ limit: 'orderMax', max: 4000 - counted - 500 });
    const retry = await appease(
      ann,
      shipped,
      { kind: 'refund', amount: 500, reason: 'Retried after a timeout' },
      key,
    );
    expect(retry.status, retry.text).toBe(201);
    expect(retry.body.appeasement).toMatchObject({ id: actionId, amount: 500 });
    expect(retry.body.order.payment.refunded).toBe(before + 500);
    expect((await tallyOf(shipped)).total).toBe(counted + 500);
    const audit = (await oms.request('GET', `/agent/orders/${shipped}/audit`, undefined, as(ann))).body
      .actions;
    expect(audit.map((row: { id: string }) => row.id)).toContain(actionId);
  });
});

describe('Given five agents’ 10.00 coupons for one order at the same moment', () => {
  it('issues exactly four against the agent’s 40.00 cap and refuses the fifth with 403', async () => {
    const id = await placeFixtureOrder();
    const replies = await Promise.all(
      Array.from({ length: 5 }, (_, n) =>
        appease(ann, id, { kind: 'coupon', amount: 1000, reason: `Concurrent ${n}` }),
      ),
    );
    const statuses = replies.map((reply) => reply.status).sort();
    expect(statuses, replies.map((reply) => reply.text).join('\n')).toEqual([201, 201, 201, 201, 403]);
    const refused = replies.find((reply) => reply.status === 403);
    expect(refused?.body.error.details).toMatchObject({ limit: 'orderMax', role: 'agent', max: 0 });
    const issued = replies.filter((reply) => reply.status === 201);
    const codes = issued.map((reply) => reply.body.appeasement.code as string);
    for (const code of codes) {
      const coupon = (await oms.request('GET', `/coupons/${code}`)).body;
      expect(coupon).toMatchObject({ type: 'fixed', amount: 1000, usageLimit: 1 });
    }
    const tally = await tallyOf(id);
    expect(tally.total).toBe(4000);
    expect([...(tally.actions ?? [])].sort()).toEqual(
      issued.map((reply) => reply.body.appeasement.id as string).sort(),
    );
    const audit = (await oms.request('GET', `/agent/orders/${id}/audit`, undefined, as(ann))).body.actions;
    expect(audit.filter((row: { kind: string }) => row.kind === 'appeasement.coupon')).toHaveLength(4);
  }, 30_000);

  it('reserves concurrent goodwill refunds on the tally too: of three 13.71, two are made, 40.00 never passed', async () => {
    const id = await placeFixtureOrder();
    await ship(id);
    const requestKeys = Array.from({ length: 3 }, () => freshKey());
    const replies = await Promise.all(
      requestKeys.map((key, n) =>
        appease(ann, id, { kind: 'refund', amount: 1371, reason: `Concurrent refund ${n}` }, key),
      ),
    );
    // refundOrder lets one refund of an order reserve at a time: a loser answers 409 "retry with the same
    // key", and its retry finds its amount already counted on the tally and goes on.
    const settled = await Promise.all(
      replies.map((reply, n) =>
        reply.status === 409
          ? appease(
              ann,
              id,
              { kind: 'refund', amount: 1371, reason: `Concurrent refund ${n}` },
              requestKeys[n],
            )
          : reply,
      ),
    );
    expect(settled.map((reply) => reply.status).sort()).toEqual([201, 201, 403]);
    expect(settled.find((reply) => reply.status === 403)?.body.error.details).toMatchObject({
      limit: 'orderMax',
      max: 4000 - 2 * 1371,
    });
    expect((await getOrder(id)).payment.refunded).toBe(2 * 1371);
    expect(await listRefunds(oms.deps, id)).toHaveLength(2);
    expect((await tallyOf(id)).total).toBe(2 * 1371);
  }, 60_000);
});

describe('Given an order not captured yet', () => {
  it('refuses a goodwill refund with 409 and still gives a coupon', async () => {
    const id = await placeFixtureOrder();
    const refund = await appease(ann, id, { kind: 'refund', amount: 500, reason: 'Waiting too long' });
    expect(refund.status, refund.text).toBe(409);
    expect(refund.body.error.message).toMatch(/no captured payment/);
    const coupon = await appease(ann, id, { kind: 'coupon', amount: 500, reason: 'Waiting too long' });
    expect(coupon.status, coupon.text).toBe(201);
    expect(coupon.body.appeasement).toMatchObject({ kind: 'coupon', amount: 500, currency: 'USD' });
  });

  it('asks for the Idempotency-Key and a well-formed body, naming the field', async () => {
    const id = await placeFixtureOrder();
    const noKey = await oms.request(
      'POST',
      `/agent/orders/${id}/appeasements`,
      { kind: 'coupon', amount: 100, reason: 'x' },
      as(ann),
    );
    expect(noKey.status).toBe(400);
    expect(noKey.body.error.message).toMatch(/Idempotency-Key/);
    const both = await appease(ann, id, { kind: 'coupon', amount: 100, percentOff: 5, reason: 'x' });
    expect(both.status).toBe(400);
    expect(both.body.error.message).toMatch(/^amount/);
    const noReason = await appease(ann, id, { kind: 'refund', amount: 100, reason: '  ' });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.message).toMatch(/^reason/);
  });
});
