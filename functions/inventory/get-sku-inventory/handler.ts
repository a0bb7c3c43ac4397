import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { skuStock } from '../../../shared/app/inventory.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const PathSchema = z.object({ sku: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'not a valid SKU') });

/** GET /inventory/{sku} — on-hand, reserved and available per location. */
export const handler = apiHandler(async (event) => {
  const { sku } = parseWith(PathSchema, event.pathParameters ?? {});
  return json(200, await skuStock(deps(), sku));
});
