import '../../../shared/runtime/aws.js';
import { createSupplier } from '../../../shared/app/purchasing.js';
import { SupplierBodySchema, SupplierIdSchema } from '../../../shared/app/purchasing-input.js';
import { apiHandler, json, jsonBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const BodySchema = SupplierBodySchema.extend({ id: SupplierIdSchema });

/** POST /suppliers — a new supplier with its lead time, pack size, minimum and costs; 409 when the id is taken. */
export const handler = apiHandler(async (event) => {
  const supplier = jsonBody(event, BodySchema);
  return json(201, await createSupplier(deps(), supplier));
});
