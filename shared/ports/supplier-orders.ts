import type { PurchaseOrderMessage } from '../domain/purchasing.js';

/**
 * Sends purchase orders to suppliers: an email through SES on AWS, an .eml and a .json file under the data
 * dir locally. Delivery is at least once: the caller records the order as sent after this returns, so a
 * crash in between sends the same order again on the next attempt.
 */
export interface SupplierOrders {
  send(message: PurchaseOrderMessage): Promise<{ messageId: string; uri?: string }>;
}
