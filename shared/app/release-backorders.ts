import { OutOfStockError } from '../domain/errors.js';
import type { Deps } from '../runtime/deps.js';
import { allOrdersInStatus } from '../store/order-index.js';
import { listPickTickets, type OrderRecord } from '../store/orders.js';
import { redriveRemainder } from './fulfillment.js';
import { startWorkflow } from './place-order.js';
import { reserveOrder } from './reserve-order.js';

/**
 * Oldest first by when the order was placed. The status index orders by the time an order entered its
 * status, and a re-drive that still finds no stock records the backorder again, which would send the
 * order to the back of the queue: its place is kept by sorting on creation.
 */
async function ordersIn(deps: Deps, status: 'backordered' | 'allocated'): Promise<OrderRecord[]> {
  const orders = await allOrdersInStatus(deps, status, { oldestFirst: true });
  return orders.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
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
    if ((await listPickTickets(deps, order.id)).length > 0) {
      // Its tickets came back empty earlier (short picks, escalations): only the remainder is reserved,
      // with tickets of its own (docs/fulfillment.md).
      const { reroutedTo } = await redriveRemainder(deps, order.id);
      (reroutedTo.length > 0 ? allocated : stillBackordered).push(order.id);
      continue;
    }
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
  // Orders that shipped a part and wait for the rest: the remainder gets tickets of its own.
  for (const order of await allOrdersInStatus(deps, 'partially_shipped', { oldestFirst: true })) {
    if (!order.backorder) continue;
    if (input.sku && !order.backorder.missing.some((line) => line.sku === input.sku)) continue;
    const { reroutedTo } = await redriveRemainder(deps, order.id);
    (reroutedTo.length > 0 ? allocated : stillBackordered).push(order.id);
  }
  return { allocated, stillBackordered };
}
