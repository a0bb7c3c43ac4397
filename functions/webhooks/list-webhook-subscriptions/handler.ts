import '../../../shared/runtime/aws.js';
import { listSubscriptionViews } from '../../../shared/app/webhook-subscriptions.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/** GET /webhook-subscriptions — every subscription, oldest first, without secrets. */
export const handler = apiHandler(async () => json(200, { items: await listSubscriptionViews(deps()) }));
