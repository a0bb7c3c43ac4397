import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { allocateOrder } from '../../shared/app/allocate-order.js';
import { billOrder } from '../../shared/app/bill-order.js';
import { confirmPick } from '../../shared/app/confirm-pick.js';
import { setStock } from '../../shared/app/inventory.js';
import {
  listNotifications,
  putNotificationPreference,
  recordNotificationEvent,
} from '../../shared/app/notifications.js';
import { notifyCustomer } from '../../shared/app/notify-customer.js';
import { placeOrder } from '../../shared/app/place-order.js';
import { selectCarrier } from '../../shared/app/select-carrier.js';
import { emailHash } from '../../shared/domain/email-hash.js';
import { OrderAllocated, OrderDelayed, OrderFailed, PaymentRefunded } from '../../shared/events/catalogue.js';
import type { DomainEvent } from '../../shared/events/envelope.js';
import type { CustomerMessage } from '../../shared/ports/customer-messages.js';
import { keys } from '../../shared/store/keys.js';
import { putLocation } from '../../shared/store/locations.js';
import { getOrderAggregate } from '../../shared/store/orders.js';
import { busEnvelope } from '../support/bus.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';

let deps: TestDeps;
let sequence = 0;
const sent: (CustomerMessage & { channel: 'email' | 'sms' })[] = [];

const newOrder = async (options: { email?: string; phone?: string } = {}) => {
  sequence += 1;
  const { orderId } = await placeOrder(deps, {
    order: {
      channel: 'direct',
      externalId: `notify-${Date.now()}-${sequence}`,
      orderNumber: `N-${sequence}`,
      currency: 'USD',
      customer: {
        email: options.email ?? `notify-${sequence}@example.com`,
        ...(options.phone ? { phone: options.phone } : {}),
      },
      shippingAddress: { line1: '1 Main St', city: 'New York', postalCode: '10001', country: 'US' },
      lines: [{ sku: 'SKU-NT', name: 'Notebook', quantity: 2, unitPrice: 1250, discount: 0 }],
      shipping: 500,
      tax: 200,
      discount: 0,
      total: 3200,
      fulfillment: { type: 'ship' },
    },
  });
  return orderId;
};

const meta = (orderId: string, step: string) => ({
  correlationId: orderId,
  idempotencyKey: `${orderId}:${step}`,
  occurredAt: new Date(),
});

/** Delivers `event` to the consumer as EventBridge would, under a fresh envelope id (a redelivery). */
let envelopes = 0;
const deliver = (event: DomainEvent) => {
  envelopes += 1;
  return recordNotificationEvent(deps, busEnvelope(event, `env-${envelopes}`));
};

const allocated = (orderId: string) =>
  OrderAllocated.create(
    {
      orderId,
      allocations: [{ locationId: 'wh-nt', reason: 'test', lines: [{ sku: 'SKU-NT', quantity: 2 }] }],
    },
    meta(orderId, 'allocated'),
  );

const sentFor = (orderId: string) => sent.filter((message) => message.orderId === orderId);

beforeAll(async () => {
  deps = await createTestDeps();
  deps.customerMessages = {
    email: async (message) => {
      sent.push({ ...message, channel: 'email' });
      return { messageId: `${message.notification}@test` };
    },
    sms: async (message) => {
      sent.push({ ...message, channel: 'sms' });
      return { messageId: `${message.notification}.sms@test` };
    },
  };
  await putLocation(deps, {
    id: 'wh-nt',
    kind: 'warehouse',
    name: 'Notifications DC',
    address: { line1: '1 Dock', city: 'Newark', postalCode: '07114', country: 'US' },
    shipsToHome: true,
    pickup: false,
    dailyCapacity: 0,
    cutoffTime: '23:59',
  });
  await setStock(deps, { locationId: 'wh-nt', sku: 'SKU-NT', onHand: 1000 });
});

beforeEach(() => {
  sent.length = 0;
});

describe('Given an order the customer gets notified about', () => {
  describe('When OrderAllocated arrives twice', () => {
    it('sends "order confirmed" with the lines and the total, once', async () => {
      const orderId = await newOrder();
      const event = allocated(orderId);
      expect(await deliver(event)).toBe('sent');
      expect(await deliver(event)).toBe('duplicate');

      expect(sentFor(orderId)).toEqual([
        expect.objectContaining({
          channel: 'email',
          notification: 'order-confirmed',
          to: `notify-${sequence}@example.com`,
          subject: `Order N-${sequence} confirmed`,
        }),
      ]);
      const [message] = sentFor(orderId);
      expect(message?.text).toContain('2 × Notebook');
      expect(message?.text).toContain('Total: 32.00 USD.');
      const { notifications } = await listNotifications(deps, orderId);
      expect(notifications).toEqual([
        expect.objectContaining({
          template: 'order-confirmed',
          channel: 'email',
          status: 'sent',
          to: 'n***@example.com',
        }),
      ]);
    });
  });

  describe('When it ships and the Notify step runs twice', () => {
    it('sends "shipped" with the carrier and tracking number, once', async () => {
      const orderId = await newOrder();
      await allocateOrder(deps, { orderId, taskToken: 't1' });
      const ticket = (await getOrderAggregate(deps, orderId))?.pickTickets[0];
      if (!ticket) throw new Error('no pick ticket');
      await confirmPick(deps, {
        pickTicketId: ticket.id,
        lines: ticket.lines.map(({ sku, quantity }) => ({ sku, quantity })),
      });
      const { shipments } = await selectCarrier(deps, { orderId });
      await billOrder(deps, { orderId });
      await notifyCustomer(deps, { orderId });
      await notifyCustomer(deps, { orderId });

      const messages = sentFor(orderId);
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatchObject({
        notification: 'order-shipped',
        subject: `Your order N-${sequence} has shipped`,
      });
      const [shipment] = shipments;
      expect(messages[0]?.text).toContain(`${shipment?.carrier} ${shipment?.trackingNumber}`);
      const aggregate = await getOrderAggregate(deps, orderId);
      expect(aggregate?.notifications.filter((n) => n.template === 'order-shipped')).toEqual([
        expect.objectContaining({ status: 'sent', messageId: 'order-shipped@test' }),
      ]);
    });
  });

  describe('When a disruption recorded a pending delay notice and OrderDelayed arrives twice', () => {
    it('sends "delayed" with the new promise date once and marks the record sent', async () => {
      const orderId = await newOrder();
      // What shared/app/disruptions.ts writes: the record, pending.
      await deps.db.send(
        new PutCommand({
          TableName: deps.tableName,
          Item: {
            ...keys.notification(orderId, 'order-delayed:dis-1'),
            template: 'order-delayed:dis-1',
            channel: 'email',
            to: 'x@example.com',
            subject: 'later',
            body: 'later',
            at: new Date().toISOString(),
            status: 'pending',
          },
        }),
      );
      const event = OrderDelayed.create(
        {
          orderId,
          disruptionId: 'dis-1',
          kind: 'weather',
          severity: 'high',
          reason: 'storm',
          previousPromise: '2030-01-02',
          newPromise: '2030-01-05',
        },
        meta(orderId, 'delayed:dis-1'),
      );
      expect(await deliver(event)).toBe('sent');
      expect(await deliver(event)).toBe('duplicate');
      expect(sentFor(orderId)).toEqual([expect.objectContaining({ notification: 'order-delayed:dis-1' })]);
      expect(sentFor(orderId)[0]?.text).toContain('by 2030-01-05 instead of 2030-01-02');
      const { notifications } = await listNotifications(deps, orderId);
      expect(notifications).toEqual([
        expect.objectContaining({ template: 'order-delayed:dis-1', status: 'sent' }),
      ]);
    });
  });

  describe('When the order fails and its payment is refunded', () => {
    it('sends "cancelled" and "refunded" with the amount, once each', async () => {
      const orderId = await newOrder();
      const failed = OrderFailed.create(
        { orderId, error: 'PickShort', cause: 'short' },
        meta(orderId, 'failed'),
      );
      const refunded = PaymentRefunded.create(
        { orderId, amount: 3200, currency: 'USD', refundId: 'rf-1', journalEntryId: 'je-1' },
        meta(orderId, 'refunded'),
      );
      for (const event of [failed, refunded, failed, refunded]) await deliver(event);

      expect(sentFor(orderId).map((message) => message.notification)).toEqual([
        'order-cancelled',
        'order-refunded:rf-1',
      ]);
      expect(sentFor(orderId)[1]?.text).toContain('We refunded 32.00 USD');
    });
  });
});

describe('Given a customer who prefers SMS', () => {
  it('texts the phone of the preference, and the last 4 digits show in the list', async () => {
    const email = `sms-${Date.now()}@example.com`;
    await putNotificationPreference(deps, emailHash(email), { channel: 'sms', phone: '+12125550147' });
    const orderId = await newOrder({ email });
    expect(await deliver(allocated(orderId))).toBe('sent');

    expect(sentFor(orderId)).toEqual([
      expect.objectContaining({
        channel: 'sms',
        to: '+12125550147',
        text: expect.stringContaining('confirmed'),
      }),
    ]);
    const { notifications } = await listNotifications(deps, orderId);
    expect(notifications).toEqual([expect.objectContaining({ channel: 'sms', to: '***0147' })]);
  });

  it('texts the order phone when the preference has none, and falls back to email without either', async () => {
    const email = `sms-order-${Date.now()}@example.com`;
    await putNotificationPreference(deps, emailHash(email), { channel: 'sms' });
    const withPhone = await newOrder({ email, phone: '+14155550100' });
    const withoutPhone = await newOrder({ email });
    await deliver(allocated(withPhone));
    await deliver(allocated(withoutPhone));

    expect(sentFor(withPhone)).toEqual([expect.objectContaining({ channel: 'sms', to: '+14155550100' })]);
    expect(sentFor(withoutPhone)).toEqual([expect.objectContaining({ channel: 'email', to: email })]);
  });
});

describe("Given a customer who asked for 'none'", () => {
  it('sends nothing, and records the event as skipped so a redelivery sends nothing either', async () => {
    const email = `none-${Date.now()}@example.com`;
    await putNotificationPreference(deps, emailHash(email), { channel: 'none' });
    const orderId = await newOrder({ email });
    expect(await deliver(allocated(orderId))).toBe('skipped');
    expect(await deliver(allocated(orderId))).toBe('duplicate');

    expect(sentFor(orderId)).toEqual([]);
    const { notifications } = await listNotifications(deps, orderId);
    expect(notifications).toEqual([
      expect.objectContaining({ template: 'order-confirmed', channel: 'none', status: 'skipped', to: '' }),
    ]);
  });
});

describe('Given an event the notifications queue does not serve', () => {
  it('ignores it', async () => {
    const orderId = await newOrder();
    const other = { ...allocated(orderId), detailType: 'OrderPlaced' };
    expect(await deliver(other)).toBe('ignored');
  });
});
