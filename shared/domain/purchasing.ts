import { ConflictError, ValidationError } from './errors.js';
import { formatMinorUnits } from './money.js';

/**
 * Suppliers, the SKUs they supply, and purchase orders: what may happen to an order and what a receipt does
 * to it. Pure; storage is shared/store/purchasing.ts, the use cases shared/app/purchasing.ts.
 */

export interface Supplier {
  id: string;
  name: string;
  email: string;
  /** Every cost of this supplier is in minor units of this currency. */
  currency: string;
  /** Mean days from sending an order to receiving it (L). */
  leadTimeDays: number;
  /** Standard deviation of the lead time in days (σL); 0 = the supplier is always on time. */
  leadTimeStdDevDays: number;
  /** Fewest units the supplier takes per line (rounded up to whole packs). */
  minimumOrderQuantity: number;
  /** Units per pack: every ordered quantity is a multiple of it. */
  packSize: number;
  /** S: cost of placing one order, minor units. Absent: the default (docs/purchasing.md). */
  orderCost?: number;
  /** Cycle service level for this supplier's SKUs (0.5–0.9999). Absent: 0.95. */
  serviceLevel?: number;
  /** Whether the reorder job sends its drafts at once (true) or leaves them for a buyer to send. */
  autoSend: boolean;
}

/** A SKU's supplier and what it costs from them; pack size, minimum and service level override the supplier's. */
export interface SkuSupplier {
  sku: string;
  supplierId: string;
  /** Price per unit, minor units of the supplier's currency. */
  unitCost: number;
  packSize?: number;
  minimumOrderQuantity?: number;
  /** H: cost of holding one unit for a year, minor units. Absent: 25 % of the unit cost. */
  holdingCost?: number;
  serviceLevel?: number;
}

export const PURCHASE_ORDER_STATUSES = [
  'draft',
  'sent',
  'partially-received',
  'received',
  'cancelled',
] as const;
export type PurchaseOrderStatus = (typeof PURCHASE_ORDER_STATUSES)[number];

/** Statuses whose outstanding units count as on order in the inventory position. */
export const OPEN_PURCHASE_ORDER_STATUSES: readonly PurchaseOrderStatus[] = [
  'draft',
  'sent',
  'partially-received',
];
/** Statuses a receipt may be booked against. */
export const RECEIVABLE_STATUSES: readonly PurchaseOrderStatus[] = ['sent', 'partially-received'];
/** Statuses that may be cancelled (nothing has been received in either). */
export const CANCELLABLE_STATUSES: readonly PurchaseOrderStatus[] = ['draft', 'sent'];

export interface PurchaseOrderLine {
  sku: string;
  /** Where the line is delivered: a location of the OMS. */
  locationId: string;
  quantity: number;
  unitCost: number;
  received: number;
  /** Why the reorder job proposed it (absent on a line a buyer entered). */
  explanation?: string;
}

export interface ReceiptLine {
  sku: string;
  locationId: string;
  quantity: number;
}

export interface PurchaseOrderReceipt {
  id: string;
  at: string;
  lines: ReceiptLine[];
}

export interface PurchaseOrder {
  id: string;
  supplierId: string;
  supplierName: string;
  supplierEmail: string;
  currency: string;
  status: PurchaseOrderStatus;
  lines: PurchaseOrderLine[];
  /** Σ quantity × unit cost, minor units. */
  total: number;
  /** `manual` (POST /purchase-orders) or `reorder-job`. */
  origin: 'manual' | 'reorder-job';
  receipts: PurchaseOrderReceipt[];
  createdAt: string;
  updatedAt: string;
  sentAt?: string;
  /** Day the goods are due: sent day + the supplier's mean lead time. */
  expectedBy?: string;
  message?: { id: string; uri?: string };
  cancelledAt?: string;
  cancelReason?: string;
}

/** Units of a line not received yet. */
export const outstanding = (line: PurchaseOrderLine): number => Math.max(0, line.quantity - line.received);

export const lineKey = (line: { sku: string; locationId: string }) => `${line.sku}@${line.locationId}`;

export function orderTotal(lines: readonly Pick<PurchaseOrderLine, 'quantity' | 'unitCost'>[]): number {
  const total = lines.reduce((sum, line) => sum + line.quantity * line.unitCost, 0);
  if (!Number.isSafeInteger(total)) {
    throw new ValidationError('the order total is too large', [
      { field: 'lines', message: 'total out of range' },
    ]);
  }
  return total;
}

/** A buyer's lines: one per SKU and location. */
export function assertDistinctLines(lines: readonly { sku: string; locationId: string }[]): void {
  const seen = new Set<string>();
  lines.forEach((line, index) => {
    const key = lineKey(line);
    if (seen.has(key)) {
      throw new ValidationError(`lines[${index}]: ${line.sku} for ${line.locationId} is on the order twice`, [
        { field: `lines[${index}]`, message: 'the same SKU and location twice' },
      ]);
    }
    seen.add(key);
  });
}

/**
 * Matches a receipt to the order's lines: each receipt line must name a line of the order (SKU and
 * location) once, and may not bring more than is outstanding. Returns the index of each order line.
 */
export function matchReceipt(order: PurchaseOrder, lines: readonly ReceiptLine[]): number[] {
  assertDistinctLines(lines);
  return lines.map((line, index) => {
    const position = order.lines.findIndex((candidate) => lineKey(candidate) === lineKey(line));
    const target = order.lines[position];
    if (!target) {
      throw new ValidationError(`lines[${index}]: ${line.sku} for ${line.locationId} is not on ${order.id}`, [
        { field: `lines[${index}]`, message: 'not a line of this purchase order' },
      ]);
    }
    if (line.quantity > outstanding(target)) {
      throw new ConflictError(
        `lines[${index}]: ${line.quantity} of ${line.sku} is more than the ${outstanding(target)} outstanding`,
        { field: `lines[${index}].quantity`, outstanding: outstanding(target) },
      );
    }
    return position;
  });
}

/** Received in full once no line has anything outstanding; partially received once anything came. */
export function statusAfterReceipts(lines: readonly PurchaseOrderLine[]): PurchaseOrderStatus {
  if (lines.every((line) => outstanding(line) === 0)) return 'received';
  return lines.some((line) => line.received > 0) ? 'partially-received' : 'sent';
}

/** Whether two receipts with one id are the same receipt (a retry) rather than a reused id. */
export function sameReceiptLines(a: readonly ReceiptLine[], b: readonly ReceiptLine[]): boolean {
  const canonical = (lines: readonly ReceiptLine[]) =>
    lines
      .map((line) => `${lineKey(line)}=${line.quantity}`)
      .sort()
      .join(',');
  return canonical(a) === canonical(b);
}

/** `YYYY-MM-DD` `days` after `at`. */
export function addDays(at: string, days: number): string {
  return new Date(Date.parse(at) + Math.ceil(days) * 86_400_000).toISOString().slice(0, 10);
}

export interface DeliveryAddress {
  name: string;
  address: { line1: string; city: string; region?: string; postalCode: string; country: string };
}

export interface PurchaseOrderMessage {
  purchaseOrderId: string;
  to: string;
  subject: string;
  text: string;
  /** The order as data, attached as JSON so the supplier's system can read it. */
  document: Record<string, unknown>;
}

/** The email a supplier receives: the lines, where each goes, the total and the date the goods are due. */
export function purchaseOrderMessage(
  order: PurchaseOrder,
  supplier: Pick<Supplier, 'name' | 'email' | 'leadTimeDays'>,
  locations: Readonly<Record<string, DeliveryAddress>>,
  expectedBy: string,
): PurchaseOrderMessage {
  const money = (minor: number) => formatMinorUnits(minor, order.currency);
  const rows = order.lines.map((line, index) =>
    [
      String(index + 1).padEnd(4),
      line.sku.padEnd(20),
      line.locationId.padEnd(14),
      String(line.quantity).padStart(9),
      money(line.unitCost).padStart(12),
      money(line.quantity * line.unitCost).padStart(14),
    ].join(' '),
  );
  const destinations = [...new Set(order.lines.map((line) => line.locationId))].map((id) => {
    const location = locations[id];
    if (!location) return `  ${id}`;
    const { line1, city, region, postalCode, country } = location.address;
    return `  ${id}: ${location.name}, ${line1}, ${postalCode} ${city}${region ? `, ${region}` : ''}, ${country}`;
  });
  const text = [
    `Dear ${supplier.name},`,
    '',
    `please supply the goods below under purchase order ${order.id}, to arrive by ${expectedBy} ` +
      `(your lead time of ${supplier.leadTimeDays} days).`,
    '',
    [
      'Line',
      'SKU'.padEnd(20),
      'Deliver to'.padEnd(14),
      'Quantity'.padStart(9),
      'Unit cost'.padStart(12),
      'Amount'.padStart(14),
    ].join(' '),
    ...rows,
    '',
    `Total: ${money(order.total)} ${order.currency}`,
    '',
    'Delivery addresses:',
    ...destinations,
    '',
    `Please quote ${order.id} on the delivery note and the invoice. The order is attached as JSON.`,
    '',
  ].join('\n');
  return {
    purchaseOrderId: order.id,
    to: supplier.email,
    subject: `Purchase order ${order.id}: ${order.lines.length} line${order.lines.length === 1 ? '' : 's'}, ${money(order.total)} ${order.currency}`,
    text,
    document: {
      purchaseOrderId: order.id,
      supplierId: order.supplierId,
      currency: order.currency,
      expectedBy,
      total: order.total,
      lines: order.lines.map(({ sku, locationId, quantity, unitCost }) => ({
        sku,
        locationId,
        quantity,
        unitCost,
        deliverTo: locations[locationId] ?? null,
      })),
    },
  };
}
