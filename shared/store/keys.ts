/**
 * Key builders for the single table. Every access pattern is listed in docs/data-model.md; keep the two in
 * step. Entity items carry `entity` and `entityVersion` so a later migration can find old shapes.
 */
function stockPartition(sku: string, bucket: number): string {
  return bucket === 0 ? `SKU#${sku}` : `SKU#${sku}#${bucket}`;
}

export const keys = {
  order: (orderId: string) => ({ pk: `ORDER#${orderId}`, sk: 'ORDER' }),
  orderPartition: (orderId: string) => `ORDER#${orderId}`,
  /**
   * One reservation per order, location and chunk, holding its lines and the stock buckets they came from.
   * Chunk 0 is the only one unless the order needed more writes than one transaction takes.
   */
  reservation: (orderId: string, locationId: string, chunk = 0) => ({
    pk: `ORDER#${orderId}`,
    sk: `RESERVATION#${locationId}#${chunk}`,
  }),
  pickTicket: (orderId: string, ticketId: string) => ({ pk: `ORDER#${orderId}`, sk: `PICK#${ticketId}` }),
  shipment: (orderId: string, shipmentId: string) => ({
    pk: `ORDER#${orderId}`,
    sk: `SHIPMENT#${shipmentId}`,
  }),
  journal: (orderId: string, entryId: string) => ({ pk: `ORDER#${orderId}`, sk: `JOURNAL#${entryId}` }),
  /** A journal entry of no single order (a carrier's freight invoice): its own partition (docs/ledger.md). */
  ledgerEntry: (entryId: string) => ({ pk: `JOURNAL#${entryId}`, sk: 'JOURNAL' }),
  /** A refund of an order's captured payment (docs/payments.md), beside the order. */
  refund: (orderId: string, refundId: string) => ({ pk: `ORDER#${orderId}`, sk: `REFUND#${refundId}` }),
  /**
   * What the order's appeasements add up to (shared/app/appeasements.ts): a running total, raised by a
   * conditional write against the cap, beside the order (not on it: the order item stays small).
   */
  appeasementTally: (orderId: string) => ({ pk: `ORDER#${orderId}`, sk: 'APPEASEMENTS' }),
  /** An agent's action on the order (shared/app/agent-actions.ts), named by its idempotency key. */
  audit: (orderId: string, actionId: string) => ({ pk: `ORDER#${orderId}`, sk: `AUDIT#${actionId}` }),
  notification: (orderId: string, template: string) => ({
    pk: `ORDER#${orderId}`,
    sk: `NOTIFICATION#${template}`,
  }),
  /** A customer's notification channel, by the SHA-256 of the email (shared/domain/email-hash.ts). */
  notificationPreference: (emailHash: string) => ({
    pk: `CUSTOMER#${emailHash}`,
    sk: 'PREFERENCE#notifications',
  }),
  /** A return (RMA) of an order's shipped goods, beside the order; its id carries the order's. */
  returnRequest: (orderId: string, rmaId: string) => ({ pk: `ORDER#${orderId}`, sk: `RETURN#${rmaId}` }),
  /** Store credit a customer (email hash) was given for one return, in the customer's partition. */
  storeCredit: (emailHash: string, rmaId: string) => ({
    pk: `CUSTOMER#${emailHash}`,
    sk: `STORECREDIT#${rmaId}`,
  }),
  location: (locationId: string) => ({ pk: `LOCATION#${locationId}`, sk: 'LOCATION' }),
  /**
   * A stock bucket. Bucket 0 lives in the SKU's own partition; a hot SKU's extra buckets live in partitions
   * of their own (`SKU#<sku>#<n>`), so a flash sale spreads its writes over several partitions.
   */
  stock: (sku: string, locationId: string, bucket = 0) => ({
    pk: stockPartition(sku, bucket),
    sk: `STOCK#${locationId}`,
  }),
  skuPartition: (sku: string) => `SKU#${sku}`,
  stockPartition: (sku: string, bucket: number) => stockPartition(sku, bucket),
  skuSettings: (sku: string) => ({ pk: `SKU#${sku}`, sk: 'SETTINGS' }),
  /** A SKU's per-unit shipping weight and size (docs/shipping.md), beside its settings. */
  skuDimensions: (sku: string) => ({ pk: `SKU#${sku}`, sk: 'DIMENSIONS' }),
  /** Movements sit in their bucket's partition: shipping a hot SKU never funnels through one partition. */
  movement: (sku: string, bucket: number, locationId: string, at: string, id: string) => ({
    pk: stockPartition(sku, bucket),
    sk: `MOVEMENT#${locationId}#${at}#${id}`,
  }),
  locationCapacity: (locationId: string, day: string) => ({
    pk: `LOCATION#${locationId}`,
    sk: `CAPACITY#${day}`,
  }),
  scheduledReceipt: (sku: string, locationId: string, due: string, id: string) => ({
    pk: `SKU#${sku}`,
    sk: `INBOUND#${locationId}#${due}#${id}`,
  }),
  /** A consumer's record of an event it handled: its idempotency guard and its audit trail. */
  inbox: (consumer: string, idempotencyKey: string) => ({
    pk: `INBOX#${consumer}#${idempotencyKey}`,
    sk: 'INBOX',
  }),
  productInterest: (sku: string) => ({ pk: `MARKETING#SKU#${sku}`, sk: 'INTEREST' }),
  /** A customer's interest counters, under the hash of the email (shared/domain/email-hash.ts), never the email. */
  customerInterest: (emailHash: string) => ({ pk: `MARKETING#CUSTOMER#${emailHash}`, sk: 'INTEREST' }),
  /** A storefront cart (docs/carts-and-marketing.md). */
  cart: (cartId: string) => ({ pk: `CART#${cartId}`, sk: 'CART' }),
  /** Every outbound webhook subscription sits in this one partition: one Query lists them all. */
  webhookSubscriptions: 'WEBHOOKS',
  webhookSubscription: (subscriptionId: string) => ({ pk: 'WEBHOOKS', sk: `SUBSCRIPTION#${subscriptionId}` }),
  webhookDeliveries: (subscriptionId: string) => `WEBHOOK#${subscriptionId}`,
  /** One per event and subscription, ordered by the event's time; derived from the event, so a redelivery finds it. */
  webhookDelivery: (subscriptionId: string, occurredAt: string, messageId: string) => ({
    pk: `WEBHOOK#${subscriptionId}`,
    sk: `DELIVERY#${occurredAt}#${messageId}`,
  }),
  /** A disruption (weather, carrier outage) and its impact report: docs/disruptions.md. */
  disruption: (disruptionId: string) => ({ pk: `DISRUPTION#${disruptionId}`, sk: 'DISRUPTION' }),
  /** A supplier: lead time, pack size, minimum, costs (docs/purchasing.md). */
  supplier: (supplierId: string) => ({ pk: `SUPPLIER#${supplierId}`, sk: 'SUPPLIER' }),
  /** Which supplier a SKU comes from and at what cost; in the SKU's own partition, beside its settings. */
  skuSupplier: (sku: string) => ({ pk: `SKU#${sku}`, sk: 'SUPPLIER' }),
  purchaseOrder: (purchaseOrderId: string) => ({ pk: `PO#${purchaseOrderId}`, sk: 'PO' }),
  /** A carrier freight invoice (`sk = INVOICE`) and its lines (`sk = LINE#<n, 5 digits>`): docs/freight-audit.md. */
  freightInvoice: (invoiceId: string) => ({ pk: `FREIGHT_INVOICE#${invoiceId}`, sk: 'INVOICE' }),
  freightInvoicePartition: (invoiceId: string) => `FREIGHT_INVOICE#${invoiceId}`,
  freightInvoiceLine: (invoiceId: string, line: number) => ({
    pk: `FREIGHT_INVOICE#${invoiceId}`,
    sk: `LINE#${String(line).padStart(5, '0')}`,
  }),
  /**
   * The first invoice line that billed something, claimed by a conditional put: a carrier's tracking/PRO
   * number, or a BOL with an amount and a date. A second claim finds the first: a duplicate.
   */
  freightBilled: (claim: string) => ({ pk: `FREIGHT_BILLED#${claim}`, sk: 'BILLED' }),
  /** One ledger export run per period, replaced by a re-run (docs/exports.md); one partition lists them. */
  ledgerExports: 'LEDGER_EXPORTS',
  ledgerExport: (from: string, to: string) => ({ pk: 'LEDGER_EXPORTS', sk: `EXPORT#${from}#${to}` }),
  /** A payout to a supplier or seller, paid by ACH (docs/ach.md). */
  payout: (payoutId: string) => ({ pk: `PAYOUT#${payoutId}`, sk: 'PAYOUT' }),
  /** A NACHA file and the payouts it holds. */
  achFile: (fileId: string) => ({ pk: `ACHFILE#${fileId}`, sk: 'ACHFILE' }),
  /** How many ACH files were created on a UTC day: the next File ID Modifier (A–Z, 0–9). */
  achFileDay: (day: string) => ({ pk: `ACHFILE_DAY#${day}`, sk: 'COUNTER' }),
  /** A coupon code (upper case) with its usage count (docs/coupons.md). */
  coupon: (code: string) => ({ pk: `COUPON#${code}`, sk: 'COUPON' }),
  /** How often one customer (email hash) redeemed a code with a per-customer limit; beside the coupon. */
  couponCustomer: (code: string, emailHash: string) => ({
    pk: `COUPON#${code}`,
    sk: `CUSTOMER#${emailHash}`,
  }),
} as const;

/** GSI1: lookups by a secondary identifier. */
export const gsi1 = {
  customerEmail: (email: string) => `EMAIL#${email.toLowerCase()}`,
  locations: 'LOCATIONS',
  /** Every disruption, `gsi1sk = <startsAt>#<id>`: by start time. */
  disruptions: 'DISRUPTIONS',
  /** Every supplier, `gsi1sk = <supplierId>`. */
  suppliers: 'SUPPLIERS',
  /** Every SKU linked to a supplier, `gsi1sk = <sku>`: what the reorder job looks at. */
  suppliedSkus: 'SUPPLIED_SKUS',
  /** Every purchase order, `gsi1sk = <createdAt>#<id>`: newest first. */
  purchaseOrders: 'PURCHASE_ORDERS',
  /**
   * A shipment by its carrier tracking (or PRO) number, `gsi1sk = <shipmentId>`: the freight audit matches
   * invoice lines to shipments with it (docs/freight-audit.md). Upper case, spaces removed.
   */
  shipmentTracking: (trackingNumber: string) =>
    `TRACKING#${trackingNumber.replace(/\s+/g, '').toUpperCase()}`,
  /** Every imported freight invoice, `gsi1sk = <invoiceDate>#<carrier>#<invoiceId>`: the audit report's range. */
  freightInvoices: 'FREIGHT_INVOICES',
  /** An agent's audited actions, `gsi1sk = <at>#<actionId>`: the audit log by agent and time. */
  agentAudit: (agentId: string) => `AGENT#${agentId}`,
} as const;

/** GSI2: orders by status and journal entries by posting day. */
export const gsi2 = {
  status: (status: string) => `STATUS#${status}`,
  /**
   * A location's open pick tickets, `gsi2sk = <dueAt>#<ticketId>`: the warehouse's queue, oldest due first,
   * and "overdue" as a key range. Sparse: a ticket leaves it when it is answered.
   */
  pickQueue: (locationId: string) => `PICKS#${locationId}#open`,
  ledgerDay: (day: string) => `LEDGER#${day}`,
  /** Purchase orders by status, `gsi2sk = <time it entered the status>#<id>`. */
  purchaseOrderStatus: (status: string) => `PO_STATUS#${status}`,
  /** Carts abandoned on a UTC day, `gsi2sk = <abandonedAt>#<cartId>`: read by the daily report (docs/reports.md). */
  abandonedCarts: (day: string) => `CARTS#ABANDONED#${day}`,
  /** Payouts by status (`pending`, `included`), `gsi2sk = <createdAt>#<id>`: what the next ACH file takes. */
  payoutStatus: (status: string) => `PAYOUT_STATUS#${status}`,
  /** Open carts (active, checking out) of one shard, `gsi2sk = <lastActivityAt>#<cartId>`: the abandonment detector. */
  activeCarts: (shard: number) => `CARTS#ACTIVE#${shard}`,
} as const;

/**
 * The digits a phone number is searched by, however it was typed: every character but the digits dropped,
 * then an international `00` prefix, then only the last 10 digits kept when there are more. `+1 (212)
 * 555-0142`, `212.555.0142` and `0012125550142` are one number; so are `+44 20 7946 0958` and the national
 * `020 7946 0958`. Undefined under 7 digits: no phone, or too little of one to find an order by.
 */
function phoneDigits(phone: string): string | undefined {
  const digits = phone.replace(/\D/g, '').replace(/^00/, '');
  if (digits.length < 7) return undefined;
  return digits.length > 10 ? digits.slice(-10) : digits;
}

/**
 * GSI3: orders by the customer's phone (`phoneDigits`), sorted by their gsi1sk (`<createdAt>#<orderId>`).
 * Only orders have a gsi3pk, so the value needs no entity prefix: the order item, which every step rewrites
 * and which sits near a kilobyte boundary, carries as few bytes for it as possible.
 */
export const gsi3 = {
  /** Undefined for a phone too short to search by: the order gets no gsi3 entry. */
  phone: phoneDigits,
} as const;

/** GSI4: orders by the number their channel shows (`#1001` → `1001`, upper case), like gsi3: no prefix. */
export const gsi4 = {
  orderNumber: (orderNumber: string) => orderNumber.trim().replace(/^#/, '').toUpperCase(),
} as const;
