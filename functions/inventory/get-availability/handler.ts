import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { availability } from '../../../shared/app/inventory.js';
import { SkuSchema } from '../../../shared/app/location-input.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const QuerySchema = z.object({
  sku: SkuSchema,
  fulfillment: z.enum(['ship', 'pickup']).default('ship'),
  postalCode: z.string().min(1).max(20).optional(),
  date: z.iso.date().optional(),
});

/** GET /availability?sku=&postalCode=&fulfillment=ship|pickup&date= — available-to-promise per location and network. */
export const handler = apiHandler(async (event) => {
  const query = parseWith(QuerySchema, event.queryStringParameters ?? {});
  return json(
    200,
    await availability(deps(), {
      sku: query.sku,
      fulfillment: query.fulfillment,
      ...(query.postalCode ? { postalCode: query.postalCode } : {}),
      ...(query.date ? { date: query.date } : {}),
    }),
  );
});
