import '../../../shared/runtime/aws.js';
import { SkuSchema } from '../../../shared/app/location-input.js';
import { linkSkuToSupplier } from '../../../shared/app/purchasing.js';
import { SkuSupplierBodySchema } from '../../../shared/app/purchasing-input.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json, jsonBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/** PUT /skus/{sku}/supplier — the supplier a SKU is bought from, its unit cost and overrides; unknown supplier 404. */
export const handler = apiHandler(async (event) => {
  const sku = parseWith(SkuSchema, event.pathParameters?.sku, 'sku');
  const body = jsonBody(event, SkuSupplierBodySchema);
  return json(200, await linkSkuToSupplier(deps(), { sku, ...body }));
});
