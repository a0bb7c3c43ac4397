import { ORDER_STATUSES, type OrderStatus } from './order.js';

/**
 * The figures of `GET /metrics/live`, put together from counts read elsewhere (shared/app/live-metrics.ts).
 * Pure: no clock, no table. Every definition is in docs/monitoring.md.
 */

/** Statuses an order leaves again: the work in progress, counted whole on every request. */
export const OPEN_STATUSES = ['placed', 'allocated', 'picking', 'backordered'] as const;
export type OpenStatus = (typeof OPEN_STATUSES)[number];

/**
 * Statuses in which a workflow is expected to move the order on. Past the reconciler's stale mark
 * (shared/app/reconcile.ts) an order still in one of them is stuck; `backordered` waits for stock instead.
 */
export const WORKFLOW_STATUSES = ['placed', 'allocated', 'picking'] as const;
export type WorkflowStatus = (typeof WORKFLOW_STATUSES)[number];

/** Statuses that mean the allocation did not go through: no stock for it, or the order failed. */
export const ALLOCATION_FAILURE_STATUSES = ['backordered', 'failed'] as const;

/** The throughput window: from `minutes` before `now` up to now. */
export interface LiveWindow {
  minutes: number;
  from: string;
  to: string;
}

export function liveWindow(now: Date, minutes: number): LiveWindow {
  if (!Number.isInteger(minutes) || minutes < 1) throw new RangeError('minutes must be a positive integer');
  return { minutes, from: new Date(now.getTime() - minutes * 60_000).toISOString(), to: now.toISOString() };
}

/** Orders that entered their status before this time and are still in it have made no progress since. */
export function staleMark(now: Date, staleAfterSeconds: number): string {
  return new Date(now.getTime() - staleAfterSeconds * 1000).toISOString();
}

/** Per minute, to two decimals: 3 orders in 15 minutes is 0.2. */
export function perMinute(count: number, minutes: number): number {
  return Math.round((count / minutes) * 100) / 100;
}

/** One entry of the status index: which order, and since when it is in the status. */
export interface StatusEntry {
  orderId: string;
  since: string;
}

/**
 * Reads a status index sort key, `<time the order entered its status>#<orderId>`. Order ids hold no `#`, so
 * the last one separates the two.
 */
export function parseStatusEntry(sortKey: string): StatusEntry | undefined {
  const at = sortKey.lastIndexOf('#');
  if (at <= 0 || at === sortKey.length - 1) return undefined;
  return { since: sortKey.slice(0, at), orderId: sortKey.slice(at + 1) };
}

/** A SKU at a location, its stock buckets added up (shared/store/inventory.ts `StockRecord`). */
export interface StockLevel {
  sku: string;
  locationId: string;
  onHand: number;
  reserved: number;
  safetyStock: number;
  /** Available-to-promise: onHand − reserved − safetyStock, never negative. */
  available: number;
}

/**
 * Low stock: what can still be promised is at or below the threshold, i.e. on-hand − reserved ≤ safety stock
 * + threshold. Lowest first, then by SKU and location.
 */
export function lowStock(levels: readonly StockLevel[], threshold: number): StockLevel[] {
  return levels
    .filter((level) => level.available <= threshold)
    .map(({ sku, locationId, onHand, reserved, safetyStock, available }) => ({
      sku,
      locationId,
      onHand,
      reserved,
      safetyStock,
      available,
    }))
    .sort(
      (a, b) =>
        a.available - b.available || a.sku.localeCompare(b.sku) || a.locationId.localeCompare(b.locationId),
    );
}

/** What shared/app/live-metrics.ts reads; each count is keys only, from the status index. */
export interface LiveMetricsInput {
  window: LiveWindow;
  /** Orders in each open status now. */
  inStatus: Readonly<Record<OpenStatus, number>>;
  /** Orders that entered each status within the window and are still in it. */
  enteredInWindow: Readonly<Record<OrderStatus, number>>;
  stuck: {
    staleAfterSeconds: number;
    enteredBefore: string;
    byStatus: Readonly<Record<WorkflowStatus, number>>;
    /** The oldest entry of each workflow status before the mark, when there is one. */
    oldest: Readonly<Partial<Record<WorkflowStatus, StatusEntry>>>;
  };
  /** Messages per dead-letter queue, by the name of the queue it serves. */
  deadLetters: Readonly<Record<string, number>>;
  lowStock: {
    threshold: number;
    skus: readonly string[];
    /** Every stock row of the SKUs asked about. */
    levels: readonly StockLevel[];
  };
}

export interface LiveMetrics {
  generatedAt: string;
  window: LiveWindow;
  ordersByStatus: Record<OpenStatus, number>;
  throughput: {
    entered: Record<OrderStatus, number>;
    perMinute: Record<OrderStatus, number>;
  };
  allocationFailures: { backordered: number; failed: number; total: number; perMinute: number };
  stuckWorkflows: {
    staleAfterSeconds: number;
    enteredBefore: string;
    byStatus: Record<WorkflowStatus, number>;
    total: number;
    oldest: (StatusEntry & { status: WorkflowStatus }) | null;
  };
  deadLetterQueues: { depths: Record<string, number>; total: number };
  lowStock: {
    threshold: number;
    skus: string[];
    items: StockLevel[];
    /** SKUs asked about that have no stock row at any location. */
    notStocked: string[];
  };
}

const sum = (values: Iterable<number>) => [...values].reduce((total, value) => total + value, 0);

export function summarizeLiveMetrics(input: LiveMetricsInput): LiveMetrics {
  const { window } = input;
  const entered = Object.fromEntries(
    ORDER_STATUSES.map((status) => [status, input.enteredInWindow[status]]),
  ) as Record<OrderStatus, number>;
  const failures = sum(ALLOCATION_FAILURE_STATUSES.map((status) => entered[status]));
  const oldest = WORKFLOW_STATUSES.flatMap((status) => {
    const entry = input.stuck.oldest[status];
    return entry ? [{ ...entry, status }] : [];
  }).sort((a, b) => a.since.localeCompare(b.since) || a.orderId.localeCompare(b.orderId))[0];
  const stocked = new Set(input.lowStock.levels.map((level) => level.sku));
  return {
    generatedAt: window.to,
    window,
    ordersByStatus: Object.fromEntries(
      OPEN_STATUSES.map((status) => [status, input.inStatus[status]]),
    ) as Record<OpenStatus, number>,
    throughput: {
      entered,
      perMinute: Object.fromEntries(
        ORDER_STATUSES.map((status) => [status, perMinute(entered[status], window.minutes)]),
      ) as Record<OrderStatus, number>,
    },
    allocationFailures: {
      backordered: entered.backordered,
      failed: entered.failed,
      total: failures,
      perMinute: perMinute(failures, window.minutes),
    },
    stuckWorkflows: {
      staleAfterSeconds: input.stuck.staleAfterSeconds,
      enteredBefore: input.stuck.enteredBefore,
      byStatus: Object.fromEntries(
        WORKFLOW_STATUSES.map((status) => [status, input.stuck.byStatus[status]]),
      ) as Record<WorkflowStatus, number>,
      total: sum(WORKFLOW_STATUSES.map((status) => input.stuck.byStatus[status])),
      oldest: oldest ?? null,
    },
    deadLetterQueues: {
      depths: { ...input.deadLetters },
      total: sum(Object.values(input.deadLetters)),
    },
    lowStock: {
      threshold: input.lowStock.threshold,
      skus: [...input.lowStock.skus],
      items: lowStock(input.lowStock.levels, input.lowStock.threshold),
      notStocked: input.lowStock.skus.filter((sku) => !stocked.has(sku)),
    },
  };
}
