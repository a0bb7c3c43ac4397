import '../../../shared/runtime/aws.js';
import { billOrder } from '../../../shared/app/bill-order.js';
import { parseTask, ShippingTaskSchema } from '../../../shared/app/task-input.js';
import { taskHandler } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/** Workflow task. Captures payment, commits stock and posts the sale to the ledger. */
export const handler = taskHandler(async (event: unknown) =>
  billOrder(deps(), parseTask(ShippingTaskSchema, event)),
);
