import '../../../shared/runtime/aws.js';
import { allocateOrder } from '../../../shared/app/allocate-order.js';
import { AllocateTaskSchema, parseTask } from '../../../shared/app/task-input.js';
import { taskHandler } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/** Workflow task. Reserves stock, authorizes payment and opens the pick ticket holding the workflow's task token. */
export const handler = taskHandler(async (event: unknown) =>
  allocateOrder(deps(), parseTask(AllocateTaskSchema, event)),
);
