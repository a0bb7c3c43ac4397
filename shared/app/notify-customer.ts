import { ConflictError, NotFoundError } from '../domain/errors.js';
import { formatMinorUnits } from '../domain/money.js';
import { CustomerNotified, OrderCompleted } from '../events/catalogue.js';
import type { Deps } from '../runtime/deps.js';
import { keys } from '../store/keys.js';
import {
  getOrderAggregate,
  type NotificationRecord,
  statusUpdateItem,
  timelineItem,
  transact,
} from '../store/orders.js';
import { outboxItem } from '../store/outbox.js';

const TEMPLATE = 'order-shipped';

/**
 * Records the "your order shipped" notification and completes the order, once: the notification item's
 * condition makes a redelivered step send nothing new.
 */
export async function notifyCustomer(
  deps: Deps,
  input: { orderId: string },
): Promise<{ notification: NotificationRecord }> {
  const aggregate = await getOrderAggregate(deps, input.orderId);
  if (!aggregate) throw new NotFoundError(`order ${input.orderId} does not exist`);
  const { order } = aggregate;
  const sent = aggregate.notifications.find((notification) => notification.template === TEMPLATE);
  if (sent) return { notification: sent };
  if (order.status !== 'shipped')
    throw new ConflictError(`order ${order.id} is ${order.status}; not shipped yet`);

  const now = deps.clock.now().toISOString();
  const tracking = aggregate.shipments.map((shipment) => `${shipment.carrier} ${shipment.trackingNumber}`);
  const notification: NotificationRecord = {
    template: TEMPLATE,
    channel: 'email',
    to: order.customer.email,
    subject: `Your order ${order.orderNumber ?? order.id} has shipped`,
    body: `Total ${formatMinorUnits(order.totals.grand, order.currency)} ${order.currency}. Tracking: ${tracking.join(', ')}.`,
    at: now,
  };
  const meta = (suffix: string) => ({
    correlationId: order.correlationId,
    idempotencyKey: `${order.id}:${suffix}`,
    occurredAt: deps.clock.now(),
  });
  const written = await transact(deps, [
    {
      Put: {
        TableName: deps.tableName,
        Item: {
          ...keys.notification(order.id, TEMPLATE),
          entity: 'Notification',
          entityVersion: 1,
          ...notification,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    statusUpdateItem(deps, order, 'completed', ['shipped']),
    timelineItem(deps, order.id, { type: 'CustomerNotified', at: now, detail: { template: TEMPLATE } }),
    ...outboxItem(deps, [
      CustomerNotified.create(
        { orderId: order.id, template: TEMPLATE, channel: 'email' },
        meta(`notified:${TEMPLATE}`),
      ),
      OrderCompleted.create({ orderId: order.id }, meta('completed')),
    ]),
  ]);
  if (!written) return await notifyCustomer(deps, input);
  return { notification };
}
