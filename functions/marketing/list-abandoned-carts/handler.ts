import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { abandonedCartsOn } from '../../../shared/app/marketing.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const QuerySchema = z.object({
  /** A UTC day; today when absent. */
  date: z.iso.date().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(2000).optional(),
});

/** GET /marketing/abandoned-carts?date=&limit=&cursor= — the day's carts still abandoned, with cause and coupon. */
export const handler = apiHandler(async (event) => {
  const query = parseWith(QuerySchema, event.queryStringParameters ?? {});
  const date = query.date ?? deps().clock.now().toISOString().slice(0, 10);
  return json(
    200,
    await abandonedCartsOn(deps(), {
      date,
      limit: query.limit,
      ...(query.cursor ? { cursor: query.cursor } : {}),
    }),
  );
});
