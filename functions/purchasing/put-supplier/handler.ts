import '../../../shared/runtime/aws.js';
import { replaceSupplier } from '../../../shared/app/purchasing.js';
import { SupplierBodySchema, SupplierIdSchema } from '../../../shared/app/purchasing-input.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json, jsonBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/** PUT /suppliers/{id} — creates or replaces a supplier (the next reorder run uses the new figures). */
export const handler = apiHandler(async (event) => {
  const id = parseWith(SupplierIdSchema, event.pathParameters?.id, 'id');
  const body = jsonBody(event, SupplierBodySchema);
  return json(200, await replaceSupplier(deps(), { id, ...body }));
});
