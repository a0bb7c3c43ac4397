/**
 * The event catalogue: one module per event under catalogue/, each with its versioned zod schema.
 * docs/events.md is generated from this list (npm run docs:events) and a test fails when it drifts.
 */

import { CartAbandoned } from './catalogue/cart-abandoned.js';
import { CartRecoveryRequested } from './catalogue/cart-recovery-requested.js';
import { FreightInvoiceApproved } from './catalogue/freight-invoice-approved.js';
import { OrderAllocated } from './catalogue/order-allocated.js';
import { OrderBackordered } from './catalogue/order-backordered.js';
import { OrderCancelled } from './catalogue/order-cancelled.js';
import { OrderDelayed } from './catalogue/order-delayed.js';
import { OrderFailed } from './catalogue/order-failed.js';
import { OrderLinesCancelled } from './catalogue/order-lines-cancelled.js';
import { OrderPlaced } from './catalogue/order-placed.js';
import { OrderShipped } from './catalogue/order-shipped.js';
import { PaymentAuthorized } from './catalogue/payment-authorized.js';
import { PaymentCaptured } from './catalogue/payment-captured.js';
import { PaymentRefunded } from './catalogue/payment-refunded.js';
import { PaymentVoided } from './catalogue/payment-voided.js';
import { PickEscalated } from './catalogue/pick-escalated.js';
import { PickTicketOpened } from './catalogue/pick-ticket-opened.js';
import { PurchaseOrderSent } from './catalogue/purchase-order-sent.js';
import { StockReceived } from './catalogue/stock-received.js';
import { StockReleased } from './catalogue/stock-released.js';
import { WebhookSubscriptionDisabled } from './catalogue/webhook-subscription-disabled.js';

export {
  CartAbandoned,
  CartRecoveryRequested,
  FreightInvoiceApproved,
  OrderAllocated,
  OrderBackordered,
  OrderCancelled,
  OrderDelayed,
  OrderFailed,
  OrderLinesCancelled,
  OrderPlaced,
  OrderShipped,
  PaymentAuthorized,
  PaymentCaptured,
  PaymentRefunded,
  PaymentVoided,
  PickEscalated,
  PickTicketOpened,
  PurchaseOrderSent,
  StockReceived,
  StockReleased,
  WebhookSubscriptionDisabled,
};

export const eventCatalogue = [
  OrderPlaced,
  OrderAllocated,
  OrderBackordered,
  StockReleased,
  StockReceived,
  PickTicketOpened,
  PickEscalated,
  OrderShipped,
  PaymentAuthorized,
  PaymentCaptured,
  PaymentVoided,
  PaymentRefunded,
  OrderFailed,
  OrderCancelled,
  OrderLinesCancelled,
  OrderDelayed,
  PurchaseOrderSent,
  CartAbandoned,
  CartRecoveryRequested,
  WebhookSubscriptionDisabled,
  FreightInvoiceApproved,
] as const;
