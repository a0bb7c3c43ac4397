import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { skuStock } from '../../../shared/app/inventory.js';
import { SkuSchema } from '../../../shared/app/location-input.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/** GET /agent/inventory/{sku} — live stock of a SKU per location (as GET /inventory/{sku}), for the console. */
export const handler = apiHandler(
  async (event) => {
    const { sku } = parseWith(z.object({ sku: SkuSchema }), event.pathParameters ?? {});
    return json(200, await skuStock(deps(), sku));
  },
  { auth: 'agent' },
);
