import '../../../shared/runtime/aws.js';
import { getCouponView } from '../../../shared/app/coupons.js';
import { CouponCodeSchema } from '../../../shared/domain/coupons.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/** GET /coupons/{code} — the coupon (any letter case) with its usage count and the uses left. */
export const handler = apiHandler(async (event) => {
  const code = parseWith(CouponCodeSchema, event.pathParameters?.code, 'code');
  return json(200, await getCouponView(deps(), code));
});
