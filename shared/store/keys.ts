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
  notification: (orderId: string, template: string) => ({
    pk: `ORDER#${orderId}`,
    sk: `NOTIFICATION#${template}`,
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
} as const;

/** GSI1: lookups by a secondary identifier. */
export const gsi1 = {
  customerEmail: (email: string) => `EMAIL#${email.toLowerCase()}`,
  locations: 'LOCATIONS',
} as const;

/** GSI2: orders by status and journal entries by posting day. */
export const gsi2 = {
  status: (status: string) => `STATUS#${status}`,
  ledgerDay: (day: string) => `LEDGER#${day}`,
} as const;
