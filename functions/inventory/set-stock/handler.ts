import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { setStock } from '../../../shared/app/inventory.js';
import { LocationIdSchema, SkuSchema } from '../../../shared/app/location-input.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json, jsonBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const PathSchema = z.object({ locationId: LocationIdSchema, sku: SkuSchema });
const BodySchema = z
  .strictObject({
    onHand: z.number().int().min(0).max(10_000_000).optional(),
    safetyStock: z.number().int().min(0).max(10_000_000).optional(),
  })
  .refine(
    (body) => body.onHand !== undefined || body.safetyStock !== undefined,
    'give onHand, safetyStock or both',
  );

/**
 * PUT /inventory/{locationId}/{sku} — a stock count (`onHand`, kept as a count movement) and/or the safety
 * stock held back from promising. A SKU not seen before is created.
 */
export const handler = apiHandler(async (event) => {
  const path = parseWith(PathSchema, event.pathParameters ?? {});
  const body = jsonBody(event, BodySchema);
  return json(200, await setStock(deps(), { ...path, ...body }));
});
