import '../../../shared/runtime/aws.js';
import { BinBodySchema, BinPathSchema } from '../../../shared/app/pick-input.js';
import { setBin } from '../../../shared/app/pick-tickets.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json, jsonBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/** PUT /locations/{id}/bins/{sku} — where the SKU sits at the location: pick tickets walk by bin. */
export const handler = apiHandler(async (event) => {
  const path = parseWith(BinPathSchema, event.pathParameters ?? {});
  const { bin } = jsonBody(event, BinBodySchema);
  return json(200, await setBin(deps(), { locationId: path.id, sku: path.sku, bin }));
});
