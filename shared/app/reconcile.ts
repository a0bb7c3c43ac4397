import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { OrderStatus } from '../domain/order.js';
import type { Deps } from '../runtime/deps.js';
import { gsi2, keys } from '../store/keys.js';
import { type OrderRecord, transact } from '../store/orders.js';
import { cancelPayment, markOrderFailed, releaseAllocation } from './compensate.js';
import { notifyCustomer } from './notify-customer.js';
import { startWorkflow, workflowName } from './place-order.js';

export interface ReconcileResult {
  restarted: string[];
  completed: string[];
  compensated: string[];
  running: string[];
}

/** Past this, an order that has not moved and has no running workflow is stuck (longer than the pick wait). */
export const DEFAULT_STALE_AFTER_SECONDS = 26 * 3600;

async function stale(deps: Deps, status: OrderStatus, before: string): Promise<OrderRecord[]> {
  const orders: OrderRecord[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await deps.db.send(
      new QueryCommand({
        TableName: deps.tableName,
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :pk',
        FilterExpression: 'updatedAt < :before',
        ExpressionAttributeValues: { ':pk': gsi2.status(status), ':before': before },
        ExclusiveStartKey: startKey,
      }),
    );
    orders.push(...((page.Items ?? []) as OrderRecord[]));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return orders;
}

/**
 * Finds orders that made no progress past their timeout and whose workflow is no longer running, and ends
 * them consistently: a shipped order (billed, stock gone) only lacks its notification, so it is completed;
 * anything earlier is compensated exactly as the workflow's Catch would (void or refund, release, fail).
 * Each step is idempotent, so a reconciler run that overlaps a late workflow step changes nothing twice.
 */
export async function reconcileOrders(
  deps: Deps,
  options: { staleAfterSeconds?: number } = {},
): Promise<ReconcileResult> {
  const before = new Date(
    deps.clock.now().getTime() - (options.staleAfterSeconds ?? DEFAULT_STALE_AFTER_SECONDS) * 1000,
  ).toISOString();
  const result: ReconcileResult = { restarted: [], completed: [], compensated: [], running: [] };
  for (const order of await stale(deps, 'shipped', before)) {
    await notifyCustomer(deps, { orderId: order.id });
    result.completed.push(order.id);
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
