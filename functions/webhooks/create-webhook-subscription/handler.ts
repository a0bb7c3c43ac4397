import '../../../shared/runtime/aws.js';
import { createSubscription, SubscriptionBodySchema } from '../../../shared/app/webhook-subscriptions.js';
import { apiHandler, json, jsonBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/**
 * POST /webhook-subscriptions — a merchant's endpoint for the event types it names. 201 with the signing
 * secret, shown this once.
 */
export const handler = apiHandler(async (event) => {
  const { subscription, secret } = await createSubscription(deps(), jsonBody(event, SubscriptionBodySchema));
  return json(201, { ...subscription, secret }, { 'cache-control': 'no-store' });
});
