import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { allocateOrder } from '../../shared/app/allocate-order.js';
import { billOrder } from '../../shared/app/bill-order.js';
import { cancelPayment } from '../../shared/app/compensate.js';
import { confirmPick } from '../../shared/app/confirm-pick.js';
import { recordAccountingEvent, recordMarketingEvent } from '../../shared/app/consumers.js';
import { setStock } from '../../shared/app/inventory.js';
import { notifyCustomer } from '../../shared/app/notify-customer.js';
import { placeOrder } from '../../shared/app/place-order.js';
import { selectCarrier } from '../../shared/app/select-carrier.js';
import { PaymentRefunded } from '../../shared/events/catalogue.js';
import type { DomainEvent } from '../../shared/events/envelope.js';
import { keys } from '../../shared/store/keys.js';
import { putLocation } from '../../shared/store/locations.js';
import { getOrderAggregate } from '../../shared/store/orders.js';
import { busEnvelope, eventOf } from '../support/bus.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';

let deps: TestDeps;
let sequence = 0;

const newOrder = async (email = 'redelivery@example.com') => {
  sequence += 1;
  const { orderId } = await placeOrder(deps, {
    order: {
      channel: 'direct',
      externalId: `redelivery-${Date.now()}-${sequence}`,
      currency: 'USD',
      customer: { email },
      shippingAddress: { line1: '1 Main St', city: 'New York', postalCode: '10001', country: 'US' },
      lines: [{ sku: 'SKU-RD', quantity: 1, unitPrice: 2500, discount: 0 }],
      shipping: 500,
      tax: 200,
      discount: 0,
      total: 3200,
      fulfillment: { type: 'ship' },
    },
  });
  return orderId;
};

const envelope = (event: DomainEvent, id: string) => busEnvelope(event, id, '2026-11-26T12:00:00Z');

beforeAll(async () => {
  deps = await createTestDeps();
  await putLocation(deps, {
    id: 'wh-rd',
    kind: 'warehouse',
    name: 'Redelivery DC',
    address: { line1: '1 Dock', city: 'Newark', postalCode: '07114', country: 'US' },
    shipsToHome: true,
    pickup: false,
    dailyCapacity: 0,
    cutoffTime: '23:59',
  });
  await setStock(deps, { locationId: 'wh-rd', sku: 'SKU-RD', onHand: 100 });
});

describe('Given an order whose workflow steps are delivered twice and out of order', () => {
  it('takes effect once per step and refuses a step that comes too early', async () => {
    const orderId = await newOrder();
    await allocateOrder(deps, { orderId, taskToken: 't1' });
    await allocateOrder(deps, { orderId, taskToken: 't2' });
    await expect(notifyCustomer(deps, { orderId })).rejects.toMatchObject({ name: 'ConflictError' });
    await expect(billOrder(deps, { orderId })).rejects.toMatchObject({ name: 'ConflictError' });

    const ticket = (await getOrderAggregate(deps, orderId))?.pickTickets[0];
    if (!ticket) throw new Error('no pick ticket');
    const lines = ticket.lines.map(({ sku, quantity }) => ({ sku, quantity }));
    await confirmPick(deps, { pickTicketId: ticket.id, lines });
    const repeat = await confirmPick(deps, { pickTicketId: ticket.id, lines });
    expect(repeat.duplicate).toBe(true);
    await expect(
      confirmPick(deps, { pickTicketId: ticket.id, lines: [{ sku: 'SKU-RD', quantity: 0 }] }),
    ).rejects.toMatchObject({ statusCode: 409 });

    const [first, second] = await Promise.all([
      selectCarrier(deps, { orderId }),
      selectCarrier(deps, { orderId }),
    ]);
    expect(second.shipments.map((s) => s.trackingNumber)).toEqual(
      first.shipments.map((s) => s.trackingNumber),
    );
    const bills = await Promise.all([billOrder(deps, { orderId }), billOrder(deps, { orderId })]);
    expect(bills[0].payment.captureId).toBe(bills[1].payment.captureId);
    await Promise.all([notifyCustomer(deps, { orderId }), notifyCustomer(deps, { orderId })]);
    expect(await cancelPayment(deps, { orderId })).toEqual({ outcome: 'nothing-to-undo' });

    const outbox = (await deps.outbox()).filter(
      (event) => (event.detail.data as { orderId?: string }).orderId === orderId,
    );
    // The accounting consumer posts the sale from PaymentCaptured, whichever copy of it arrives.
    const captured = eventOf(outbox, 'PaymentCaptured', orderId);
    const postings = await Promise.all([
      recordAccountingEvent(deps, envelope(captured, 'c-1')),
      recordAccountingEvent(deps, envelope(captured, 'c-2')),
    ]);
    expect(postings.sort()).toEqual(['applied', 'duplicate']);

    const aggregate = await getOrderAggregate(deps, orderId);
    expect(aggregate?.order.status).toBe('shipped');
    expect(aggregate?.shipments).toHaveLength(1);
    expect(aggregate?.journal).toHaveLength(1);
    expect(aggregate?.journal[0]).toMatchObject({ id: `je_${orderId.slice(4)}_sale` });
    expect(aggregate?.notifications).toHaveLength(1);
    const outboxTypes = outbox.map((event) => event.detailType);
    for (const type of ['OrderPlaced', 'OrderAllocated', 'PaymentCaptured', 'OrderShipped']) {
      expect(
        outboxTypes.filter((candidate) => candidate === type),
        type,
      ).toHaveLength(1);
    }
  });
});

describe('Given queue messages delivered twice and out of order', () => {
  it('the consumers apply each event once, whatever the order', async () => {
    const orderId = await newOrder('queue@example.com');
    await allocateOrder(deps, { orderId, taskToken: 'q1' });
    const events = await deps.outbox();
    const mine = events.filter((event) => (event.detail.data as { orderId?: string }).orderId === orderId);
    const placed = eventOf(mine, 'OrderPlaced', orderId);

    // EventBridge may deliver the same event under a new envelope id when the outbox is published twice.
    expect(await recordMarketingEvent(deps, envelope(placed, 'e-2'))).toBe('applied');
    expect(await recordMarketingEvent(deps, envelope(placed, 'e-1'))).toBe('duplicate');
    expect(await recordMarketingEvent(deps, envelope(placed, 'e-2'))).toBe('duplicate');

    const interest = await deps.db.send(
      new GetCommand({ TableName: deps.tableName, Key: keys.productInterest('SKU-RD') }),
    );
    expect(interest.Item?.ordered).toBe(1);
  });

  it('the accounting consumer holds a refund that arrives before its sale, then posts each once', async () => {
    const orderId = await newOrder('refund-first@example.com');
    await allocateOrder(deps, { orderId, taskToken: 'r1' });
    const ticket = (await getOrderAggregate(deps, orderId))?.pickTickets[0];
    if (!ticket) throw new Error('no pick ticket');
    await confirmPick(deps, { pickTicketId: ticket.id, lines: [{ sku: 'SKU-RD', quantity: 1 }] });
    await selectCarrier(deps, { orderId });
    await billOrder(deps, { orderId });
    const captured = eventOf(await deps.outbox(), 'PaymentCaptured', orderId);
    const refunded = PaymentRefunded.create(
      {
        orderId,
        amount: 3200,
        currency: 'USD',
        refundId: 'ref_test',
        journalEntryId: `je_${orderId.slice(4)}_refund`,
      },
      { correlationId: orderId, idempotencyKey: `${orderId}:refunded`, occurredAt: new Date() },
    );

    await expect(recordAccountingEvent(deps, envelope(refunded, 'r-1'))).rejects.toMatchObject({
      name: 'TransientError',
    });
    expect(await recordAccountingEvent(deps, envelope(captured, 'c-1'))).toBe('applied');
    expect(await recordAccountingEvent(deps, envelope(refunded, 'r-1'))).toBe('applied');
    expect(await recordAccountingEvent(deps, envelope(refunded, 'r-2'))).toBe('duplicate');
    expect(await recordAccountingEvent(deps, envelope(captured, 'c-2'))).toBe('duplicate');

    const journal = (await getOrderAggregate(deps, orderId))?.journal ?? [];
    expect(journal.map((entry) => entry.id).sort()).toEqual([
      `je_${orderId.slice(4)}_refund`,
      `je_${orderId.slice(4)}_sale`,
    ]);
    for (const entry of journal) {
      const debits = entry.lines.reduce((sum, line) => sum + line.debit, 0);
      const credits = entry.lines.reduce((sum, line) => sum + line.credit, 0);
      expect(debits).toBe(credits);
    }
    // The refund reverses the sale line for line.
    const [refund, sale] = [...journal].sort((a, b) => a.id.localeCompare(b.id));
    expect(refund?.lines.map((line) => [line.account, line.debit, line.credit])).toEqual(
      sale?.lines.map((line) => [line.account, line.credit, line.debit]),
    );
  });
});
