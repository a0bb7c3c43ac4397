import '../../../shared/runtime/aws.js';
import {
  UpdateSubscriptionBodySchema,
  updateSubscription,
} from '../../../shared/app/webhook-subscriptions.js';
import { apiHandler, json, jsonBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/**
 * PUT /webhook-subscriptions/{id} — replaces URL, event types and description; `enabled` switches it on
 * (failure count reset) or off. The secret is kept.
 */
export const handler = apiHandler(async (event) => {
  const body = jsonBody(event, UpdateSubscriptionBodySchema);
  return json(200, await updateSubscription(deps(), event.pathParameters?.id ?? '', body));
});
