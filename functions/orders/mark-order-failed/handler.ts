import '../../../shared/runtime/aws.js';
import { markOrderFailed } from '../../../shared/app/compensate.js';
import { OrderTaskSchema, parseTask } from '../../../shared/app/task-input.js';
import { taskHandler } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/** Workflow task. Marks an order failed after its compensation ran. */
export const handler = taskHandler(async (event: unknown) =>
  markOrderFailed(deps(), parseTask(OrderTaskSchema, event)),
);
