import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { listPayouts } from '../../../shared/app/payouts.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const QuerySchema = z.object({
  status: z.enum(['pending', 'included']).default('pending'),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});

/** GET /payouts?status=&limit= — payouts pending (default) or included in a file, oldest first. */
export const handler = apiHandler(async (event) => {
  const { status, limit } = parseWith(QuerySchema, event.queryStringParameters ?? {});
  return json(200, { items: await listPayouts(deps(), status, limit) });
});
