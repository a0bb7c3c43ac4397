import { pickDueSeconds } from '../config/fulfillment.js';
import type { OrderStatus } from '../domain/order.js';
import type { Deps } from '../runtime/deps.js';
import { keys } from '../store/keys.js';
import { allOrdersInStatus } from '../store/order-index.js';
import { getOrderAggregate, type OrderRecord, transact } from '../store/orders.js';
import { cancelPayment, markOrderFailed, releaseAllocation } from './compensate.js';
import {
  advanceOrder,
  billedTickets,
  escalateOverduePicks,
  hasPicked,
  redriveRemainder,
} from './fulfillment.js';
import { notifyCustomer } from './notify-customer.js';
import { shippingName, startShipping, startWorkflow, workflowName } from './place-order.js';

export interface ReconcileResult {
  restarted: string[];
  notified: string[];
  compensated: string[];
  running: string[];
  /** Pick tickets escalated in this run (present only when there were some). */
  escalated?: string[];
}

/**
 * How far back past the stale mark the reconciler looks for shipped orders that never got their
 * notification: twice the schedule's 15 minutes, so every shipped order is looked at about twice.
 */
export const DEFAULT_SHIPPED_WINDOW_SECONDS = 30 * 60;

/** Past this, an order that has not moved and has no running workflow is stuck (longer than the pick wait). */
export const DEFAULT_STALE_AFTER_SECONDS = 26 * 3600;

/**
 * Orders that entered `status` before `before` and are still in it (and, with `after`, entered it at or
 * after that): a key range on the status index, whose sort key is the time an order entered its status.
 */
async function stale(
  deps: Deps,
  status: OrderStatus,
  before: string,
  after?: string,
): Promise<OrderRecord[]> {
  return await allOrdersInStatus(deps, status, {
    enteredBefore: before,
    ...(after !== undefined ? { enteredAfter: after } : {}),
    oldestFirst: true,
  });
}

/**
 * Finds orders that made no progress past their timeout and whose workflow is no longer running, and ends
 * them consistently: a shipped order (billed, stock gone) only lacks its notification, so it is notified; a
 * picked order (every ticket confirmed in full) whose shipping run died gets a new run; anything earlier is
 * compensated exactly as the workflow's Catch would (void or refund, release, fail). Each step is
 * idempotent, so a reconciler run that overlaps a late workflow step changes nothing twice.
 */
export async function reconcileOrders(
  deps: Deps,
  options: { staleAfterSeconds?: number; shippedWindowSeconds?: number } = {},
): Promise<ReconcileResult> {
  const nowMs = deps.clock.now().getTime();
  const staleMs = (options.staleAfterSeconds ?? DEFAULT_STALE_AFTER_SECONDS) * 1000;
  const windowMs = (options.shippedWindowSeconds ?? DEFAULT_SHIPPED_WINDOW_SECONDS) * 1000;
  const before = new Date(nowMs - staleMs).toISOString();
  const result: ReconcileResult = { restarted: [], notified: [], compensated: [], running: [] };
  // Pick tickets past their due time are escalated and re-routed first (docs/fulfillment.md), and
  // remainders waiting for stock are tried again, so neither waits for the next StockReceived.
  const escalated = await escalateOverduePicks(deps);
  if (escalated.length > 0) result.escalated = escalated;
  // An escalation commits, then answers the Standard wait; if that answer was lost (throttled, the run timed
  // out), the wait would time out a day later and fail the order. Orders picking for longer than the due time
  // whose first wave is all answered get their answer again (advanceOrder is idempotent with `repeat`).
  const dueBefore = new Date(nowMs - pickDueSeconds() * 1000).toISOString();
  for (const order of await stale(deps, 'picking', dueBefore)) {
    const aggregate = await getOrderAggregate(deps, order.id);
    const firstWave = (aggregate?.pickTickets ?? []).filter((ticket) => ticket.firstWave !== false);
    const last = firstWave.at(-1);
    if (!last || firstWave.some((ticket) => ticket.status === 'open')) continue;
    if (!(await deps.workflows.isRunning(workflowName(order)))) continue;
    await advanceOrder(deps, { orderId: order.id, ticketId: last.id, repeat: true });
  }
  for (const order of await allOrdersInStatus(deps, 'partially_shipped', { oldestFirst: true })) {
    if (order.backorder) await redriveRemainder(deps, order.id);
    // A remainder picked long ago and never billed: its shipping run died (or its start was lost).
    if (order.updatedAt < before) {
      const { ready } = await pickState(deps, order);
      if (ready.length > 0) {
        await startShipping(deps, order, {
          pickTicketIds: ready,
          wave: 'rest',
          attempt: Math.floor(nowMs / 1000),
        });
        result.restarted.push(order.id);
      }
    }
  }
  // Shipped orders are looked at once, in the window after they went stale: the status index is keyed by
  // the time an order entered its status, so this reads the recent ones only, never every order ever shipped.
  const shippedAfter = new Date(nowMs - staleMs - windowMs).toISOString();
  for (const order of await stale(deps, 'shipped', before, shippedAfter)) {
    const aggregate = await getOrderAggregate(deps, order.id);
    // Only the "shipped" notification counts: a disruption's "your order will be late" (order-delayed:<id>)
    // can come before it.
    if (aggregate && !aggregate.notifications.some((sent) => sent.template === 'order-shipped')) {
      await notifyCustomer(deps, { orderId: order.id });
      result.notified.push(order.id);
    }
  }
  for (const status of ['placed', 'allocated', 'picking'] as const) {
    for (const order of await stale(deps, status, before)) {
      if (await deps.workflows.isRunning(workflowName(order))) {
        result.running.push(order.id);
        continue;
      }
      if (status === 'placed') {
        // Nothing was done for it yet (its workflow died before the first step took hold, e.g. the table
        // was unreachable): run it again under a new execution name rather than fail a good order.
        if (await restartWorkflow(deps, order)) result.restarted.push(order.id);
        continue;
      }
      const picked = status === 'picking' ? await pickState(deps, order) : undefined;
      if (picked && picked.open.length > 0) {
        // Tickets are still with the warehouses: the escalation above re-routes them when they are late.
        result.running.push(order.id);
        continue;
      }
      if (picked && picked.ready.length > 0) {
        if (await deps.shipping.isRunning(shippingName(order))) {
          result.running.push(order.id);
          continue;
        }
        // Picked, and the shipping run died (or its start was lost): ship it. Every shipping step is
        // idempotent (the label and the capture by key, the writes by condition), so a run that is in fact
        // still alive somewhere changes nothing twice.
        await startShipping(deps, order, { pickTicketIds: picked.ready, attempt: Math.floor(nowMs / 1000) });
        result.restarted.push(order.id);
        continue;
      }
      const error = {
        Error: 'Reconciled',
        Cause: `no progress since ${order.updatedAt} and no running workflow`,
      };
      await cancelPayment(deps, { orderId: order.id });
      await releaseAllocation(deps, { orderId: order.id });
      await markOrderFailed(deps, { orderId: order.id, error });
      result.compensated.push(order.id);
    }
  }
  return result;
}

/** The order's tickets still open, and those picked (in full or in part) whose shipment was never billed. */
async function pickState(deps: Deps, order: OrderRecord): Promise<{ open: string[]; ready: string[] }> {
  const aggregate = await getOrderAggregate(deps, order.id);
  const billed = aggregate ? billedTickets(aggregate) : new Set<string>();
  const tickets = aggregate?.pickTickets ?? [];
  return {
    open: tickets.filter((ticket) => ticket.status === 'open').map((ticket) => ticket.id),
    ready: tickets.filter((ticket) => hasPicked(ticket) && !billed.has(ticket.id)).map((ticket) => ticket.id),
  };
}

async function restartWorkflow(deps: Deps, order: OrderRecord): Promise<boolean> {
  const redrives = (order.redrives ?? 0) + 1;
  const claimed = await transact(deps, [
    {
      Update: {
        TableName: deps.tableName,
        Key: keys.order(order.id),
        UpdateExpression: 'SET redrives = :next, updatedAt = :now',
        // Only one reconciler run may claim this restart.
        ConditionExpression: '#status = :placed AND (attribute_not_exists(redrives) OR redrives = :current)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':next': redrives,
          ':current': order.redrives ?? 0,
          ':placed': 'placed',
          ':now': deps.clock.now().toISOString(),
        },
      },
    },
  ]);
  if (claimed) await startWorkflow(deps, { ...order, redrives });
  return claimed;
}
