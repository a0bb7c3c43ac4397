/**
 * Key builders for the single table. Every access pattern is listed in docs/data-model.md; keep the two in
 * step. Entity items carry `entity` and `entityVersion` so a later migration can find old shapes.
 */
export const keys = {
  order: (orderId: string) => ({ pk: `ORDER#${orderId}`, sk: 'ORDER' }),
  orderPartition: (orderId: string) => `ORDER#${orderId}`,
  timeline: (orderId: string, at: string, seq: string) => ({
    pk: `ORDER#${orderId}`,
    sk: `TIMELINE#${at}#${seq}`,
  }),
  /** One reservation per order and location, holding all of its lines. */
  reservation: (orderId: string, locationId: string) => ({
    pk: `ORDER#${orderId}`,
    sk: `RESERVATION#${locationId}`,
  }),
  pickTicket: (orderId: string, ticketId: string) => ({ pk: `ORDER#${orderId}`, sk: `PICK#${ticketId}` }),
  shipment: (orderId: string, shipmentId: string) => ({
    pk: `ORDER#${orderId}`,
    sk: `SHIPMENT#${shipmentId}`,
  }),
  journal: (orderId: string, entryId: string) => ({ pk: `ORDER#${orderId}`, sk: `JOURNAL#${entryId}` }),
  notification: (orderId: string, template: string) => ({
    pk: `ORDER#${orderId}`,
    sk: `NOTIFICATION#${template}`,
  }),
  delivery: (channel: string, deliveryId: string) => ({
    pk: `DELIVERY#${channel}#${deliveryId}`,
    sk: 'DELIVERY',
  }),
  externalOrder: (channel: string, externalId: string) => ({
    pk: `EXTERNAL#${channel}#${externalId}`,
    sk: 'EXTERNAL',
  }),
  idempotency: (key: string) => ({ pk: `IDEMPOTENCY#${key}`, sk: 'IDEMPOTENCY' }),
  location: (locationId: string) => ({ pk: `LOCATION#${locationId}`, sk: 'LOCATION' }),
  stock: (sku: string, locationId: string) => ({ pk: `SKU#${sku}`, sk: `STOCK#${locationId}` }),
  skuPartition: (sku: string) => `SKU#${sku}`,
  /** A consumer's record of an event it handled: its idempotency guard and its audit trail. */
  inbox: (consumer: string, idempotencyKey: string) => ({
    pk: `INBOX#${consumer}#${idempotencyKey}`,
    sk: 'INBOX',
  }),
  productInterest: (sku: string) => ({ pk: `MARKETING#SKU#${sku}`, sk: 'INTEREST' }),
  dailyActivity: (consumer: string, day: string) => ({ pk: `ACTIVITY#${consumer}#${day}`, sk: 'TOTALS' }),
} as const;

/** GSI1: lookups by a secondary identifier. */
export const gsi1 = {
  customerEmail: (email: string) => `EMAIL#${email.toLowerCase()}`,
  pickTicket: (ticketId: string) => `PICKTICKET#${ticketId}`,
  locations: 'LOCATIONS',
} as const;

/** GSI2: orders by status and journal entries by posting day. */
export const gsi2 = {
  status: (status: string) => `STATUS#${status}`,
  ledgerDay: (day: string) => `LEDGER#${day}`,
} as const;
