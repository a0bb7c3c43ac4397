import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { addScheduledReceipt } from '../../../shared/app/inventory.js';
import { LocationIdSchema, SkuSchema } from '../../../shared/app/location-input.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json, jsonBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const PathSchema = z.object({ locationId: LocationIdSchema, sku: SkuSchema });
const BodySchema = z.strictObject({
  quantity: z.number().int().min(1).max(10_000_000),
  dueDate: z.iso.date(),
  reference: z.string().max(200).optional(),
});

/** POST /inventory/{locationId}/{sku}/scheduled-receipts — stock due in, promised from its due date. */
export const handler = apiHandler(async (event) => {
  const path = parseWith(PathSchema, event.pathParameters ?? {});
  const body = jsonBody(event, BodySchema);
  return json(201, await addScheduledReceipt(deps(), { ...path, ...body }));
});
