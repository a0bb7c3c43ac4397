import { promiseOf } from '../domain/disruptions.js';
import type { OrderAggregate } from '../store/orders.js';

/** The public shape of `GET /orders/{id}`: the order with everything that happened to it, newest last. */
export function toOrderView(aggregate: OrderAggregate) {
  const { order } = aggregate;
  return {
    id: order.id,
    status: order.status,
    channel: order.channel,
    externalId: order.externalId,
    orderNumber: order.orderNumber ?? null,
    currency: order.currency,
    customer: order.customer,
    shippingAddress: order.shippingAddress,
    fulfillment: order.fulfillment ?? { type: 'ship' },
    backorder: order.backorder ?? null,
    /** Who cancelled the order and why, when an agent did. */
    cancellation: order.cancellation ?? null,
    /** The delivery date promised: the one a disruption moved it to, else the one given at placing. */
    promisedBy: promiseOf(order),
    lines: order.lines,
    totals: order.totals,
    /** Codes redeemed at intake, each with its discount and its share of each line (docs/coupons.md). */
    coupons: (order.coupons ?? []).map(({ code, type, discount, lines }) => ({
      code,
      type,
      discount,
      lines,
    })),
    payment: order.payment,
    allocations: order.allocations,
    pickTickets: aggregate.pickTickets.map(({ taskToken: _token, ...ticket }) => ticket),
    shipments: aggregate.shipments.map(({ options: _options, ...shipment }) => shipment),
    journal: aggregate.journal,
    notifications: aggregate.notifications,
    timeline: [
      { type: 'OrderPlaced', at: order.createdAt },
      ...[...aggregate.timeline].sort((a, b) => a.at.localeCompare(b.at)),
    ],
    placedAt: order.placedAt,
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
  };
}
