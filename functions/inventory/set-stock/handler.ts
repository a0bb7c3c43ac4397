import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json, jsonBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';
import { setOnHand } from '../../../shared/store/inventory.js';

const PathSchema = z.object({
  locationId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, dot, dash and underscore only'),
  sku: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, dot, dash and underscore only'),
});
const BodySchema = z.strictObject({ onHand: z.number().int().min(0).max(10_000_000) });

/** PUT /inventory/{locationId}/{sku} — sets on-hand from a count; a SKU not seen before is created. */
export const handler = apiHandler(async (event) => {
  const path = parseWith(PathSchema, event.pathParameters ?? {});
  const body = jsonBody(event, BodySchema);
  return json(200, await setOnHand(deps(), path.locationId, path.sku, body.onHand));
});
