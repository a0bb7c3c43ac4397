import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { SkuSchema } from '../../../shared/app/location-input.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json, jsonBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';
import { MAX_BUCKETS, setStockBuckets, stockForSku } from '../../../shared/store/inventory.js';

const BodySchema = z.strictObject({ buckets: z.number().int().min(1).max(MAX_BUCKETS) });

/**
 * PUT /skus/{sku}/stock-buckets — spreads a hot SKU's stock over several partitions so a flash sale is not
 * capped by one partition's write limit (about 1,000 writes/s on AWS). See docs/decisions.
 */
export const handler = apiHandler(async (event) => {
  const sku = parseWith(SkuSchema, event.pathParameters?.sku, 'sku');
  const { buckets } = jsonBody(event, BodySchema);
  await setStockBuckets(deps(), sku, buckets);
  return json(200, { sku, buckets, locations: await stockForSku(deps(), sku) });
});
