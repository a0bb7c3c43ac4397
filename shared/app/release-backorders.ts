import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { OutOfStockError } from '../domain/errors.js';
import type { Deps } from '../runtime/deps.js';
import { gsi2 } from '../store/keys.js';
import type { OrderRecord } from '../store/orders.js';
import { startWorkflow } from './place-order.js';
import { reserveOrder } from './reserve-order.js';

async function ordersIn(deps: Deps, status: 'backordered' | 'allocated'): Promise<OrderRecord[]> {
  const orders: OrderRecord[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await deps.db.send(
      new QueryCommand({
        TableName: deps.tableName,
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :pk',
        ExpressionAttributeValues: { ':pk': gsi2.status(status) },
        // gsi2sk starts with the creation time: ascending is oldest first.
        ScanIndexForward: true,
        ExclusiveStartKey: startKey,
      }),
    );
    orders.push(...((page.Items ?? []) as OrderRecord[]));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return orders;
}

/**
 * Stock arrived: reserve backordered orders that need the SKU, oldest first, and start their workflow (which
 * finds the stock reserved and opens the pick tickets). An order that still cannot be filled keeps its place
 * and lets a younger, smaller order use what is there. Orders left reserved but without a workflow (a crash
 * between the two steps) are started again: the execution name makes that idempotent.
 */
export async function releaseBackorders(
  deps: Deps,
  input: { sku?: string },
): Promise<{ allocated: string[]; stillBackordered: string[] }> {
  for (const order of await ordersIn(deps, 'allocated')) await startWorkflow(deps, order);

  const allocated: string[] = [];
  const stillBackordered: string[] = [];
  for (const order of await ordersIn(deps, 'backordered')) {
    if (input.sku && !order.lines.some((line) => line.sku === input.sku)) continue;
    try {
      const result = await reserveOrder(deps, order, { payment: order.payment, redrive: true });
      if (result.outcome === 'reserved') {
        await startWorkflow(deps, { ...order, redrives: (order.redrives ?? 0) + 1 });
        allocated.push(order.id);
      }
    } catch (error) {
      if (!(error instanceof OutOfStockError)) throw error;
      stillBackordered.push(order.id);
    }
  }
  return { allocated, stillBackordered };
}
