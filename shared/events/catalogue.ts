/**
 * The event catalogue: one module per event under catalogue/, each with its versioned zod schema.
 * docs/events.md is generated from this list (npm run docs:events) and a test fails when it drifts.
 */

import { OrderAllocated } from './catalogue/order-allocated.js';
import { OrderBackordered } from './catalogue/order-backordered.js';
import { OrderFailed } from './catalogue/order-failed.js';
import { OrderPlaced } from './catalogue/order-placed.js';
import { OrderShipped } from './catalogue/order-shipped.js';
import { PaymentAuthorized } from './catalogue/payment-authorized.js';
import { PaymentCaptured } from './catalogue/payment-captured.js';
import { PaymentRefunded } from './catalogue/payment-refunded.js';
import { PaymentVoided } from './catalogue/payment-voided.js';
import { PickTicketOpened } from './catalogue/pick-ticket-opened.js';
import { StockReceived } from './catalogue/stock-received.js';
import { StockReleased } from './catalogue/stock-released.js';

export {
  OrderAllocated,
  OrderBackordered,
  OrderFailed,
  OrderPlaced,
  OrderShipped,
  PaymentAuthorized,
  PaymentCaptured,
  PaymentRefunded,
  PaymentVoided,
  PickTicketOpened,
  StockReceived,
  StockReleased,
};

export const eventCatalogue = [
  OrderPlaced,
  OrderAllocated,
  OrderBackordered,
  StockReleased,
  StockReceived,
  PickTicketOpened,
  OrderShipped,
  PaymentAuthorized,
  PaymentCaptured,
  PaymentVoided,
  PaymentRefunded,
  OrderFailed,
] as const;
