import '../../../shared/runtime/aws.js';
import { PreviewSchema, previewDiscounts } from '../../../shared/app/coupons.js';
import { apiHandler, json, jsonBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/**
 * POST /discounts/preview — `{codes, currency, lines, customerEmail?}`: the discount and per-line allocation
 * intake would apply, or why each code does not apply. Always 200 for a well-formed request; nothing reserved.
 */
export const handler = apiHandler(async (event) => {
  const request = jsonBody(event, PreviewSchema);
  return json(200, await previewDiscounts(deps(), request));
});
