import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { adjustStockAndAnnounce } from '../../../shared/app/inventory.js';
import { LocationIdSchema, SkuSchema } from '../../../shared/app/location-input.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json, jsonBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const PathSchema = z.object({ locationId: LocationIdSchema, sku: SkuSchema });
const BodySchema = z.strictObject({
  /** receipt adds, damage writes off, count and correction set the total. */
  type: z.enum(['receipt', 'count', 'damage', 'correction']),
  quantity: z.number().int().min(0).max(10_000_000),
  reason: z.string().min(1).max(500),
  reference: z.string().max(200).optional(),
});

/** POST /inventory/{locationId}/{sku}/adjustments — every adjustment is kept as an append-only movement. */
export const handler = apiHandler(async (event) => {
  const path = parseWith(PathSchema, event.pathParameters ?? {});
  const body = jsonBody(event, BodySchema);
  return json(201, await adjustStockAndAnnounce(deps(), { ...path, ...body }));
});
