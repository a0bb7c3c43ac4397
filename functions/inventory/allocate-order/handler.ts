import '../../../shared/runtime/aws.js';
import { allocateOrder } from '../../../shared/app/allocate-order.js';
import { AllocateTaskSchema, parseTask } from '../../../shared/app/task-input.js';
import { BUSINESS_METRICS } from '../../../shared/config/monitoring.js';
import { OutOfStockError } from '../../../shared/domain/errors.js';
import { taskHandler } from '../../../shared/http/api.js';
import { countMetric } from '../../../shared/observability.js';
import { deps } from '../../../shared/runtime/deps.js';

/** Workflow task. Reserves stock, authorizes payment and opens the pick ticket holding the workflow's task token. */
export const handler = taskHandler(async (event: unknown) => {
  try {
    const result = await allocateOrder(deps(), parseTask(AllocateTaskSchema, event));
    if (result.outcome === 'allocated') countMetric(BUSINESS_METRICS.ordersAllocated);
    return result;
  } catch (error) {
    // The workflow's Catch turns this into the backordered end; the order itself was written backordered.
    if (error instanceof OutOfStockError) countMetric(BUSINESS_METRICS.backorders);
    throw error;
  }
});
