import { extractText, getDocumentProxy } from 'unpdf';
import { beforeAll, describe, expect, it } from 'vitest';
import { allocateOrder } from '../../shared/app/allocate-order.js';
import { billOrder } from '../../shared/app/bill-order.js';
import { cancelPayment, markOrderFailed, releaseAllocation } from '../../shared/app/compensate.js';
import { confirmPick } from '../../shared/app/confirm-pick.js';
import { adjustStockAndAnnounce, setStock } from '../../shared/app/inventory.js';
import { notifyCustomer } from '../../shared/app/notify-customer.js';
import { listOpenPickTickets, packPickTicket, pickTicketPdf, setBin } from '../../shared/app/pick-tickets.js';
import { placeOrder } from '../../shared/app/place-order.js';
import { reconcileOrders } from '../../shared/app/reconcile.js';
import { releaseBackorders } from '../../shared/app/release-backorders.js';
import { selectCarrier } from '../../shared/app/select-carrier.js';
import { DEFAULT_PICK_DUE_SECONDS } from '../../shared/config/fulfillment.js';
import type { CanonicalOrder } from '../../shared/domain/order.js';
import type { PaymentCapturedData } from '../../shared/events/catalogue/payment-captured.js';
import { listMovements, stockForSku } from '../../shared/store/inventory.js';
import { type LocationRecord, putLocation } from '../../shared/store/locations.js';
import { findPickTicket, getOrderAggregate, getOrderRecord } from '../../shared/store/orders.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';

let deps: TestDeps;
let sequence = 0;
/** Added to the real clock: the escalation case moves time past the tickets' due time. */
let skewMs = 0;

const location = (id: string, postalCode: string): LocationRecord => ({
  id,
  kind: 'warehouse',
  name: `Warehouse ${id}`,
  address: { line1: '1 Dock', city: 'Somewhere', postalCode, country: 'US' },
  shipsToHome: true,
  pickup: false,
  dailyCapacity: 0,
  cutoffTime: '23:59',
});

/** 3 × 1000 + shipping 500 + tax 240 − discount 150: a total the captures must add up to exactly. */
const order = (sku: string, quantity = 3): CanonicalOrder => {
  sequence += 1;
  const subtotal = quantity * 1000;
  return {
    channel: 'direct',
    externalId: `ful-${Date.now()}-${sequence}`,
    currency: 'USD',
    customer: { email: 'fulfillment@example.com' },
    shippingAddress: { line1: '1 Main St', city: 'New York', postalCode: '10001', country: 'US' },
    lines: [{ sku, quantity, unitPrice: 1000, discount: 150, name: `Widget ${sku}` }],
    shipping: 500,
    tax: 240,
    discount: 150,
    total: subtotal - 150 + 500 + 240,
    fulfillment: { type: 'ship' },
  };
};

const place = async (canonical: CanonicalOrder) => (await placeOrder(deps, { order: canonical })).orderId;
const allocate = (orderId: string) => allocateOrder(deps, { orderId, taskToken: `token-${orderId}` });

/** What the Express run does for the tickets it was started with: select carrier, bill, notify. */
async function runShipping(orderId: string, pickTicketIds: string[]) {
  await selectCarrier(deps, { orderId, pickTicketIds });
  await billOrder(deps, { orderId, pickTicketIds });
  await notifyCustomer(deps, { orderId, pickTicketIds });
}

const runsOf = (orderId: string) =>
  deps.shippingStarted
    .filter((run) => run.input.orderId === orderId)
    .map((run) => run.input.pickTicketIds as string[]);

async function capturesOf(orderId: string): Promise<PaymentCapturedData[]> {
  return (await deps.outbox())
    .filter((event) => event.detailType === 'PaymentCaptured')
    .map((event) => event.detail.data as PaymentCapturedData)
    .filter((data) => data.orderId === orderId);
}

beforeAll(async () => {
  deps = await createTestDeps();
  const system = deps.clock;
  deps.clock = { now: () => new Date(system.now().getTime() + skewMs) };
  await putLocation(deps, location('ful-east', '10001'));
  await putLocation(deps, location('ful-west', '89502'));
});

describe('Given a SKU stocked at two warehouses', () => {
  describe('When the first warehouse picks 1 of 3', () => {
    let orderId = '';
    let first = '';
    let second = '';

    it('ships the unit picked now and re-routes the other 2 to the second warehouse', async () => {
      await setStock(deps, { locationId: 'ful-east', sku: 'FUL-A', onHand: 3 });
      await setStock(deps, { locationId: 'ful-west', sku: 'FUL-A', onHand: 5 });
      orderId = await place(order('FUL-A'));
      const allocated = await allocate(orderId);
      first = allocated.pickTicketIds[0] ?? '';
      const ticket = await findPickTicket(deps, first);
      const other = ticket?.locationId === 'ful-east' ? 'ful-west' : 'ful-east';

      const reply = await confirmPick(deps, { pickTicketId: first, lines: [{ sku: 'FUL-A', quantity: 1 }] });

      expect(reply.status).toBe('short');
      expect(reply.remainder?.backordered).toEqual([]);
      expect(reply.remainder?.reroutedTo).toHaveLength(1);
      second = reply.remainder?.reroutedTo[0] ?? '';
      const rerouted = await findPickTicket(deps, second);
      expect(rerouted).toMatchObject({
        locationId: other,
        status: 'open',
        firstWave: false,
        rerouteOf: first,
        lines: [{ sku: 'FUL-A', quantity: 2 }],
      });
      // The first wave answered the Standard workflow with what was picked, and its run ships that ticket only.
      expect(deps.callbacks.filter((call) => call.token === `token-${orderId}`)).toEqual([
        expect.objectContaining({ outcome: 'success' }),
      ]);
      expect(runsOf(orderId)).toEqual([[first]]);
      // No phantom reservation: the short location holds nothing more; the other holds the 2 re-routed.
      const stock = await stockForSku(deps, 'FUL-A');
      expect(stock.find((row) => row.locationId === ticket?.locationId)?.reserved).toBe(1);
      expect(stock.find((row) => row.locationId === other)?.reserved).toBe(2);
    });

    it('bills the first shipment alone and leaves the order partially shipped', async () => {
      await runShipping(orderId, [first]);
      const record = await getOrderRecord(deps, orderId);
      expect(record?.status).toBe('partially_shipped');
      expect(record?.payment.status).toBe('authorized');
      const captures = await capturesOf(orderId);
      expect(captures).toHaveLength(1);
      // 1 of 3 units: 1000 − 50 discount, tax 240 × 950 / 2850 = 80, and all the shipping on the first.
      expect(captures[0]?.totals).toEqual({
        subtotal: 1000,
        discount: 50,
        shipping: 500,
        tax: 80,
        grand: 1530,
      });
    });

    it('ships the remainder on its own run when it is picked, and the captures add up to the total', async () => {
      const reply = await confirmPick(deps, {
        pickTicketId: second,
        lines: [{ sku: 'FUL-A', quantity: 2 }],
        cartons: [{ id: 'box-1', lengthIn: 10, widthIn: 8, heightIn: 6, weightLb: 2 }],
      });
      expect(reply.status).toBe('confirmed');
      expect((await findPickTicket(deps, second))?.cartons).toEqual([
        { id: 'box-1', lengthIn: 10, widthIn: 8, heightIn: 6, weightLb: 2 },
      ]);
      expect(runsOf(orderId)).toEqual([[first], [second]]);
      await runShipping(orderId, [second]);

      const aggregate = await getOrderAggregate(deps, orderId);
      expect(aggregate?.order.status).toBe('shipped');
      expect(aggregate?.order.payment.status).toBe('captured');
      expect(aggregate?.shipments.map((shipment) => shipment.pickTicketId).sort()).toEqual(
        [first, second].sort(),
      );
      const captures = await capturesOf(orderId);
      expect(captures).toHaveLength(2);
      expect(new Set(captures.map((capture) => capture.shipmentId)).size).toBe(2);
      expect(new Set(captures.map((capture) => capture.journalEntryId)).size).toBe(2);
      const total = 3 * 1000 - 150 + 500 + 240;
      expect(captures.reduce((sum, capture) => sum + capture.amount, 0)).toBe(total);
      expect(aggregate?.order.payment.captured).toBe(total);
      // Every unit left: nothing reserved, 1 + 2 gone from on-hand; the 2 the first picker did not find are
      // written off there (a correction movement), not offered again.
      const stock = await stockForSku(deps, 'FUL-A');
      expect(stock.map((row) => [row.locationId, row.onHand, row.reserved]).sort()).toEqual(
        [
          [aggregate?.pickTickets.find((t) => t.id === first)?.locationId, 0, 0],
          [aggregate?.pickTickets.find((t) => t.id === second)?.locationId, 3, 0],
        ].sort(),
      );
      // The remainder's parcel got its own notification.
      expect(aggregate?.notifications.map((n) => n.template).sort()).toEqual(
        ['order-shipped', `order-shipped:sh_${second.replace(/^pt_/, '')}`].sort(),
      );
    });

    it('answers a repeated billing run without capturing again', async () => {
      await billOrder(deps, { orderId, pickTicketIds: [second] });
      expect(await capturesOf(orderId)).toHaveLength(2);
    });

    it('keeps the cartons of a shipped ticket: the same again is fine, different ones are a conflict', async () => {
      const cartons = [{ id: 'box-1', lengthIn: 10, widthIn: 8, heightIn: 6, weightLb: 2 }];
      // Recorded with the confirmation already.
      const again = await packPickTicket(deps, { pickTicketId: second, cartons });
      expect(again.duplicate).toBe(true);
      expect(again.packingSlip).toBeTruthy();
      await expect(
        packPickTicket(deps, {
          pickTicketId: second,
          cartons: [{ ...cartons[0], weightLb: 3 }] as typeof cartons,
        }),
      ).rejects.toMatchObject({ statusCode: 409 });
    });
  });
});

describe('Given a SKU stocked at one warehouse only', () => {
  describe('When the warehouse picks 1 of 3', () => {
    let orderId = '';
    let ticketId = '';

    it('backorders the 2 missing units and ships the one picked', async () => {
      await setStock(deps, { locationId: 'ful-east', sku: 'FUL-B', onHand: 3 });
      orderId = await place(order('FUL-B'));
      ticketId = (await allocate(orderId)).pickTicketIds[0] ?? '';

      const reply = await confirmPick(deps, {
        pickTicketId: ticketId,
        lines: [{ sku: 'FUL-B', quantity: 1 }],
      });

      expect(reply.remainder).toEqual({ reroutedTo: [], backordered: [{ sku: 'FUL-B', quantity: 2 }] });
      expect((await getOrderRecord(deps, orderId))?.backorder?.missing).toEqual([
        { sku: 'FUL-B', quantity: 2 },
      ]);
      // The 2 units nobody found leave on-hand with a correction; the picked one stays reserved until it ships.
      const [row] = await stockForSku(deps, 'FUL-B');
      expect(row).toMatchObject({ onHand: 1, reserved: 1, available: 0 });
      const movements = await listMovements(deps, 'FUL-B', 'ful-east');
      expect(movements.filter((m) => m.type === 'correction')).toEqual([
        expect.objectContaining({ delta: -2, reason: 'not on the shelf at pick', reference: ticketId }),
      ]);
      expect(runsOf(orderId)).toEqual([[ticketId]]);
      await runShipping(orderId, [ticketId]);
      expect((await getOrderRecord(deps, orderId))?.status).toBe('partially_shipped');
    });

    it('answers the same confirmation again as a duplicate and changes nothing', async () => {
      const again = await confirmPick(deps, {
        pickTicketId: ticketId,
        lines: [{ sku: 'FUL-B', quantity: 1 }],
      });
      expect(again).toMatchObject({ duplicate: true, status: 'short' });
      const aggregate = await getOrderAggregate(deps, orderId);
      expect(aggregate?.pickTickets).toHaveLength(1);
      expect(aggregate?.order.backorder?.missing).toEqual([{ sku: 'FUL-B', quantity: 2 }]);
      expect(await capturesOf(orderId)).toHaveLength(1);
      await expect(
        confirmPick(deps, { pickTicketId: ticketId, lines: [{ sku: 'FUL-B', quantity: 2 }] }),
      ).rejects.toMatchObject({ statusCode: 409 });
    });

    it('reserves and ships the remainder when stock arrives elsewhere', async () => {
      // The warehouse counts the bin it came up short at: the 2 units are not there.
      await adjustStockAndAnnounce(deps, {
        locationId: 'ful-east',
        sku: 'FUL-B',
        type: 'count',
        quantity: 0,
        reason: 'cycle count after a short pick',
      });
      await adjustStockAndAnnounce(deps, {
        locationId: 'ful-west',
        sku: 'FUL-B',
        type: 'receipt',
        quantity: 4,
        reason: 'restock',
      });
      const released = await releaseBackorders(deps, { sku: 'FUL-B' });
      expect(released.allocated).toContain(orderId);
      const aggregate = await getOrderAggregate(deps, orderId);
      expect(aggregate?.order.backorder ?? null).toBeNull();
      const remainder = aggregate?.pickTickets.find((ticket) => ticket.id !== ticketId);
      expect(remainder).toMatchObject({ locationId: 'ful-west', lines: [{ sku: 'FUL-B', quantity: 2 }] });
      await confirmPick(deps, { pickTicketId: remainder?.id ?? '', lines: [{ sku: 'FUL-B', quantity: 2 }] });
      await runShipping(orderId, [remainder?.id ?? '']);
      const record = await getOrderRecord(deps, orderId);
      expect(record?.status).toBe('shipped');
      expect((await capturesOf(orderId)).reduce((sum, c) => sum + c.amount, 0)).toBe(record?.totals.grand);
    });
  });
});

describe('Given a pick ticket nobody confirms', () => {
  describe('When the reconciler runs after its due time', () => {
    it('escalates it and re-routes its stock to the other warehouse', async () => {
      await setStock(deps, { locationId: 'ful-east', sku: 'FUL-C', onHand: 3 });
      await setStock(deps, { locationId: 'ful-west', sku: 'FUL-C', onHand: 3 });
      const orderId = await place(order('FUL-C', 2));
      const ticketId = (await allocate(orderId)).pickTicketIds[0] ?? '';
      const late = await findPickTicket(deps, ticketId);

      const early = await reconcileOrders(deps);
      expect(early.escalated ?? []).not.toContain(ticketId);

      skewMs = (DEFAULT_PICK_DUE_SECONDS + 60) * 1000;
      try {
        const result = await reconcileOrders(deps);
        expect(result.escalated).toContain(ticketId);
      } finally {
        skewMs = 0;
      }
      const aggregate = await getOrderAggregate(deps, orderId);
      expect(aggregate?.pickTickets.find((t) => t.id === ticketId)?.status).toBe('escalated');
      const rerouted = aggregate?.pickTickets.find((t) => t.rerouteOf === ticketId);
      expect(rerouted?.locationId).not.toBe(late?.locationId);
      expect(rerouted).toMatchObject({ status: 'open', lines: [{ sku: 'FUL-C', quantity: 2 }] });
      expect(aggregate?.timeline.map((line) => line.type)).toContain('PickEscalated');
      const escalated = (await deps.outbox()).filter(
        (event) =>
          event.detailType === 'PickEscalated' &&
          (event.detail.data as { orderId: string }).orderId === orderId,
      );
      expect(escalated).toHaveLength(1);
      expect(escalated[0]?.source).toBe('oms.fulfillment');
      // The Standard workflow was answered (nothing to ship yet) instead of timing out and failing the order.
      expect(deps.callbacks.find((call) => call.token === `token-${orderId}`)?.outcome).toBe('success');
      expect(aggregate?.order.status).toBe('picking');
      const stock = await stockForSku(deps, 'FUL-C');
      expect(stock.find((row) => row.locationId === late?.locationId)?.reserved).toBe(0);
      expect(stock.find((row) => row.locationId === rerouted?.locationId)?.reserved).toBe(2);
      // A late confirmation of the escalated ticket is refused.
      await expect(
        confirmPick(deps, { pickTicketId: ticketId, lines: [{ sku: 'FUL-C', quantity: 2 }] }),
      ).rejects.toMatchObject({ statusCode: 409 });
    });
  });
});

describe('Given an order split over two warehouses (one SKU at each)', () => {
  describe('When both tickets are picked in full', () => {
    it('ships them in one run with a capture each that add up to the total, then marks the order shipped', async () => {
      await setStock(deps, { locationId: 'ful-east', sku: 'FUL-E', onHand: 2 });
      await setStock(deps, { locationId: 'ful-west', sku: 'FUL-W', onHand: 2 });
      const canonical = order('FUL-E', 1);
      canonical.lines = [
        { sku: 'FUL-E', quantity: 1, unitPrice: 1000, discount: 100 },
        { sku: 'FUL-W', quantity: 2, unitPrice: 1000, discount: 50 },
      ];
      canonical.total = 3000 - 150 + 500 + 240;
      const orderId = await place(canonical);
      const { pickTicketIds } = await allocate(orderId);
      expect(pickTicketIds).toHaveLength(2);
      for (const id of pickTicketIds) {
        const ticket = await findPickTicket(deps, id);
        await confirmPick(deps, {
          pickTicketId: id,
          lines: (ticket?.lines ?? []).map(({ sku, quantity }) => ({ sku, quantity })),
        });
      }
      expect(runsOf(orderId)).toEqual([[...pickTicketIds]]);
      await runShipping(orderId, pickTicketIds);
      const record = await getOrderRecord(deps, orderId);
      expect(record?.status).toBe('shipped');
      const captures = await capturesOf(orderId);
      expect(captures).toHaveLength(2);
      expect(captures.reduce((sum, capture) => sum + capture.amount, 0)).toBe(canonical.total);
      expect(captures.reduce((sum, capture) => sum + (capture.totals?.tax ?? 0), 0)).toBe(240);
      expect(captures.reduce((sum, capture) => sum + (capture.totals?.shipping ?? 0), 0)).toBe(500);
    });
  });
});

describe('Given two shipping runs billing two shipments of one order at the same moment', () => {
  it('captures each once with the request it recorded, and the captures add up to the total', async () => {
    await setStock(deps, { locationId: 'ful-east', sku: 'FUL-RACE-E', onHand: 2 });
    await setStock(deps, { locationId: 'ful-west', sku: 'FUL-RACE-W', onHand: 2 });
    const canonical = order('FUL-RACE-E', 1);
    canonical.lines = [
      { sku: 'FUL-RACE-E', quantity: 1, unitPrice: 1000, discount: 100 },
      { sku: 'FUL-RACE-W', quantity: 2, unitPrice: 1000, discount: 50 },
    ];
    canonical.total = 3000 - 150 + 500 + 240;
    const orderId = await place(canonical);
    const { pickTicketIds } = await allocate(orderId);
    for (const id of pickTicketIds) {
      const ticket = await findPickTicket(deps, id);
      await confirmPick(deps, {
        pickTicketId: id,
        lines: (ticket?.lines ?? []).map(({ sku, quantity }) => ({ sku, quantity })),
      });
    }
    await selectCarrier(deps, { orderId, pickTicketIds });
    const requests: { idempotencyKey: string; amount: number; final?: boolean }[] = [];
    const capture = deps.payments.capture.bind(deps.payments);
    deps.payments.capture = async (request) => {
      requests.push(request);
      return await capture(request);
    };
    try {
      // Each run bills its own ticket; a run that finds the other between capture and record waits and retries,
      // as Step Functions retries TransientError.
      const bill = async (ticketId: string) => {
        for (let attempt = 0; ; attempt += 1) {
          try {
            return await billOrder(deps, { orderId, pickTicketIds: [ticketId] });
          } catch (error) {
            if ((error as Error).name !== 'TransientError' || attempt > 20) throw error;
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        }
      };
      await Promise.all(pickTicketIds.map((id) => bill(id)));
    } finally {
      deps.payments.capture = capture;
    }
    // Never the same key with two different requests: one request per key.
    const byKey = new Map<string, string>();
    for (const request of requests) {
      const seen = byKey.get(request.idempotencyKey);
      const body = JSON.stringify([request.amount, request.final]);
      if (seen) expect(body, request.idempotencyKey).toBe(seen);
      byKey.set(request.idempotencyKey, body);
    }
    expect(byKey.size).toBe(2);
    const record = await getOrderRecord(deps, orderId);
    expect(record?.status).toBe('shipped');
    expect(record?.payment.pendingCapture).toBeUndefined();
    const captures = await capturesOf(orderId);
    expect(captures).toHaveLength(2);
    expect(captures.reduce((sum, c) => sum + c.amount, 0)).toBe(canonical.total);
    expect(captures.reduce((sum, c) => sum + (c.totals?.shipping ?? 0), 0)).toBe(500);
  });
});

describe('Given an open ticket of an order that failed meanwhile', () => {
  it('takes the ticket off the warehouse queue instead of escalating it at every run', async () => {
    await setStock(deps, { locationId: 'ful-east', sku: 'FUL-DEAD', onHand: 1 });
    const orderId = await place(order('FUL-DEAD', 1));
    const [ticketId = ''] = (await allocate(orderId)).pickTicketIds;
    await cancelPayment(deps, { orderId });
    await releaseAllocation(deps, { orderId });
    await markOrderFailed(deps, { orderId, error: { Error: 'Test', Cause: 'the customer called' } });
    expect((await findPickTicket(deps, ticketId))?.status).toBe('open');

    skewMs = (DEFAULT_PICK_DUE_SECONDS + 60) * 1000;
    try {
      const result = await reconcileOrders(deps);
      expect(result.escalated ?? []).not.toContain(ticketId);
    } finally {
      skewMs = 0;
    }
    expect(await findPickTicket(deps, ticketId)).toMatchObject({
      status: 'cancelled',
      cancelReason: 'order failed',
    });
    const queue = await listOpenPickTickets(deps, 'ful-east');
    expect(queue.map((ticket) => ticket.id)).not.toContain(ticketId);
  });
});

describe('Given a late ticket whose SKU no other location has', () => {
  it('escalates it, backorders the order and answers the workflow with OutOfStockError', async () => {
    await setStock(deps, { locationId: 'ful-east', sku: 'FUL-D', onHand: 2 });
    const orderId = await place(order('FUL-D', 2));
    const ticketId = (await allocate(orderId)).pickTicketIds[0] ?? '';
    skewMs = (DEFAULT_PICK_DUE_SECONDS + 60) * 1000;
    try {
      expect((await reconcileOrders(deps)).escalated).toContain(ticketId);
    } finally {
      skewMs = 0;
    }
    const record = await getOrderRecord(deps, orderId);
    expect(record?.status).toBe('backordered');
    expect(record?.backorder?.missing).toEqual([{ sku: 'FUL-D', quantity: 2 }]);
    expect(deps.callbacks.find((call) => call.token === `token-${orderId}`)).toMatchObject({
      outcome: 'failure',
      payload: { error: 'OutOfStockError' },
    });
    const [row] = await stockForSku(deps, 'FUL-D');
    expect(row).toMatchObject({ reserved: 0, available: 2 });
  });
});

describe('Given bins set for some SKUs at a warehouse', () => {
  let ticketId = '';

  it('lists the ticket lines by bin, lines without a bin last, then by SKU', async () => {
    await putLocation(deps, location('ful-bins', '10002'));
    for (const sku of ['FUL-B1', 'FUL-B2', 'FUL-B3', 'FUL-B4']) {
      await setStock(deps, { locationId: 'ful-bins', sku, onHand: 5 });
    }
    await setBin(deps, { locationId: 'ful-bins', sku: 'FUL-B3', bin: 'A-02' });
    await setBin(deps, { locationId: 'ful-bins', sku: 'FUL-B1', bin: 'A-10' });
    await setBin(deps, { locationId: 'ful-bins', sku: 'FUL-B4', bin: 'A-02' });
    const canonical = order('FUL-B1', 1);
    canonical.lines = ['FUL-B4', 'FUL-B2', 'FUL-B1', 'FUL-B3'].map((sku) => ({
      sku,
      quantity: 1,
      unitPrice: 1000,
      discount: 0,
    }));
    canonical.discount = 0;
    canonical.total = 4000 + 500 + 240;
    const orderId = await place(canonical);
    ticketId = (await allocate(orderId)).pickTicketIds[0] ?? '';
    const ticket = await findPickTicket(deps, ticketId);
    expect(ticket?.lines.map((line) => [line.bin ?? null, line.sku])).toEqual([
      ['A-02', 'FUL-B3'],
      ['A-02', 'FUL-B4'],
      ['A-10', 'FUL-B1'],
      [null, 'FUL-B2'],
    ]);
    const queue = await listOpenPickTickets(deps, 'ful-bins');
    expect(queue.map((row) => row.id)).toEqual([ticketId]);
    expect(queue[0]).not.toHaveProperty('taskToken');
  });

  it('prints it as a valid PDF that holds the ticket, its bins and SKUs', async () => {
    const bytes = await pickTicketPdf(deps, ticketId);
    expect(Buffer.from(bytes.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
    const pdf = await getDocumentProxy(new Uint8Array(bytes));
    const { text } = await extractText(pdf, { mergePages: true });
    for (const expected of [
      ticketId,
      'A-02',
      'A-10',
      'FUL-B1',
      'FUL-B2',
      'FUL-B3',
      'FUL-B4',
      'Warehouse ful-bins',
    ]) {
      expect(text).toContain(expected);
    }
    expect(text.indexOf('FUL-B3')).toBeLessThan(text.indexOf('FUL-B2'));
  });

  it('records the cartons once, answers the same cartons again, and issues the packing slip', async () => {
    await confirmPick(deps, {
      pickTicketId: ticketId,
      lines: ['FUL-B1', 'FUL-B2', 'FUL-B3', 'FUL-B4'].map((sku) => ({ sku, quantity: 1 })),
    });
    const cartons = [{ lengthIn: 12, widthIn: 10, heightIn: 8, weightLb: 4.5 }];
    const first = await packPickTicket(deps, { pickTicketId: ticketId, cartons });
    expect(first).toMatchObject({
      duplicate: false,
      cartons: [{ id: 'ctn_1', lengthIn: 12, weightLb: 4.5 }],
    });
    expect(first.packingSlip).toBeTruthy();
    const again = await packPickTicket(deps, { pickTicketId: ticketId, cartons });
    expect(again).toMatchObject({ duplicate: true, packingSlip: first.packingSlip });
    expect((await findPickTicket(deps, ticketId))?.cartons).toEqual([
      { id: 'ctn_1', lengthIn: 12, widthIn: 10, heightIn: 8, weightLb: 4.5 },
    ]);
  });
});
