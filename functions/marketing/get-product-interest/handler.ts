import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { SkuSchema } from '../../../shared/app/location-input.js';
import { productInterest } from '../../../shared/app/marketing.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const PathSchema = z.object({ sku: SkuSchema });

/** GET /marketing/products/{sku}/interest — carts that held the SKU, abandoned, ordered (zeros if never seen). */
export const handler = apiHandler(async (event) => {
  const { sku } = parseWith(PathSchema, event.pathParameters ?? {});
  return json(200, await productInterest(deps(), sku));
});
