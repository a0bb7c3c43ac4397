import '../../../shared/runtime/aws.js';
import { releaseAllocation } from '../../../shared/app/compensate.js';
import { OrderTaskSchema, parseTask } from '../../../shared/app/task-input.js';
import { taskHandler } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/** Workflow task. Undo of the reservation (workflow compensation). */
export const handler = taskHandler(async (event: unknown) =>
  releaseAllocation(deps(), parseTask(OrderTaskSchema, event)),
);
