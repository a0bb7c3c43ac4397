import '../../../shared/runtime/aws.js';
import { reconcileOrders } from '../../../shared/app/reconcile.js';
import { taskHandler } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/** Scheduled every 15 minutes: finishes or compensates orders whose workflow stopped making progress. */
export const handler = taskHandler(async () => reconcileOrders(deps()));
