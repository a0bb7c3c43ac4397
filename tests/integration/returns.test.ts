import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedPaymentGateway } from '../../shared/adapters/simulated/payment-gateway.js';
import { authorizationKey } from '../../shared/app/payments.js';
import { orderIdFor } from '../../shared/app/place-order.js';
import { storeCreditBalance } from '../../shared/app/returns.js';
import { returnPolicy } from '../../shared/config/returns.js';
import { ACCOUNTS } from '../../shared/domain/ledger.js';
import { exchangeExternalId } from '../../shared/domain/returns.js';
import { directOrder } from '../support/fixtures.js';
import { eventually, type Reply, startTestRuntime, type TestRuntime } from '../support/runtime.js';

let oms: TestRuntime;
let token: string;
/** A supervisor's token: goodwill refunds over an agent's limits, lines of SKUs an order does not have. */
let supervisor: string;
let sequence = 0;

type Body = Reply['body'];

const agent = (method: string, path: string, body?: object, key?: string) =>
  oms.request(method, path, body, {
    authorization: `Bearer ${token}`,
    ...(key ? { 'idempotency-key': key } : {}),
  });

const uniqueKey = (name: string) => `${name}-${Date.now()}-${++sequence}`;

const orderWhen = (id: string, done: (order: Body) => boolean) =>
  eventually(async () => {
    const order = (await oms.request('GET', `/orders/${id}`)).body;
    return order && done(order) ? order : undefined;
  }, 30_000);

/** Places a direct order (the fixture: 2 × SKU-TSHIRT-M, 1 × SKU-MUG unless `lines` say), picks and ships it. */
async function shippedOrder(email: string, overrides: Parameters<typeof directOrder>[0] = {}) {
  const placed = await oms.request(
    'POST',
    '/orders',
    directOrder({ customer: { email, phone: '+12125550148', name: 'Rae Turner' }, ...overrides }),
    {
      'idempotency-key': uniqueKey('returns-order'),
    },
  );
  expect(placed.status, placed.text).toBe(201);
  const orderId = placed.body.orderId as string;
  const picking = await orderWhen(orderId, (row) => row.status === 'picking');
  for (const ticket of picking.pickTickets) {
    const confirmed = await oms.request('POST', `/pick-tickets/${ticket.id}/confirm`, {
      lines: ticket.lines.map(({ sku, quantity }: { sku: string; quantity: number }) => ({ sku, quantity })),
    });
    expect(confirmed.status, confirmed.text).toBe(200);
  }
  return await orderWhen(orderId, (row) => row.status === 'shipped' && row.journal.length > 0);
}

const onHandAt = async (sku: string, locationId: string) =>
  (
    (await oms.request('GET', `/inventory/${sku}`)).body.locations as { locationId: string; onHand: number }[]
  ).find((row) => row.locationId === locationId)?.onHand ?? 0;

const trialBalance = async () =>
  (await oms.request('GET', '/ledger/trial-balance?currency=USD')).body.currencies[0].totals
    .balance as number;

/** Requests and authorizes a return; answers the authorized return. */
async function authorizedReturn(orderId: string, lines: object[], resolution: string, exchange?: object[]) {
  const created = await agent(
    'POST',
    `/agent/orders/${orderId}/returns`,
    { reason: 'customer called', lines, resolution, ...(exchange ? { exchange } : {}) },
    uniqueKey('rma'),
  );
  expect(created.status, created.text).toBe(201);
  const authorized = await agent(
    'POST',
    `/agent/returns/${created.body.return.id}/authorization`,
    { reason: 'within policy' },
    uniqueKey('auth'),
  );
  expect(authorized.status, authorized.text).toBe(200);
  return authorized.body.return;
}

beforeAll(async () => {
  oms = await startTestRuntime({ pickTimeoutSeconds: 1800 });
  oms.agents.addAgent('rita', 'returns are fine', ['agent']);
  const session = await oms.request('POST', '/agent/session', {
    username: 'rita',
    password: 'returns are fine',
  });
  expect(session.status, session.text).toBe(201);
  token = session.body.token;
  oms.agents.addAgent('sid', 'goodwill supervisor', ['agent', 'supervisor']);
  const lead = await oms.request('POST', '/agent/session', {
    username: 'sid',
    password: 'goodwill supervisor',
  });
  expect(lead.status, lead.text).toBe(201);
  supervisor = lead.body.token;
});
afterAll(async () => {
  await oms?.stop();
});

describe('Given a shipped order of 2 T-shirts (25.00, 5.00 off) and a mug, tax 5.10', () => {
  let order: Body;
  let rma: Body;
  const requestKey = uniqueKey('rma-journey');
  const request = {
    reason: 'wrong size',
    lines: [{ sku: 'SKU-TSHIRT-M', quantity: 2, reason: 'too small' }],
    resolution: 'refund',
  };

  beforeAll(async () => {
    order = await shippedOrder('returns-journey@example.com');
  }, 60_000);

  describe('When an agent requests a return of both T-shirts for a refund', () => {
    it('opens it as requested with an agent timeline line, and a retry with the key is a duplicate', async () => {
      const created = await agent('POST', `/agent/orders/${order.id}/returns`, request, requestKey);
      expect(created.status, created.text).toBe(201);
      rma = created.body.return;
      expect(rma).toMatchObject({
        orderId: order.id,
        status: 'requested',
        resolution: 'refund',
        lines: [{ sku: 'SKU-TSHIRT-M', requested: 2, received: 0, reason: 'too small' }],
        label: null,
        refund: null,
      });
      expect(rma.id).toMatch(/^rma_[0-9a-f]{24}_1$/);
      expect(created.body.order.id).toBe(order.id);

      const again = await agent('POST', `/agent/orders/${order.id}/returns`, request, requestKey);
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ duplicate: true, return: { id: rma.id } });
      expect((await agent('GET', `/agent/orders/${order.id}/returns`)).body.returns).toHaveLength(1);
      const reused = await agent(
        'POST',
        `/agent/orders/${order.id}/returns`,
        { ...request, reason: 'x' },
        requestKey,
      );
      expect(reused.status).toBe(409);
    });

    it('refuses a request without an Idempotency-Key, and more than shipped, naming the rule', async () => {
      const missing = await agent('POST', `/agent/orders/${order.id}/returns`, request);
      expect(missing.status).toBe(400);
      expect(missing.body.error.fields).toEqual([{ field: 'Idempotency-Key', message: 'required' }]);
      // Both T-shirts are claimed by the open return: not one more.
      const more = await agent(
        'POST',
        `/agent/orders/${order.id}/returns`,
        { ...request, lines: [{ sku: 'SKU-TSHIRT-M', quantity: 1 }] },
        uniqueKey('rma-more'),
      );
      expect(more.status).toBe(422);
      expect(more.body.error.details).toMatchObject({ rule: 'returnable-quantity', returnable: 0 });
      const mugs = await agent(
        'POST',
        `/agent/orders/${order.id}/returns`,
        { ...request, lines: [{ sku: 'SKU-MUG', quantity: 2 }] },
        uniqueKey('rma-mugs'),
      );
      expect(mugs.status).toBe(422);
      expect(mugs.body.error.details).toMatchObject({
        rule: 'returnable-quantity',
        field: 'lines[0].quantity',
      });
    });
  });

  describe('When it is authorized, received as 1 sellable and 1 damaged, and resolved', () => {
    it('issues a return label to the origin', async () => {
      const receivedEarly = await agent(
        'POST',
        `/agent/returns/${rma.id}/receipt`,
        { reason: 'parcel in', lines: [{ sku: 'SKU-TSHIRT-M', quantity: 1, condition: 'sellable' }] },
        uniqueKey('early'),
      );
      expect(receivedEarly.status).toBe(409);
      const authorized = await agent(
        'POST',
        `/agent/returns/${rma.id}/authorization`,
        { reason: 'within 30 days' },
        uniqueKey('auth'),
      );
      expect(authorized.status, authorized.text).toBe(200);
      rma = authorized.body.return;
      expect(rma.status).toBe('authorized');
      expect(rma.label).toMatchObject({ carrier: returnPolicy.label.carrier });
      expect(rma.label.trackingNumber).toMatch(/^SIM\d{18}$/);
      expect(rma.returnLocationId).toBe(order.shipments[0].locationId);
    });

    it('restocks exactly the sellable unit at the origin and writes the damaged one off', async () => {
      const location = rma.returnLocationId as string;
      const before = await onHandAt('SKU-TSHIRT-M', location);
      const received = await agent(
        'POST',
        `/agent/returns/${rma.id}/receipt`,
        {
          reason: 'parcel opened at the dock',
          lines: [
            { sku: 'SKU-TSHIRT-M', quantity: 1, condition: 'sellable' },
            // The console names the location on every row: a write-off records it and moves no stock.
            { sku: 'SKU-TSHIRT-M', quantity: 1, condition: 'damaged', locationId: location },
          ],
        },
        uniqueKey('receipt'),
      );
      expect(received.status, received.text).toBe(200);
      rma = received.body.return;
      expect(rma.status).toBe('received');
      expect(rma.lines[0]).toMatchObject({
        requested: 2,
        received: 2,
        receipts: [
          { quantity: 1, condition: 'sellable', disposition: 'restock', locationId: location },
          { quantity: 1, condition: 'damaged', disposition: 'write_off', locationId: location },
        ],
      });
      expect(await onHandAt('SKU-TSHIRT-M', location)).toBe(before + 1);
      const movements = (await oms.request('GET', `/inventory/SKU-TSHIRT-M/movements`)).body;
      const ours = movements.movements.filter((row: { reference?: string }) => row.reference === rma.id);
      expect(ours).toMatchObject([{ type: 'receipt', delta: 1, locationId: location }]);
      // 2 × 25.00 − 5.00 + 3.99 tax share = 48.99; 10% of the sellable unit's 24.49 is the fee.
      expect(rma).toMatchObject({ worth: 4899, restockingFee: 244, labelCharge: 0, due: 4655 });
    });

    it('refunds worth − fee through the gateway, posts the reversal and closes the return', async () => {
      const refundedBefore = order.payment.refunded as number;
      const resolved = await agent(
        'POST',
        `/agent/returns/${rma.id}/resolution`,
        { reason: 'refund as agreed' },
        uniqueKey('resolve'),
      );
      expect(resolved.status, resolved.text).toBe(200);
      rma = resolved.body.return;
      expect(rma.status).toBe('closed');
      expect(rma.refund).toMatchObject({ amount: 4655 });
      expect(rma.refund.id).toMatch(/^rf_/);
      expect(resolved.body.order.payment.refunded).toBe(refundedBefore + 4655);
      expect(resolved.body.order.timeline).toContainEqual(
        expect.objectContaining({
          type: 'PaymentRefunded',
          detail: expect.objectContaining({ amount: 4655 }),
        }),
      );
      // The accounting consumer posts the refund entry from PaymentRefunded.
      const entry = await eventually(async () => {
        const page = (await oms.request('GET', `/ledger/entries?orderId=${order.id}`)).body;
        return page.items?.find(
          (row: { links: { refundId?: string } }) => row.links.refundId === rma.refund.id,
        );
      }, 30_000);
      const clearing = entry.lines.find(
        (line: { account: string }) => line.account === ACCOUNTS.paymentClearing,
      );
      expect(clearing).toMatchObject({ debit: 0, credit: 4655 });
      expect(await trialBalance()).toBe(0);
    });

    it('records every step on the return and the order timeline with the agent and the reason', async () => {
      const steps = rma.timeline.map((line: Body) => [
        line.type,
        line.detail.by.username,
        line.detail.reason,
      ]);
      expect(steps).toEqual([
        ['ReturnRequested', 'rita', 'wrong size'],
        ['ReturnAuthorized', 'rita', 'within 30 days'],
        ['ReturnReceived', 'rita', 'parcel opened at the dock'],
        ['ReturnRefunded', 'rita', 'refund as agreed'],
        ['ReturnClosed', 'rita', 'refund as agreed'],
      ]);
      const view = (await agent('GET', `/agent/orders/${order.id}`)).body;
      const types = view.timeline.map((line: { type: string }) => line.type);
      expect(types).toEqual(expect.arrayContaining(['ReturnRequested', 'ReturnAuthorized', 'ReturnClosed']));
      const again = await agent(
        'POST',
        `/agent/returns/${rma.id}/resolution`,
        { reason: 'again' },
        uniqueKey('r2'),
      );
      expect(again.status).toBe(409);
      expect((await agent('GET', `/agent/returns/${rma.id}`)).body.return.status).toBe('closed');
    });
  });
});

describe('Given a shipped order whose mug comes back for store credit', () => {
  it('credits worth − fee to the customer with a balanced entry, and nothing more can come back', async () => {
    const email = `returns-credit-${Date.now()}@example.com`;
    const order = await shippedOrder(email);
    const rma = await authorizedReturn(order.id, [{ sku: 'SKU-MUG', quantity: 1 }], 'store_credit');
    const received = await agent(
      'POST',
      `/agent/returns/${rma.id}/receipt`,
      { reason: 'mug intact', lines: [{ sku: 'SKU-MUG', quantity: 1, condition: 'sellable' }] },
      uniqueKey('receipt'),
    );
    expect(received.status, received.text).toBe(200);
    // 12.50 + 1.10 tax share = 13.60; 10% fee 1.36.
    expect(received.body.return).toMatchObject({ worth: 1360, restockingFee: 136, due: 1224 });
    const key = uniqueKey('resolve');
    const resolved = await agent('POST', `/agent/returns/${rma.id}/resolution`, { reason: 'credit' }, key);
    expect(resolved.status, resolved.text).toBe(200);
    expect(resolved.body.return).toMatchObject({
      status: 'closed',
      refund: null,
      storeCredit: { amount: 1224 },
    });
    expect(resolved.body.order.payment.refunded).toBe(order.payment.refunded);
    const retried = await agent('POST', `/agent/returns/${rma.id}/resolution`, { reason: 'credit' }, key);
    expect(retried.status).toBe(200);
    expect(retried.body.duplicate).toBe(true);

    const entries = (await oms.request('GET', `/ledger/entries?orderId=${order.id}`)).body.items;
    const credit = entries.find(
      (entry: { id: string }) => entry.id === resolved.body.return.storeCredit.journalEntryId,
    );
    expect(credit.lines.map(({ account, debit, credit: c }: Body) => [account, debit, c])).toEqual([
      [returnPolicy.salesReturnsAccount, 1125, 0],
      [ACCOUNTS.salesTaxPayable, 99, 0],
      [ACCOUNTS.storeCreditLiability, 0, 1224],
    ]);
    expect(await storeCreditBalance(oms.deps, email)).toEqual({ USD: 1224 });
    expect(await trialBalance()).toBe(0);

    const more = await agent(
      'POST',
      `/agent/orders/${order.id}/returns`,
      { reason: 'again', lines: [{ sku: 'SKU-MUG', quantity: 1 }], resolution: 'refund' },
      uniqueKey('rma-more'),
    );
    expect(more.status).toBe(422);
    expect(more.body.error.details.rule).toBe('returnable-quantity');
  }, 60_000);
});

describe('Given a shipped order a supervisor already refunded in goodwill down to its last few dollars', () => {
  /** A shipped order with all but `left` of its captured payment refunded as goodwill; answers the order. */
  async function refundedDownTo(email: string, left: number) {
    const order = await shippedOrder(email);
    const captured = order.payment.captured as number;
    const goodwill = await oms.request(
      'POST',
      `/agent/orders/${order.id}/appeasements`,
      { kind: 'refund', amount: captured - left, reason: 'very late parcel' },
      { authorization: `Bearer ${supervisor}`, 'idempotency-key': uniqueKey('goodwill') },
    );
    expect(goodwill.status, goodwill.text).toBe(201);
    expect(goodwill.body.order.payment.refunded).toBe(captured - left);
    return order;
  }

  it('refunds a returned mug only the 10.00 left on the card, records the shortfall and closes', async () => {
    const order = await refundedDownTo(`returns-capped-${Date.now()}@example.com`, 1000);
    const rma = await authorizedReturn(order.id, [{ sku: 'SKU-MUG', quantity: 1 }], 'refund');
    const received = await agent(
      'POST',
      `/agent/returns/${rma.id}/receipt`,
      { reason: 'mug intact', lines: [{ sku: 'SKU-MUG', quantity: 1, condition: 'sellable' }] },
      uniqueKey('receipt'),
    );
    expect(received.body.return).toMatchObject({ worth: 1360, restockingFee: 136, due: 1224 });
    const resolved = await agent(
      'POST',
      `/agent/returns/${rma.id}/resolution`,
      { reason: 'refund what is left' },
      uniqueKey('resolve'),
    );
    expect(resolved.status, resolved.text).toBe(200);
    expect(resolved.body.return).toMatchObject({
      status: 'closed',
      due: 1000,
      cappedBy: 'earlier refunds',
      shortfall: 224,
      refund: { amount: 1000 },
    });
    expect(resolved.body.order.payment.refunded).toBe(order.payment.captured);
    const line = resolved.body.return.timeline.find((entry: Body) => entry.type === 'ReturnRefunded');
    expect(line.detail).toMatchObject({ amount: 1000, cappedBy: 'earlier refunds', shortfall: 224 });
    await eventually(async () => ((await trialBalance()) === 0 ? true : undefined), 30_000);
  }, 60_000);

  it('credits a returned mug only the 5.00 still paid, with a balanced entry for that', async () => {
    const email = `returns-capped-credit-${Date.now()}@example.com`;
    const order = await refundedDownTo(email, 500);
    const rma = await authorizedReturn(order.id, [{ sku: 'SKU-MUG', quantity: 1 }], 'store_credit');
    await agent(
      'POST',
      `/agent/returns/${rma.id}/receipt`,
      { reason: 'mug intact', lines: [{ sku: 'SKU-MUG', quantity: 1, condition: 'sellable' }] },
      uniqueKey('receipt'),
    );
    const resolved = await agent(
      'POST',
      `/agent/returns/${rma.id}/resolution`,
      { reason: 'credit what is left' },
      uniqueKey('resolve'),
    );
    expect(resolved.status, resolved.text).toBe(200);
    expect(resolved.body.return).toMatchObject({
      status: 'closed',
      due: 500,
      cappedBy: 'earlier refunds',
      shortfall: 724,
      storeCredit: { amount: 500 },
    });
    expect(await storeCreditBalance(oms.deps, email)).toEqual({ USD: 500 });
    const entries = (await oms.request('GET', `/ledger/entries?orderId=${order.id}`)).body.items;
    const credit = entries.find(
      (entry: { id: string }) => entry.id === resolved.body.return.storeCredit.journalEntryId,
    );
    // The tax share scales with what is credited: 1.10 × 5.00 / 13.60 = 0.40.
    expect(credit.lines.map(({ account, debit, credit: c }: Body) => [account, debit, c])).toEqual([
      [returnPolicy.salesReturnsAccount, 460, 0],
      [ACCOUNTS.salesTaxPayable, 40, 0],
      [ACCOUNTS.storeCreditLiability, 0, 500],
    ]);
    await eventually(async () => ((await trialBalance()) === 0 ? true : undefined), 30_000);
  }, 60_000);
});

describe('Given a shipped order and a return the agent refuses', () => {
  it('refuses it, frees its units for another return, and takes no further step', async () => {
    const order = await shippedOrder('returns-refused@example.com');
    const created = await agent(
      'POST',
      `/agent/orders/${order.id}/returns`,
      { reason: 'changed mind', lines: [{ sku: 'SKU-MUG', quantity: 1 }], resolution: 'refund' },
      uniqueKey('rma'),
    );
    expect(created.status, created.text).toBe(201);
    const id = created.body.return.id;
    const refused = await agent(
      'POST',
      `/agent/returns/${id}/refusal`,
      { reason: 'used mug' },
      uniqueKey('refuse'),
    );
    expect(refused.status, refused.text).toBe(200);
    expect(refused.body.return.status).toBe('refused');
    expect(refused.body.return.timeline.at(-1)).toMatchObject({
      type: 'ReturnRefused',
      detail: { by: { username: 'rita' }, reason: 'used mug' },
    });
    const late = await agent(
      'POST',
      `/agent/returns/${id}/authorization`,
      { reason: 'oops' },
      uniqueKey('auth'),
    );
    expect(late.status).toBe(409);
    const second = await agent(
      'POST',
      `/agent/orders/${order.id}/returns`,
      { reason: 'asked again', lines: [{ sku: 'SKU-MUG', quantity: 1 }], resolution: 'store_credit' },
      uniqueKey('rma'),
    );
    expect(second.status, second.text).toBe(201);
    expect(second.body.return.id).toMatch(/_2$/);
    const exchange = await agent(
      'POST',
      `/agent/orders/${order.id}/returns`,
      { reason: 'other size', lines: [{ sku: 'SKU-TSHIRT-M', quantity: 1 }], resolution: 'exchange' },
      uniqueKey('rma-exchange'),
    );
    expect(exchange.status).toBe(422);
    expect(exchange.body.error.details).toMatchObject({ field: 'exchange' });
    const linesForRefund = await agent(
      'POST',
      `/agent/orders/${order.id}/returns`,
      {
        reason: 'other size',
        lines: [{ sku: 'SKU-TSHIRT-M', quantity: 1 }],
        resolution: 'refund',
        exchange: [{ sku: 'SKU-TSHIRT-M', quantity: 1 }],
      },
      uniqueKey('rma-exchange'),
    );
    expect(linesForRefund.status).toBe(422);
    expect(linesForRefund.body.error.details).toMatchObject({ field: 'exchange' });
    expect((await agent('GET', '/agent/returns/rma_nope')).status).toBe(404);
  }, 60_000);

  it('refuses a request after the window with 422 naming the rule', async () => {
    const order = await shippedOrder('returns-late@example.com');
    const clock = oms.deps.clock;
    const shipped = Date.parse(order.shipments[0].shipDate ?? order.shipments[0].createdAt);
    oms.deps.clock = { now: () => new Date(shipped + (returnPolicy.windowDays + 2) * 86_400_000) };
    try {
      const late = await agent(
        'POST',
        `/agent/orders/${order.id}/returns`,
        { reason: 'found it late', lines: [{ sku: 'SKU-MUG', quantity: 1 }], resolution: 'refund' },
        uniqueKey('rma-late'),
      );
      expect(late.status).toBe(422);
      expect(late.body.error.details).toMatchObject({ rule: 'return-window', field: 'lines[0].sku' });
      expect(late.body.error.message).toContain('return window');
    } finally {
      oms.deps.clock = clock;
    }
    expect((await agent('GET', `/agent/orders/${order.id}/returns`)).body.returns).toEqual([]);
  }, 60_000);

  it('refuses a final-sale SKU with 422 naming the rule', async () => {
    const sku = 'FINAL-SALE-SCARF';
    const stocked = await oms.request('PUT', `/inventory/wh-east/${sku}`, { onHand: 5 });
    expect(stocked.status, stocked.text).toBe(200);
    const order = await shippedOrder('returns-final@example.com', {
      lines: [{ sku, name: 'Scarf (final sale)', quantity: 1, unitPrice: 1000, discount: 0 }],
      discount: 0,
      tax: 0,
      shipping: 0,
      total: 1000,
    });
    const refused = await agent(
      'POST',
      `/agent/orders/${order.id}/returns`,
      { reason: 'does not like it', lines: [{ sku, quantity: 1 }], resolution: 'refund' },
      uniqueKey('rma-final'),
    );
    expect(refused.status).toBe(422);
    expect(refused.body.error.details).toMatchObject({ rule: 'non-returnable-sku', pattern: 'FINAL-SALE-*' });
  }, 60_000);
});

describe('Given a shipped order whose T-shirt comes back in exchange for another', () => {
  const email = `returns-exchange-${Date.now()}@example.com`;
  const resolveKey = uniqueKey('resolve-exchange');
  let order: Body;
  let rma: Body;
  let replacementId: string;
  let reservedBefore: number;
  const gateway = () => oms.deps.payments as SimulatedPaymentGateway;
  const reservedOf = async (sku: string) =>
    ((await oms.request('GET', `/inventory/${sku}`)).body.locations as { reserved: number }[]).reduce(
      (sum, row) => sum + row.reserved,
      0,
    );

  beforeAll(async () => {
    order = await shippedOrder(email);
  }, 60_000);

  describe('When the exchange is worth more than what comes back, or is not on the order', () => {
    it('refuses the request with 422 naming the field, and opens nothing', async () => {
      const dearer = await agent(
        'POST',
        `/agent/orders/${order.id}/returns`,
        {
          reason: 'wants a T-shirt for the mug',
          lines: [{ sku: 'SKU-MUG', quantity: 1 }],
          resolution: 'exchange',
          exchange: [{ sku: 'SKU-TSHIRT-M', quantity: 1 }],
        },
        uniqueKey('rma-dearer'),
      );
      expect(dearer.status).toBe(422);
      expect(dearer.body.error.details).toEqual({
        rule: 'even-exchange',
        field: 'exchange',
        exchangeWorth: 2500,
        returnedWorth: 1250,
      });
      const elsewhere = await agent(
        'POST',
        `/agent/orders/${order.id}/returns`,
        {
          reason: 'other size',
          lines: [{ sku: 'SKU-TSHIRT-M', quantity: 1 }],
          resolution: 'exchange',
          exchange: [{ sku: 'SKU-TSHIRT-L', quantity: 1 }],
        },
        uniqueKey('rma-elsewhere'),
      );
      expect(elsewhere.status).toBe(422);
      expect(elsewhere.body.error.details).toMatchObject({ rule: 'exchange-sku', field: 'exchange[0].sku' });
      expect((await agent('GET', `/agent/orders/${order.id}/returns`)).body.returns).toEqual([]);
    });
  });

  describe('When an even exchange is requested, authorized, received and resolved', () => {
    it('places one no-charge replacement order, closes the return with its id, and a retry is a duplicate', async () => {
      rma = await authorizedReturn(
        order.id,
        [{ sku: 'SKU-TSHIRT-M', quantity: 1, reason: 'stained' }],
        'exchange',
        [{ sku: 'SKU-TSHIRT-M', quantity: 1 }],
      );
      expect(rma).toMatchObject({ resolution: 'exchange', exchange: [{ sku: 'SKU-TSHIRT-M', quantity: 1 }] });
      const received = await agent(
        'POST',
        `/agent/returns/${rma.id}/receipt`,
        { reason: 'stain confirmed', lines: [{ sku: 'SKU-TSHIRT-M', quantity: 1, condition: 'defective' }] },
        uniqueKey('receipt'),
      );
      expect(received.status, received.text).toBe(200);
      reservedBefore = await reservedOf('SKU-TSHIRT-M');

      const resolved = await agent(
        'POST',
        `/agent/returns/${rma.id}/resolution`,
        { reason: 'send a clean one' },
        resolveKey,
      );
      expect(resolved.status, resolved.text).toBe(200);
      rma = resolved.body.return;
      replacementId = orderIdFor('direct', exchangeExternalId(rma.id));
      expect(rma).toMatchObject({ status: 'closed', replacementOrderId: replacementId, refund: null });
      expect(rma.storeCredit).toBeNull();
      expect(
        rma.timeline.slice(-2).map((line: Body) => [line.type, line.detail.by.username, line.detail.reason]),
      ).toEqual([
        ['ReturnExchanged', 'rita', 'send a clean one'],
        ['ReturnClosed', 'rita', 'send a clean one'],
      ]);
      // Nothing refunded on the original order.
      expect(resolved.body.order.payment.refunded).toBe(order.payment.refunded);

      const retried = await agent(
        'POST',
        `/agent/returns/${rma.id}/resolution`,
        { reason: 'send a clean one' },
        resolveKey,
      );
      expect(retried.status).toBe(200);
      expect(retried.body).toMatchObject({ duplicate: true, return: { replacementOrderId: replacementId } });
      const otherKey = await agent(
        'POST',
        `/agent/returns/${rma.id}/resolution`,
        { reason: 'again' },
        uniqueKey('resolve-again'),
      );
      expect(otherKey.status).toBe(409);
      const found = (await agent('GET', `/agent/orders?q=${encodeURIComponent(email)}`)).body;
      expect(found.orders.map((row: { id: string }) => row.id).sort()).toEqual(
        [order.id, replacementId].sort(),
      );
    }, 60_000);

    it('gives the replacement the same customer and address, total 0, no authorization, and names the return', async () => {
      const replacement = await orderWhen(replacementId, (row) => row.status === 'picking');
      expect(replacement).toMatchObject({
        channel: 'direct',
        externalId: exchangeExternalId(rma.id),
        customer: order.customer,
        shippingAddress: order.shippingAddress,
        lines: [{ sku: 'SKU-TSHIRT-M', quantity: 1, unitPrice: 2500, discount: 2500 }],
        totals: { subtotal: 2500, discount: 2500, shipping: 0, tax: 0, grand: 0 },
        payment: { status: 'authorized', amount: 0, captured: 0 },
      });
      expect(replacement.payment.authorizationId).toBeUndefined();
      expect(gateway().callsFor(authorizationKey(replacementId))).toBe(0);
      const named = replacement.timeline.filter((line: Body) => line.type === 'ExchangeOrderPlaced');
      expect(named).toEqual([
        expect.objectContaining({
          detail: expect.objectContaining({
            rmaId: rma.id,
            originalOrderId: order.id,
            by: expect.objectContaining({ username: 'rita' }),
            reason: 'send a clean one',
          }),
        }),
      ]);
      // Reserved once, for the one unit, whatever the retry did.
      const held = replacement.pickTickets.flatMap((ticket: Body) => ticket.lines);
      expect(held.reduce((sum: number, line: Body) => sum + line.quantity, 0)).toBe(1);
      expect(await reservedOf('SKU-TSHIRT-M')).toBe(reservedBefore + 1);
      // No card stands behind it: paid units on top are a new order, refused before anything is reserved
      // (asked by a supervisor: adding a SKU the order does not have is theirs to do).
      const added = await oms.request(
        'POST',
        `/agent/orders/${replacementId}/lines`,
        { reason: 'add a mug', add: [{ sku: 'SKU-MUG', quantity: 1, unitPrice: 1250 }] },
        { authorization: `Bearer ${supervisor}`, 'idempotency-key': uniqueKey('add-to-replacement') },
      );
      expect(added.status, added.text).toBe(409);
      expect(added.body.error.message).toContain('no card authorization');
      expect(await reservedOf('SKU-TSHIRT-M')).toBe(reservedBefore + 1);
      expect((await agent('GET', `/agent/orders/${replacementId}`)).body.lines).toHaveLength(1);
    }, 60_000);

    it('picks and ships it with no capture at the gateway, a zero-cash sale, and a ledger still at zero', async () => {
      const picking = await orderWhen(replacementId, (row) => row.status === 'picking');
      for (const ticket of picking.pickTickets) {
        const confirmed = await oms.request('POST', `/pick-tickets/${ticket.id}/confirm`, {
          lines: ticket.lines.map(({ sku, quantity }: { sku: string; quantity: number }) => ({
            sku,
            quantity,
          })),
        });
        expect(confirmed.status, confirmed.text).toBe(200);
      }
      const shipped = await orderWhen(
        replacementId,
        (row) =>
          row.status === 'shipped' &&
          row.journal.length > 0 &&
          row.notifications.some((n: { template: string }) => n.template === 'order-shipped'),
      );
      expect(shipped.payment).toMatchObject({ status: 'captured', amount: 0, captured: 0, refunded: 0 });
      for (const shipment of shipped.shipments) {
        expect(gateway().callsFor(`capture:${replacementId}:${shipment.id}`)).toBe(0);
      }
      expect(shipped.shipments[0].trackingNumber).toBeTruthy();
      // The sale posts the replacement's price and its 100 % discount; no cash moves.
      expect(shipped.journal).toHaveLength(1);
      const lines = shipped.journal[0].lines.map(({ account, debit, credit }: Body) => [
        account,
        debit,
        credit,
      ]);
      expect(lines).toEqual([
        [ACCOUNTS.salesDiscounts, 2500, 0],
        [ACCOUNTS.salesRevenue, 0, 2500],
      ]);
      expect(await trialBalance()).toBe(0);
      const refund = await oms.request(
        'POST',
        `/orders/${replacementId}/refunds`,
        { amount: 100, reason: 'nothing was paid' },
        { 'idempotency-key': uniqueKey('free-refund') },
      );
      expect(refund.status).toBe(422);
    }, 60_000);

    it('refuses to resolve an exchange whose received units are worth less, naming the field', async () => {
      const short = await authorizedReturn(
        order.id,
        [
          { sku: 'SKU-TSHIRT-M', quantity: 1 },
          { sku: 'SKU-MUG', quantity: 1 },
        ],
        'exchange',
        [
          { sku: 'SKU-TSHIRT-M', quantity: 1 },
          { sku: 'SKU-MUG', quantity: 1 },
        ],
      );
      const received = await agent(
        'POST',
        `/agent/returns/${short.id}/receipt`,
        { reason: 'only the mug came', lines: [{ sku: 'SKU-MUG', quantity: 1, condition: 'sellable' }] },
        uniqueKey('receipt'),
      );
      expect(received.status, received.text).toBe(200);
      const refused = await agent(
        'POST',
        `/agent/returns/${short.id}/resolution`,
        { reason: 'send both' },
        uniqueKey('resolve-short'),
      );
      expect(refused.status).toBe(422);
      expect(refused.body.error.details).toEqual({
        rule: 'even-exchange',
        field: 'exchange',
        exchangeWorth: 3750,
        returnedWorth: 1250,
      });
      expect((await agent('GET', `/agent/returns/${short.id}`)).body.return).toMatchObject({
        status: 'received',
        replacementOrderId: null,
      });
      const other = orderIdFor('direct', exchangeExternalId(short.id));
      expect((await oms.request('GET', `/orders/${other}`)).status).toBe(404);
    }, 60_000);
  });
});
