import { LIVE_METRICS } from '../config/monitoring.js';
import {
  type LiveMetrics,
  liveWindow,
  OPEN_STATUSES,
  type StatusEntry,
  staleMark,
  summarizeLiveMetrics,
  WORKFLOW_STATUSES,
} from '../domain/live-metrics.js';
import { ORDER_STATUSES } from '../domain/order.js';
import type { Deps } from '../runtime/deps.js';
import { stockForSku } from '../store/inventory.js';
import { countOrdersInStatus, oldestEntryInStatus } from '../store/order-index.js';
import { DEFAULT_STALE_AFTER_SECONDS } from './reconcile.js';

export interface LiveMetricsQuery {
  /** Throughput window, in minutes before now. */
  windowMinutes?: number;
  /** SKUs to check for low stock (each costs a read of its stock rows; none are checked otherwise). */
  skus?: readonly string[];
  lowStockThreshold?: number;
  /** The reconciler's stale mark unless a test shortens it. */
  staleAfterSeconds?: number;
}

const byKey = async <K extends string, V>(keys: readonly K[], read: (key: K) => Promise<V>) =>
  Object.fromEntries(await Promise.all(keys.map(async (key) => [key, await read(key)] as const))) as Record<
    K,
    V
  >;

/**
 * What the OMS is doing now, from the status index (keys only: no order is read), the dead-letter queues and
 * the stock rows of the SKUs asked about. About 20 requests whatever the volume, except the counts of the open
 * statuses, which read their whole (keys-only) partitions: those hold the work in progress, never the
 * history. Definitions: docs/monitoring.md.
 */
export async function liveMetrics(deps: Deps, query: LiveMetricsQuery = {}): Promise<LiveMetrics> {
  const now = deps.clock.now();
  const window = liveWindow(now, query.windowMinutes ?? LIVE_METRICS.defaultWindowMinutes);
  const staleAfterSeconds = query.staleAfterSeconds ?? DEFAULT_STALE_AFTER_SECONDS;
  const enteredBefore = staleMark(now, staleAfterSeconds);
  const skus = [...new Set(query.skus ?? [])];
  const threshold = query.lowStockThreshold ?? LIVE_METRICS.defaultLowStockThreshold;

  const [inStatus, enteredInWindow, stuckByStatus, oldest, deadLetters, levels] = await Promise.all([
    byKey(OPEN_STATUSES, (status) => countOrdersInStatus(deps, status)),
    // No upper bound: an order that entered its status a moment "after" now by another clock still counts.
    byKey(ORDER_STATUSES, (status) => countOrdersInStatus(deps, status, { enteredAfter: window.from })),
    byKey(WORKFLOW_STATUSES, (status) => countOrdersInStatus(deps, status, { enteredBefore })),
    byKey(WORKFLOW_STATUSES, (status) => oldestEntryInStatus(deps, status, { enteredBefore })),
    deps.queueDepths.deadLetters(),
    Promise.all(skus.map((sku) => stockForSku(deps, sku))),
  ]);

  return summarizeLiveMetrics({
    window,
    inStatus,
    enteredInWindow,
    stuck: {
      staleAfterSeconds,
      enteredBefore,
      byStatus: stuckByStatus,
      oldest: Object.fromEntries(
        Object.entries(oldest).filter((entry): entry is [string, StatusEntry] => entry[1] !== undefined),
      ),
    },
    deadLetters,
    lowStock: { threshold, skus, levels: levels.flat() },
  });
}
