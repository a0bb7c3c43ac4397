import { DomainError } from '../domain/errors.js';
import { lineKey, outstanding } from '../domain/purchasing.js';
import {
  dailySeries,
  defaultOrderCost,
  planReorder,
  REPLENISHMENT_DEFAULTS,
  type ReorderPlan,
  windowDays,
} from '../domain/replenishment.js';
import type { Deps } from '../runtime/deps.js';
import { stockBucketCount, stockForSku } from '../store/inventory.js';
import {
  listSkuSuppliers,
  listSuppliers,
  openPurchaseOrders,
  type SupplierRecord,
  shipmentsBetween,
} from '../store/purchasing.js';
import { createPurchaseOrder, sendPurchaseOrder } from './purchasing.js';

/**
 * The reorder job (schedule `reorder`, daily, and `POST /jobs/reorder`): for every SKU linked to a supplier
 * and every location that stocks it, measures demand from the shipments of the lookback window, computes
 * safety stock, reorder point and order quantity (shared/domain/replenishment.ts), and drafts one purchase
 * order per supplier for everything at or below its reorder point. Units on open purchase orders count in
 * the position, so a second run the same day proposes nothing the first one already ordered.
 */

export interface ReorderEvaluation extends ReorderPlan {
  supplierId: string;
  currency: string;
  unitCost: number;
  packSize: number;
  minimumOrderQuantity: number;
  orderCost: number;
  holdingCost: number;
}

export interface ReorderRun {
  generatedAt: string;
  window: { from: string; to: string; days: number };
  /** Every SKU and location looked at, reorder or not, each with its explanation. */
  evaluations: ReorderEvaluation[];
  /** SKUs (or SKU and location) that could not be evaluated, and why. */
  skipped: { sku: string; locationId?: string; reason: string }[];
  purchaseOrders: {
    id: string;
    supplierId: string;
    currency: string;
    total: number;
    lines: { sku: string; locationId: string; quantity: number }[];
    status: string;
    sendError?: string;
  }[];
}

/** SKUs looked at in parallel: each costs a few queries, and a run must not throttle the table. */
const CONCURRENCY = 8;

async function eachLimited<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
}

export async function runReorder(deps: Deps, input: { send?: boolean } = {}): Promise<ReorderRun> {
  const now = deps.clock.now();
  const today = now.toISOString().slice(0, 10);
  const days = windowDays(today, REPLENISHMENT_DEFAULTS.lookbackDays);
  const from = `${days[0] ?? today}T00:00:00.000Z`;
  const to = `${today}T00:00:00.000Z`;
  const [links, suppliers, open] = await Promise.all([
    listSkuSuppliers(deps),
    listSuppliers(deps),
    openPurchaseOrders(deps),
  ]);
  const supplierById = new Map(suppliers.map((supplier) => [supplier.id, supplier]));
  const onOrder = new Map<string, number>();
  for (const order of open) {
    for (const line of order.lines) {
      onOrder.set(lineKey(line), (onOrder.get(lineKey(line)) ?? 0) + outstanding(line));
    }
  }

  const evaluations: ReorderEvaluation[] = [];
  const skipped: ReorderRun['skipped'] = [];
  await eachLimited(links, async (link) => {
    const supplier = supplierById.get(link.supplierId);
    if (!supplier) {
      skipped.push({ sku: link.sku, reason: `supplier ${link.supplierId} does not exist` });
      return;
    }
    const buckets = await stockBucketCount(deps, link.sku);
    const stock = await stockForSku(deps, link.sku);
    if (stock.length === 0) {
      skipped.push({ sku: link.sku, reason: 'not stocked at any location' });
      return;
    }
    for (const row of stock) {
      const shipments = await shipmentsBetween(deps, link.sku, row.locationId, from, to, buckets);
      const settings = {
        currency: supplier.currency,
        unitCost: link.unitCost,
        packSize: link.packSize ?? supplier.packSize,
        minimumOrderQuantity: link.minimumOrderQuantity ?? supplier.minimumOrderQuantity,
        orderCost: supplier.orderCost ?? defaultOrderCost(supplier.currency),
        holdingCost: link.holdingCost ?? REPLENISHMENT_DEFAULTS.holdingRate * link.unitCost,
      };
      try {
        const plan = planReorder({
          sku: link.sku,
          locationId: row.locationId,
          demand: dailySeries(shipments, days),
          leadTimeDays: supplier.leadTimeDays,
          leadTimeStdDevDays: supplier.leadTimeStdDevDays,
          serviceLevel: link.serviceLevel ?? supplier.serviceLevel ?? REPLENISHMENT_DEFAULTS.serviceLevel,
          ...settings,
          onHand: row.onHand,
          reserved: row.reserved,
          onOrder: onOrder.get(lineKey({ sku: link.sku, locationId: row.locationId })) ?? 0,
        });
        evaluations.push({ ...plan, supplierId: supplier.id, ...settings });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        skipped.push({ sku: link.sku, locationId: row.locationId, reason: error.message });
      }
    }
  });
  evaluations.sort((a, b) => a.sku.localeCompare(b.sku) || a.locationId.localeCompare(b.locationId));
  skipped.sort(
    (a, b) => a.sku.localeCompare(b.sku) || (a.locationId ?? '').localeCompare(b.locationId ?? ''),
  );

  const purchaseOrders: ReorderRun['purchaseOrders'] = [];
  const bySupplier = new Map<string, ReorderEvaluation[]>();
  for (const evaluation of evaluations.filter((candidate) => candidate.reorder)) {
    bySupplier.set(evaluation.supplierId, [...(bySupplier.get(evaluation.supplierId) ?? []), evaluation]);
  }
  for (const [supplierId, proposals] of [...bySupplier].sort(([a], [b]) => a.localeCompare(b))) {
    const supplier = supplierById.get(supplierId) as SupplierRecord;
    const draft = await createPurchaseOrder(deps, {
      supplierId,
      origin: 'reorder-job',
      lines: proposals.map((proposal) => ({
        sku: proposal.sku,
        locationId: proposal.locationId,
        quantity: proposal.orderQuantity,
        unitCost: proposal.unitCost,
        explanation: proposal.explanation,
      })),
    });
    let status: string = draft.status;
    let sendError: string | undefined;
    if (input.send ?? supplier.autoSend) {
      try {
        status = (await sendPurchaseOrder(deps, draft.id)).purchaseOrder.status;
      } catch (error) {
        // The draft stays and counts as on order; a buyer sends it (POST /purchase-orders/{id}/send).
        sendError = error instanceof Error ? error.message : String(error);
      }
    }
    purchaseOrders.push({
      id: draft.id,
      supplierId,
      currency: draft.currency,
      total: draft.total,
      lines: draft.lines.map(({ sku, locationId, quantity }) => ({ sku, locationId, quantity })),
      status,
      ...(sendError ? { sendError } : {}),
    });
  }
  return {
    generatedAt: now.toISOString(),
    window: { from, to, days: days.length },
    evaluations,
    skipped,
    purchaseOrders,
  };
}
