import '../../../shared/runtime/aws.js';
import { DeliveryLogQuerySchema, deliveryLog } from '../../../shared/app/webhook-subscriptions.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/** GET /webhook-subscriptions/{id}/deliveries?limit=&cursor= — the delivery log, newest event first. */
export const handler = apiHandler(async (event) => {
  const { limit, cursor } = event.queryStringParameters ?? {};
  const query = parseWith(DeliveryLogQuerySchema, {
    ...(limit !== undefined ? { limit } : {}),
    ...(cursor !== undefined ? { cursor } : {}),
  });
  return json(200, await deliveryLog(deps(), event.pathParameters?.id ?? '', query));
});
