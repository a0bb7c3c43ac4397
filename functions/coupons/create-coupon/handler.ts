import '../../../shared/runtime/aws.js';
import { createCoupon } from '../../../shared/app/coupons.js';
import { CouponDefinitionSchema } from '../../../shared/domain/coupons.js';
import { apiHandler, json, jsonBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/** POST /coupons — a new code (normalised to upper case) with its value and rules; 409 when it exists. */
export const handler = apiHandler(async (event) => {
  const definition = jsonBody(event, CouponDefinitionSchema);
  return json(201, await createCoupon(deps(), definition));
});
