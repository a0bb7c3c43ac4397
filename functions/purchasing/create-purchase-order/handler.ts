import '../../../shared/runtime/aws.js';
import { createPurchaseOrder } from '../../../shared/app/purchasing.js';
import { PurchaseOrderBodySchema } from '../../../shared/app/purchasing-input.js';
import { apiHandler, json, jsonBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/** POST /purchase-orders — a draft for one supplier; a line without unitCost takes the SKU's linked cost. */
export const handler = apiHandler(async (event) => {
  const body = jsonBody(event, PurchaseOrderBodySchema);
  return json(201, await createPurchaseOrder(deps(), { ...body, origin: 'manual' }));
});
