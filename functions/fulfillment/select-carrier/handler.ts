import '../../../shared/runtime/aws.js';
import { selectCarrier } from '../../../shared/app/select-carrier.js';
import { parseTask, ShippingTaskSchema } from '../../../shared/app/task-input.js';
import { taskHandler } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/** Workflow task. Rate-shops carriers and buys the label. */
export const handler = taskHandler(async (event: unknown) =>
  selectCarrier(deps(), parseTask(ShippingTaskSchema, event)),
);
