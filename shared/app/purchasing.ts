import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.js';
import {
  addDays,
  assertDistinctLines,
  CANCELLABLE_STATUSES,
  type DeliveryAddress,
  lineKey,
  matchReceipt,
  orderTotal,
  outstanding,
  type PurchaseOrder,
  type PurchaseOrderLine,
  purchaseOrderMessage,
  RECEIVABLE_STATUSES,
  type ReceiptLine,
  type SkuSupplier,
  type Supplier,
  sameReceiptLines,
  statusAfterReceipts,
} from '../domain/purchasing.js';
import { PurchaseOrderSent } from '../events/catalogue.js';
import type { Deps } from '../runtime/deps.js';
import { listLocations } from '../store/locations.js';
import {
  cancelPurchaseOrderItem,
  getSkuSupplier,
  getSupplier,
  markPurchaseOrderSent,
  type PurchaseOrderRecord,
  putSkuSupplier,
  putSupplier,
  readPurchaseOrder,
  receiptLineItem,
  recordReceipt,
  type SkuSupplierRecord,
  type SupplierRecord,
  createPurchaseOrder as storePurchaseOrder,
} from '../store/purchasing.js';
import { adjustStockAndAnnounce } from './inventory.js';

/**
 * Purchasing use cases: suppliers and what they supply, purchase orders from draft to received
 * (docs/purchasing.md). Receiving goes through the stock adjustment path, so a receipt is a `receipt`
 * movement and announces `StockReceived`, which releases backorders.
 */

export async function createSupplier(deps: Deps, supplier: Supplier): Promise<SupplierRecord> {
  try {
    return await putSupplier(deps, supplier, { create: true });
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) {
      throw new ConflictError(`supplier ${supplier.id} already exists`, { field: 'id' });
    }
    throw error;
  }
}

export const replaceSupplier = (deps: Deps, supplier: Supplier): Promise<SupplierRecord> =>
  putSupplier(deps, supplier);

/** Links a SKU to the supplier it is bought from (one supplier per SKU; linking again replaces). */
export async function linkSkuToSupplier(deps: Deps, link: SkuSupplier): Promise<SkuSupplierRecord> {
  if (!(await getSupplier(deps, link.supplierId))) {
    throw new NotFoundError(`supplier ${link.supplierId} does not exist`, { field: 'supplierId' });
  }
  return await putSkuSupplier(deps, link);
}

export async function skuSupplier(deps: Deps, sku: string): Promise<SkuSupplierRecord> {
  const link = await getSkuSupplier(deps, sku);
  if (!link) throw new NotFoundError(`${sku} has no supplier`);
  return link;
}

export interface NewPurchaseOrderLine {
  sku: string;
  locationId: string;
  quantity: number;
  /** Minor units of the supplier's currency; absent: the SKU's cost from its link to this supplier. */
  unitCost?: number;
  explanation?: string;
}

/** A draft purchase order: nothing is on its way until it is sent, but its units already count as on order. */
export async function createPurchaseOrder(
  deps: Deps,
  input: { supplierId: string; lines: readonly NewPurchaseOrderLine[]; origin?: PurchaseOrder['origin'] },
): Promise<PurchaseOrderRecord> {
  const supplier = await getSupplier(deps, input.supplierId);
  if (!supplier)
    throw new NotFoundError(`supplier ${input.supplierId} does not exist`, { field: 'supplierId' });
  assertDistinctLines(input.lines);
  const known = new Set((await listLocations(deps)).map((location) => location.id));
  const lines: PurchaseOrderLine[] = [];
  for (const [index, line] of input.lines.entries()) {
    if (!known.has(line.locationId)) {
      throw new NotFoundError(`location ${line.locationId} does not exist`, {
        field: `lines[${index}].locationId`,
      });
    }
    let unitCost = line.unitCost;
    if (unitCost === undefined) {
      const link = await getSkuSupplier(deps, line.sku);
      if (link?.supplierId !== supplier.id) {
        throw new ValidationError(`lines[${index}].unitCost: ${line.sku} is not linked to ${supplier.id}`, [
          { field: `lines[${index}].unitCost`, message: 'required for a SKU not linked to this supplier' },
        ]);
      }
      unitCost = link.unitCost;
    }
    lines.push({
      sku: line.sku,
      locationId: line.locationId,
      quantity: line.quantity,
      unitCost,
      received: 0,
      ...(line.explanation ? { explanation: line.explanation } : {}),
    });
  }
  const now = deps.clock.now().toISOString();
  const order: PurchaseOrder = {
    id: deps.ids.next('po'),
    supplierId: supplier.id,
    supplierName: supplier.name,
    supplierEmail: supplier.email,
    currency: supplier.currency,
    status: 'draft',
    lines,
    total: orderTotal(lines),
    origin: input.origin ?? 'manual',
    receipts: [],
    createdAt: now,
    updatedAt: now,
  };
  await storePurchaseOrder(deps, order, {
    type: 'PurchaseOrderDrafted',
    at: now,
    detail: { origin: order.origin, lines: lines.length },
  });
  return order;
}

async function mustRead(deps: Deps, id: string) {
  const stored = await readPurchaseOrder(deps, id);
  if (!stored) throw new NotFoundError(`purchase order ${id} does not exist`);
  return stored;
}

export async function getPurchaseOrderView(deps: Deps, id: string): Promise<PurchaseOrderRecord> {
  return (await mustRead(deps, id)).order;
}

async function deliveryAddresses(deps: Deps): Promise<Record<string, DeliveryAddress>> {
  return Object.fromEntries(
    (await listLocations(deps)).map((location) => [
      location.id,
      { name: location.name, address: location.address },
    ]),
  );
}

/**
 * Sends a draft to its supplier through the SupplierOrders port, then records it as sent with
 * `PurchaseOrderSent` on the item. An order already sent is answered as it is (`duplicate`), and nothing is
 * sent again; a crash between the email and the record sends the email again on the next attempt.
 */
export async function sendPurchaseOrder(
  deps: Deps,
  id: string,
): Promise<{ purchaseOrder: PurchaseOrderRecord; duplicate: boolean }> {
  const { order } = await mustRead(deps, id);
  if (order.status === 'cancelled') throw new ConflictError(`purchase order ${id} is cancelled`);
  if (order.status !== 'draft') return { purchaseOrder: order, duplicate: true };
  const supplier = await getSupplier(deps, order.supplierId);
  if (!supplier) throw new ConflictError(`supplier ${order.supplierId} of ${id} no longer exists`);
  const now = deps.clock.now();
  const at = now.toISOString();
  const expectedBy = addDays(at, supplier.leadTimeDays);
  const message = purchaseOrderMessage(order, supplier, await deliveryAddresses(deps), expectedBy);
  const sent = await deps.supplierOrders.send(message);
  const event = PurchaseOrderSent.create(
    {
      purchaseOrderId: order.id,
      supplierId: order.supplierId,
      origin: order.origin,
      currency: order.currency,
      total: order.total,
      expectedBy,
      messageId: sent.messageId,
      lines: order.lines.map(({ sku, locationId, quantity, unitCost }) => ({
        sku,
        locationId,
        quantity,
        unitCost,
      })),
    },
    { correlationId: order.id, idempotencyKey: `${order.id}:sent`, occurredAt: now },
  );
  const recorded = await markPurchaseOrderSent(deps, order, {
    at,
    expectedBy,
    message: { id: sent.messageId, ...(sent.uri ? { uri: sent.uri } : {}) },
    events: [event],
  });
  return { purchaseOrder: (await mustRead(deps, id)).order, duplicate: !recorded };
}

const RECORD_ATTEMPTS = 5;

/**
 * Books a delivery against a sent purchase order. Each line is a `receipt` stock adjustment whose
 * transaction also adds the units to the order's line and marks `<receiptId>#<sku>@<location>` applied, so a
 * repeated or resumed receipt never adds stock twice; the receipt is then recorded and the order moves to
 * partially received or received. `StockReceived` from each adjustment releases backorders.
 */
export async function receivePurchaseOrder(
  deps: Deps,
  id: string,
  input: { receiptId: string; lines: readonly ReceiptLine[] },
): Promise<{ purchaseOrder: PurchaseOrderRecord; duplicate: boolean }> {
  const stored = await mustRead(deps, id);
  const { order } = stored;
  const recorded = order.receipts.find((receipt) => receipt.id === input.receiptId);
  if (recorded) {
    if (!sameReceiptLines(recorded.lines, input.lines)) {
      throw new ConflictError(`receipt ${input.receiptId} of ${id} was booked with other lines`, {
        field: 'receiptId',
      });
    }
    return { purchaseOrder: order, duplicate: true };
  }
  if (!RECEIVABLE_STATUSES.includes(order.status)) {
    throw new ConflictError(
      order.status === 'draft'
        ? `purchase order ${id} is a draft: send it before receiving against it`
        : `purchase order ${id} is ${order.status} and takes no more receipts`,
      { status: order.status },
    );
  }
  const applyKey = (line: ReceiptLine) => `${input.receiptId}#${lineKey(line)}`;
  const pending = input.lines.filter((line) => !stored.appliedReceiptLines.has(applyKey(line)));
  assertDistinctLines(input.lines);
  const indexes = matchReceipt(order, pending);
  const now = deps.clock.now().toISOString();
  for (const [position, line] of pending.entries()) {
    const index = indexes[position] ?? -1;
    const key = applyKey(line);
    try {
      await adjustStockAndAnnounce(deps, {
        locationId: line.locationId,
        sku: line.sku,
        type: 'receipt',
        quantity: line.quantity,
        reason: `purchase order ${id}`,
        reference: `${id}/${input.receiptId}`,
        alsoWrite: [receiptLineItem(deps, order, { index, quantity: line.quantity, key }, now)],
      });
    } catch (error) {
      if (!(error instanceof ConflictError && error.details?.companion)) throw error;
      // The order refused the line: find out why from what it holds now.
      const fresh = await mustRead(deps, id);
      if (fresh.appliedReceiptLines.has(key)) continue;
      if (!RECEIVABLE_STATUSES.includes(fresh.order.status)) {
        throw new ConflictError(`purchase order ${id} became ${fresh.order.status} during the receipt`);
      }
      const target = fresh.order.lines[index];
      throw new ConflictError(
        `${line.quantity} of ${line.sku} is more than the ${target ? outstanding(target) : 0} outstanding`,
        { field: `lines[${input.lines.indexOf(line)}].quantity` },
      );
    }
  }
  for (let attempt = 0; attempt < RECORD_ATTEMPTS; attempt += 1) {
    const fresh = await mustRead(deps, id);
    if (fresh.order.receipts.some((receipt) => receipt.id === input.receiptId)) break;
    const receipt = { id: input.receiptId, at: now, lines: input.lines.map((line) => ({ ...line })) };
    if (await recordReceipt(deps, fresh, receipt, statusAfterReceipts(fresh.order.lines))) break;
    if (attempt === RECORD_ATTEMPTS - 1) {
      // The stock is booked and the lines marked: a retry of the same receipt only records it.
      throw new ConflictError(
        `purchase order ${id} kept changing while receipt ${input.receiptId} was recorded; retry`,
      );
    }
  }
  return { purchaseOrder: (await mustRead(deps, id)).order, duplicate: false };
}

/** Cancels a draft or a sent order while nothing has been received; cancelling again answers as it is. */
export async function cancelPurchaseOrder(
  deps: Deps,
  id: string,
  reason = 'cancelled by a buyer',
): Promise<{ purchaseOrder: PurchaseOrderRecord; duplicate: boolean }> {
  const { order } = await mustRead(deps, id);
  if (order.status === 'cancelled') return { purchaseOrder: order, duplicate: true };
  if (!CANCELLABLE_STATUSES.includes(order.status)) {
    throw new ConflictError(`purchase order ${id} is ${order.status}: goods have been received`, {
      status: order.status,
    });
  }
  const cancelled = await cancelPurchaseOrderItem(deps, order, {
    at: deps.clock.now().toISOString(),
    reason,
  });
  const fresh = (await mustRead(deps, id)).order;
  if (!cancelled && fresh.status !== 'cancelled') {
    throw new ConflictError(`purchase order ${id} received goods while it was being cancelled`, {
      status: fresh.status,
    });
  }
  return { purchaseOrder: fresh, duplicate: !cancelled };
}
