import '../../../shared/runtime/aws.js';
import {
  RotateSecretBodySchema,
  rotateSubscriptionSecret,
} from '../../../shared/app/webhook-subscriptions.js';
import { apiHandler, json, jsonBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/**
 * POST /webhook-subscriptions/{id}/rotate-secret — a new secret, shown once; the previous one keeps signing
 * beside it for `overlapSeconds` (default 24 h).
 */
export const handler = apiHandler(async (event) => {
  const { overlapSeconds } = jsonBody(event, RotateSecretBodySchema);
  const { subscription, secret } = await rotateSubscriptionSecret(
    deps(),
    event.pathParameters?.id ?? '',
    overlapSeconds,
  );
  return json(200, { ...subscription, secret }, { 'cache-control': 'no-store' });
});
