import '../../../shared/runtime/aws.js';
import { SkuSchema } from '../../../shared/app/location-input.js';
import { skuSupplier } from '../../../shared/app/purchasing.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/** GET /skus/{sku}/supplier — the SKU's supplier link; 404 when it has none. */
export const handler = apiHandler(async (event) => {
  const sku = parseWith(SkuSchema, event.pathParameters?.sku, 'sku');
  return json(200, await skuSupplier(deps(), sku));
});
