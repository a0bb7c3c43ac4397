import { BUSINESS_METRICS } from '../config/monitoring.js';
import type { CanonicalOrder } from '../domain/order.js';
import { type ApiEvent, type ApiResult, json, parseJson, rawBody } from '../http/api.js';
import { countMetric } from '../observability.js';
import type { WebhookChannel } from '../ports/secret-store.js';
import type { Deps } from '../runtime/deps.js';
import { placeOrder, requestHash } from './place-order.js';

/**
 * The shared path of every checkout webhook: verify the signature over the raw bytes (401 and nothing
 * stored when it fails), parse and map to the canonical order (400/422), then place it idempotently.
 */
export async function receiveWebhook(
  deps: Deps,
  event: ApiEvent,
  channel: WebhookChannel,
  options: {
    verify: (body: Buffer, secrets: string[]) => void;
    map: (payload: unknown) => CanonicalOrder;
    deliveryId: string | undefined;
  },
): Promise<ApiResult> {
  const body = rawBody(event);
  options.verify(body, await deps.secrets.webhookSecrets(channel));
  const order = options.map(parseJson(body));
  const result = await placeOrder(deps, {
    order,
    ...(options.deliveryId ? { deliveryId: options.deliveryId } : {}),
    requestHash: requestHash(body),
  });
  countMetric(result.duplicate ? BUSINESS_METRICS.duplicateDeliveries : BUSINESS_METRICS.ordersPlaced);
  return json(result.duplicate ? 200 : 201, result);
}
