import '../../../shared/runtime/aws.js';
import { updateCoupon } from '../../../shared/app/coupons.js';
import { CouponChangeSchema, CouponCodeSchema } from '../../../shared/domain/coupons.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json, jsonBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/** PUT /coupons/{code} — `{"status"?: "active" | "disabled", "endsAt"?: instant | null}`. */
export const handler = apiHandler(async (event) => {
  const code = parseWith(CouponCodeSchema, event.pathParameters?.code, 'code');
  const change = jsonBody(event, CouponChangeSchema);
  return json(200, await updateCoupon(deps(), code, change));
});
