import '../../../shared/runtime/aws.js';
import { getSubscriptionView } from '../../../shared/app/webhook-subscriptions.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/** GET /webhook-subscriptions/{id} — one subscription and its endpoint's health, without the secret. */
export const handler = apiHandler(async (event) =>
  json(200, await getSubscriptionView(deps(), event.pathParameters?.id ?? '')),
);
