import { ConflictError, NotFoundError } from '../domain/errors.js';
import type { Deps } from '../runtime/deps.js';
import { getOrderAggregate, type NotificationRecord } from '../store/orders.js';
import { deliverOnce } from './notifications.js';

/**
 * The shipping workflow's Notify step: "your order shipped" with its carriers and tracking numbers, or
 * "ready for pickup" for a pickup order, delivered once per order (deliverOnce: the notification item's
 * conditional put is the idempotency record, so a redelivered step sends nothing new). The order keeps its
 * status: `shipped` is where the workflow leaves it (delivery confirmation is the carrier's news, not ours).
 */
export async function notifyCustomer(
  deps: Deps,
  input: { orderId: string; pickTicketIds?: string[] },
): Promise<{ notification: NotificationRecord }> {
  const aggregate = await getOrderAggregate(deps, input.orderId);
  if (!aggregate) throw new NotFoundError(`order ${input.orderId} does not exist`);
  const { order } = aggregate;
  // A re-routed remainder's run tells the customer about its own parcel, once per shipment
  // (`order-shipped:<shipmentId>`); the first wave keeps the order's one "shipped" notification.
  const later = aggregate.pickTickets.filter(
    (ticket) => ticket.firstWave === false && input.pickTicketIds?.includes(ticket.id),
  );
  if (later.length > 0) {
    if (order.status !== 'shipped' && order.status !== 'partially_shipped')
      throw new ConflictError(`order ${order.id} is ${order.status}; not shipped yet`);
    const shipments = aggregate.shipments.filter((shipment) =>
      later.some((ticket) => ticket.id === shipment.pickTicketId),
    );
    const { notification } = await deliverOnce(
      deps,
      order,
      {
        template: 'order-shipped',
        tracking: shipments.map(({ carrier, trackingNumber }) => ({ carrier, trackingNumber })),
      },
      {
        discriminator: shipments.map((shipment) => shipment.id).join('+'),
        existing: aggregate.notifications,
      },
    );
    return { notification };
  }
  const done = aggregate.notifications.find(
    (notification) =>
      (notification.template === 'order-shipped' || notification.template === 'ready-for-pickup') &&
      (notification.status === undefined ||
        notification.status === 'sent' ||
        notification.status === 'skipped'),
  );
  if (done) return { notification: done };
  if (order.status !== 'shipped' && order.status !== 'partially_shipped')
    throw new ConflictError(`order ${order.id} is ${order.status}; not shipped yet`);
  const tracking = aggregate.shipments
    .filter(
      (shipment) =>
        !input.pickTicketIds || !shipment.pickTicketId || input.pickTicketIds.includes(shipment.pickTicketId),
    )
    .map(({ carrier, trackingNumber }) => ({ carrier, trackingNumber }));
  const { notification } = await deliverOnce(
    deps,
    order,
    { template: 'order-shipped', tracking },
    { existing: aggregate.notifications },
  );
  return { notification };
}
