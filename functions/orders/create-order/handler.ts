import '../../../shared/runtime/aws.js';
import { placeOrder, requestHash } from '../../../shared/app/place-order.js';
import { BUSINESS_METRICS } from '../../../shared/config/monitoring.js';
import { ValidationError } from '../../../shared/domain/errors.js';
import { apiHandler, header, json, parseJson, rawBody } from '../../../shared/http/api.js';
import { parseDirectOrder } from '../../../shared/intake/standard.js';
import { countMetric } from '../../../shared/observability.js';
import { deps } from '../../../shared/runtime/deps.js';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{8,100}$/;

/**
 * POST /orders — the direct channel. `Idempotency-Key` is required so a retried request never double-orders.
 * `couponCodes` are redeemed with the order, in one transaction (docs/coupons.md).
 */
export const handler = apiHandler(async (event) => {
  const key = header(event, 'idempotency-key');
  if (!key || !IDEMPOTENCY_KEY.test(key)) {
    throw new ValidationError(
      'Idempotency-Key header is required: 8-100 letters, digits, ".", "_", ":" or "-"',
      [{ field: 'Idempotency-Key', message: key ? 'invalid format' : 'required' }],
    );
  }
  const body = rawBody(event);
  const { order, couponCodes } = parseDirectOrder(parseJson(body), key);
  const result = await placeOrder(deps(), {
    order,
    couponCodes,
    requestHash: requestHash(body),
    idempotencyKey: key,
  });
  if (!result.duplicate) countMetric(BUSINESS_METRICS.ordersPlaced);
  return json(result.duplicate ? 200 : 201, result);
});
