import '../../../shared/runtime/aws.js';
import { notifyCustomer } from '../../../shared/app/notify-customer.js';
import { parseTask, ShippingTaskSchema } from '../../../shared/app/task-input.js';
import { taskHandler } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/** Workflow task. Records the shipped notification and completes the order. */
export const handler = taskHandler(async (event: unknown) =>
  notifyCustomer(deps(), parseTask(ShippingTaskSchema, event)),
);
