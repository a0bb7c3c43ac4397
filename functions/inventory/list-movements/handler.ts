import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { LocationIdSchema, SkuSchema } from '../../../shared/app/location-input.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';
import { listMovements } from '../../../shared/store/inventory.js';

const QuerySchema = z.object({ locationId: LocationIdSchema.optional() });

/** GET /inventory/{sku}/movements?locationId= — the append-only history behind on-hand, oldest first. */
export const handler = apiHandler(async (event) => {
  const sku = parseWith(SkuSchema, event.pathParameters?.sku, 'sku');
  const { locationId } = parseWith(QuerySchema, event.queryStringParameters ?? {});
  return json(200, { sku, movements: await listMovements(deps(), sku, locationId) });
});
