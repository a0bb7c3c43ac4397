import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { emailHash } from '../domain/email-hash.js';
import { NotFoundError } from '../domain/errors.js';
import {
  type ChannelPreference,
  chooseRecipient,
  maskRecipient,
  NOTIFICATION_CHANNELS,
  type OrderForMessage,
  renderNotification,
  type TemplateInput,
} from '../domain/notifications.js';
import {
  OrderAllocated,
  OrderCancelled,
  OrderDelayed,
  OrderFailed,
  OrderLinesCancelled,
  PaymentRefunded,
} from '../events/catalogue.js';
import type { Deps } from '../runtime/deps.js';
import { writeIfCondition } from '../store/db.js';
import { keys } from '../store/keys.js';
import { getOrderRecord, type NotificationRecord, type OrderRecord } from '../store/orders.js';
import { changeAttributes } from '../store/outbox.js';
import type { BusEnvelope } from './consumers.js';

/** Statuses after which a notification is never sent again (absent: recorded before delivery existed). */
const DONE = new Set<NotificationRecord['status']>(['sent', 'skipped', undefined]);

const forMessage = (order: OrderRecord): OrderForMessage => ({
  id: order.id,
  ...(order.orderNumber ? { orderNumber: order.orderNumber } : {}),
  currency: order.currency,
  lines: order.lines,
  total: order.totals.grand,
  pickup: order.fulfillment?.type === 'pickup',
});

async function readNotification(deps: Deps, orderId: string, name: string) {
  const result = await deps.db.send(
    new GetCommand({
      TableName: deps.tableName,
      Key: keys.notification(orderId, name),
      ConsistentRead: true,
    }),
  );
  return result.Item as (NotificationRecord & Record<string, unknown>) | undefined;
}

/**
 * Renders one notification and delivers it once per order and event. The notification item
 * (`NOTIFICATION#<template>[:<discriminator>]`) is the idempotency record, and its conditional put the only
 * write: read it; `sent` or `skipped` (or a record from before delivery existed) means done, so a
 * redelivered event sends nothing; otherwise send through the port, then put the record `sent` on the
 * condition that none is done yet. A crash between the send and the put sends again on the next attempt
 * (at least once; the email's Message-ID and the local file name are the same both times). A `pending`
 * record (the disruption code's) is completed by the same put. See docs/notifications.md.
 */
export async function deliverOnce(
  deps: Deps,
  order: OrderRecord,
  input: TemplateInput,
  options: { discriminator?: string; existing?: readonly NotificationRecord[] } = {},
): Promise<{ notification: NotificationRecord; outcome: 'sent' | 'duplicate' | 'skipped' }> {
  const rendered = renderNotification(forMessage(order), input);
  const name = options.discriminator ? `${rendered.template}:${options.discriminator}` : rendered.template;
  const existing = options.existing
    ? options.existing.find((record) => record.template === name)
    : await readNotification(deps, order.id, name);
  if (existing && DONE.has(existing.status)) return { notification: existing, outcome: 'duplicate' };

  const recipient = chooseRecipient(
    await getPreference(deps, emailHash(order.customer.email)),
    order.customer,
  );
  const content = {
    channel: recipient?.channel ?? 'none',
    to: recipient?.to ?? '',
    subject: rendered.subject,
    body: recipient?.channel === 'sms' ? rendered.sms : rendered.body,
  } as const;
  let sent: { messageId: string } | undefined;
  if (recipient) {
    const message = {
      orderId: order.id,
      notification: name,
      to: recipient.to,
      subject: content.subject,
      text: content.body,
    };
    sent =
      recipient.channel === 'sms'
        ? await deps.customerMessages.sms(message)
        : await deps.customerMessages.email(message);
  }
  const now = deps.clock.now().toISOString();
  const notification: NotificationRecord = {
    template: name,
    ...content,
    at: existing?.at ?? now,
    status: sent ? 'sent' : 'skipped',
    ...(sent ? { sentAt: now, messageId: sent.messageId } : {}),
  };
  const written = await writeIfCondition(
    deps,
    new PutCommand({
      TableName: deps.tableName,
      Item: {
        ...keys.notification(order.id, name),
        entity: 'Notification',
        entityVersion: 1,
        ...notification,
        ...changeAttributes(deps, {
          timeline: [
            { type: 'CustomerNotified', at: now, detail: { template: name, channel: content.channel } },
          ],
        }),
      },
      // Done by a concurrent delivery in the meantime: that one's record stands.
      ConditionExpression: 'attribute_not_exists(pk) OR #status = :pending',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':pending': 'pending' },
    }),
  );
  if (!written) return { notification, outcome: 'duplicate' };
  return { notification, outcome: sent ? 'sent' : 'skipped' };
}

/**
 * The notifications queue (rule `orders-to-notifications`): order confirmed (OrderAllocated), delayed
 * (OrderDelayed, per disruption), cancelled (OrderFailed; OrderCancelled by an agent), some units cancelled by
 * an agent (OrderLinesCancelled, per agent action) and refunded (PaymentRefunded, per refund). The
 * shipped notification is the shipping workflow's Notify step (shared/app/notify-customer.ts).
 */
export async function recordNotificationEvent(
  deps: Deps,
  envelope: BusEnvelope,
): Promise<'sent' | 'duplicate' | 'skipped' | 'ignored'> {
  const type = envelope['detail-type'];
  const planned = ((): { orderId: string; input: TemplateInput; discriminator?: string } | undefined => {
    if (type === 'OrderAllocated') {
      const data = OrderAllocated.schema.parse(envelope.detail.data);
      return { orderId: data.orderId, input: { template: 'order-confirmed' } };
    }
    if (type === 'OrderDelayed') {
      const data = OrderDelayed.schema.parse(envelope.detail.data);
      return {
        orderId: data.orderId,
        input: {
          template: 'order-delayed',
          newPromise: data.newPromise,
          previousPromise: data.previousPromise,
        },
        discriminator: data.disruptionId,
      };
    }
    if (type === 'OrderFailed') {
      const data = OrderFailed.schema.parse(envelope.detail.data);
      return { orderId: data.orderId, input: { template: 'order-cancelled' } };
    }
    if (type === 'OrderCancelled') {
      const data = OrderCancelled.schema.parse(envelope.detail.data);
      return { orderId: data.orderId, input: { template: 'order-cancelled-by-agent' } };
    }
    if (type === 'OrderLinesCancelled') {
      const data = OrderLinesCancelled.schema.parse(envelope.detail.data);
      return {
        orderId: data.orderId,
        input: { template: 'order-lines-cancelled', lines: data.lines, total: data.total },
        discriminator: data.actionId,
      };
    }
    if (type === 'PaymentRefunded') {
      const data = PaymentRefunded.schema.parse(envelope.detail.data);
      return {
        orderId: data.orderId,
        input: { template: 'order-refunded', amount: data.amount, currency: data.currency },
        discriminator: data.refundId,
      };
    }
    return undefined;
  })();
  if (!planned) return 'ignored';
  const order = await getOrderRecord(deps, planned.orderId);
  if (!order) throw new NotFoundError(`order ${planned.orderId} of ${type} does not exist`);
  return (
    await deliverOnce(deps, order, planned.input, {
      ...(planned.discriminator ? { discriminator: planned.discriminator } : {}),
    })
  ).outcome;
}

export const PreferenceBodySchema = z.strictObject({
  channel: z.enum(NOTIFICATION_CHANNELS),
  phone: z
    .string()
    .regex(/^\+[1-9][0-9]{6,14}$/, 'E.164 phone number, e.g. +14155550123')
    .optional(),
});

async function getPreference(deps: Deps, hash: string): Promise<ChannelPreference | undefined> {
  const result = await deps.db.send(
    new GetCommand({ TableName: deps.tableName, Key: keys.notificationPreference(hash) }),
  );
  if (!result.Item) return undefined;
  const { channel, phone } = result.Item as ChannelPreference;
  return { channel, ...(phone ? { phone } : {}) };
}

/** A preference as the API shows it: the phone masked, email the default. */
const view = (hash: string, preference: ChannelPreference | undefined, updatedAt?: string) => ({
  emailHash: hash,
  channel: preference?.channel ?? 'email',
  ...(preference?.phone ? { phone: maskRecipient('sms', preference.phone) } : {}),
  ...(updatedAt ? { updatedAt } : {}),
  default: preference === undefined,
});

export async function getNotificationPreference(deps: Deps, hash: string) {
  return view(hash, await getPreference(deps, hash));
}

export async function putNotificationPreference(
  deps: Deps,
  hash: string,
  body: z.infer<typeof PreferenceBodySchema>,
) {
  const updatedAt = deps.clock.now().toISOString();
  const preference: ChannelPreference = {
    channel: body.channel,
    ...(body.phone ? { phone: body.phone } : {}),
  };
  await deps.db.send(
    new PutCommand({
      TableName: deps.tableName,
      Item: {
        ...keys.notificationPreference(hash),
        entity: 'NotificationPreference',
        entityVersion: 1,
        ...preference,
        updatedAt,
      },
    }),
  );
  return view(hash, preference, updatedAt);
}

/** `GET /notifications?orderId=`: an order's notification records, recipients masked, oldest first. */
export async function listNotifications(deps: Deps, orderId: string) {
  const order = await getOrderRecord(deps, orderId);
  if (!order) throw new NotFoundError(`order ${orderId} does not exist`);
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await deps.db.send(
      new QueryCommand({
        TableName: deps.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
        ExpressionAttributeValues: { ':pk': keys.order(orderId).pk, ':sk': 'NOTIFICATION#' },
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  const notifications = (items as unknown as NotificationRecord[])
    .map((record) => ({
      template: record.template,
      channel: record.channel,
      to: record.channel === 'none' || !record.to ? '' : maskRecipient(record.channel, record.to),
      subject: record.subject,
      status: record.status ?? 'sent',
      at: record.sentAt ?? record.at,
    }))
    .sort((a, b) => a.at.localeCompare(b.at));
  return { orderId, notifications };
}
