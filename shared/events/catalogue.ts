import { z } from 'zod';
import { defineEvent } from './envelope.js';

const orderRef = { orderId: z.string(), channel: z.string(), externalId: z.string() };

export const OrderPlaced = defineEvent({
  source: 'oms.orders',
  detailType: 'OrderPlaced',
  version: 1,
  description: 'A new order was accepted from a channel and its workflow started.',
  producers: ['receive-*-webhook', 'create-order'],
  consumers: ['marketing'],
  schema: z.object({
    ...orderRef,
    currency: z.string(),
    grandTotal: z.number().int(),
    lineCount: z.number().int(),
    skus: z.array(z.string()),
  }),
});

export const OrderAllocated = defineEvent({
  source: 'oms.inventory',
  detailType: 'OrderAllocated',
  version: 1,
  description: 'Stock was reserved for every line of the order at the listed locations.',
  producers: ['allocate-order'],
  consumers: ['marketing'],
  schema: z.object({
    orderId: z.string(),
    allocations: z.array(
      z.object({
        locationId: z.string(),
        reason: z.string(),
        lines: z.array(z.object({ sku: z.string(), quantity: z.number().int() })),
      }),
    ),
  }),
});

export const OrderBackordered = defineEvent({
  source: 'oms.inventory',
  detailType: 'OrderBackordered',
  version: 1,
  description: 'No location could reserve the order; it waits for stock.',
  producers: ['allocate-order'],
  consumers: [],
  schema: z.object({
    orderId: z.string(),
    missing: z.array(z.object({ sku: z.string(), quantity: z.number() })),
  }),
});

export const StockReleased = defineEvent({
  source: 'oms.inventory',
  detailType: 'StockReleased',
  version: 1,
  description: "An order's held reservations were returned to available stock.",
  producers: ['release-allocation'],
  consumers: [],
  schema: z.object({
    orderId: z.string(),
    lines: z.array(z.object({ locationId: z.string(), sku: z.string(), quantity: z.number().int() })),
  }),
});

export const PickTicketOpened = defineEvent({
  source: 'oms.fulfillment',
  detailType: 'PickTicketOpened',
  version: 1,
  description: 'A location was asked to pick the allocated lines.',
  producers: ['allocate-order'],
  consumers: [],
  schema: z.object({ orderId: z.string(), pickTicketId: z.string(), locationId: z.string() }),
});

export const PickConfirmed = defineEvent({
  source: 'oms.fulfillment',
  detailType: 'PickConfirmed',
  version: 1,
  description: 'The warehouse confirmed what it picked; short picks carry the missing quantities.',
  producers: ['confirm-pick'],
  consumers: [],
  schema: z.object({
    orderId: z.string(),
    pickTicketId: z.string(),
    short: z.boolean(),
    lines: z.array(z.object({ sku: z.string(), ordered: z.number().int(), picked: z.number().int() })),
  }),
});

export const CarrierSelected = defineEvent({
  source: 'oms.fulfillment',
  detailType: 'CarrierSelected',
  version: 1,
  description: 'A carrier service was chosen by rate shopping and its label bought.',
  producers: ['select-carrier'],
  consumers: [],
  schema: z.object({
    orderId: z.string(),
    shipmentId: z.string(),
    carrier: z.string(),
    service: z.string(),
    trackingNumber: z.string(),
    cost: z.number().int(),
    currency: z.string(),
  }),
});

export const OrderShipped = defineEvent({
  source: 'oms.fulfillment',
  detailType: 'OrderShipped',
  version: 1,
  description: 'The order left the building: stock left on-hand and reserved.',
  producers: ['bill-order'],
  consumers: ['marketing'],
  schema: z.object({
    orderId: z.string(),
    shipments: z.array(z.object({ carrier: z.string(), service: z.string(), trackingNumber: z.string() })),
  }),
});

export const PaymentAuthorized = defineEvent({
  source: 'oms.billing',
  detailType: 'PaymentAuthorized',
  version: 1,
  description: 'The gateway approved an authorization for the order total.',
  producers: ['allocate-order'],
  consumers: ['accounting'],
  schema: z.object({
    orderId: z.string(),
    amount: z.number().int(),
    currency: z.string(),
    authorizationId: z.string(),
  }),
});

export const PaymentCaptured = defineEvent({
  source: 'oms.billing',
  detailType: 'PaymentCaptured',
  version: 1,
  description: 'Money was captured and the sale posted to the ledger.',
  producers: ['bill-order'],
  consumers: ['accounting'],
  schema: z.object({
    orderId: z.string(),
    amount: z.number().int(),
    currency: z.string(),
    captureId: z.string(),
    journalEntryId: z.string(),
  }),
});

export const PaymentVoided = defineEvent({
  source: 'oms.billing',
  detailType: 'PaymentVoided',
  version: 1,
  description: 'An uncaptured authorization was voided.',
  producers: ['cancel-payment'],
  consumers: ['accounting'],
  schema: z.object({ orderId: z.string(), authorizationId: z.string() }),
});

export const PaymentRefunded = defineEvent({
  source: 'oms.billing',
  detailType: 'PaymentRefunded',
  version: 1,
  description: 'Captured money was returned and the reversal posted to the ledger.',
  producers: ['cancel-payment'],
  consumers: ['accounting'],
  schema: z.object({
    orderId: z.string(),
    amount: z.number().int(),
    currency: z.string(),
    refundId: z.string(),
    journalEntryId: z.string(),
  }),
});

export const CustomerNotified = defineEvent({
  source: 'oms.notifications',
  detailType: 'CustomerNotified',
  version: 1,
  description: 'A status notification was recorded for the customer.',
  producers: ['notify-customer'],
  consumers: [],
  schema: z.object({ orderId: z.string(), template: z.string(), channel: z.enum(['email', 'sms']) }),
});

export const OrderCompleted = defineEvent({
  source: 'oms.orders',
  detailType: 'OrderCompleted',
  version: 1,
  description: 'Shipped, billed and notified: nothing is left to do for the order.',
  producers: ['notify-customer'],
  consumers: ['marketing'],
  schema: z.object({ orderId: z.string() }),
});

export const OrderFailed = defineEvent({
  source: 'oms.orders',
  detailType: 'OrderFailed',
  version: 1,
  description: 'The workflow gave up; payment was voided or refunded and stock released.',
  producers: ['mark-order-failed'],
  consumers: ['marketing'],
  schema: z.object({ orderId: z.string(), error: z.string(), cause: z.string() }),
});

export const eventCatalogue = [
  OrderPlaced,
  OrderAllocated,
  OrderBackordered,
  StockReleased,
  PickTicketOpened,
  PickConfirmed,
  CarrierSelected,
  OrderShipped,
  PaymentAuthorized,
  PaymentCaptured,
  PaymentVoided,
  PaymentRefunded,
  CustomerNotified,
  OrderCompleted,
  OrderFailed,
] as const;
