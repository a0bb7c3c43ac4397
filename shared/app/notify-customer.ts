import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '../domain/errors.js';
import { formatMinorUnits } from '../domain/money.js';
import type { Deps } from '../runtime/deps.js';
import { writeIfCondition } from '../store/db.js';
import { keys } from '../store/keys.js';
import { getOrderAggregate, type NotificationRecord } from '../store/orders.js';
import { changeAttributes } from '../store/outbox.js';

const TEMPLATE = 'order-shipped';

/**
 * Records the "your order shipped" notification, once: the notification item's condition makes a
 * redelivered step send nothing new.
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
  // One conditional put: the notification record and its timeline line, and its condition
  // makes a redelivered step send nothing new. The order keeps its status: `shipped` is where the workflow
  // leaves it (delivery confirmation is the carrier's news, not ours).
  const written = await writeIfCondition(
    deps,
    new PutCommand({
      TableName: deps.tableName,
      Item: {
        ...keys.notification(order.id, TEMPLATE),
        entity: 'Notification',
        entityVersion: 1,
        ...notification,
        ...changeAttributes(deps, {
          timeline: [{ type: 'CustomerNotified', at: now, detail: { template: TEMPLATE } }],
        }),
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  if (!written) return await notifyCustomer(deps, input);
  return { notification };
}
