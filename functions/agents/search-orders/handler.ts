import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { searchOrders } from '../../../shared/app/order-search.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const QuerySchema = z.object({
  q: z
    .string()
    .trim()
    .min(1, 'type an order id or number, an email, a phone number or an external id')
    .max(254),
});

/**
 * GET /agent/orders?q= — the console's search box: an order id, a customer email, a phone number, the number
 * the channel shows the customer or the channel's own order id (shared/app/order-search.ts).
 */
export const handler = apiHandler(
  async (event) => {
    const { q } = parseWith(QuerySchema, event.queryStringParameters ?? {});
    return json(200, await searchOrders(deps(), q));
  },
  { auth: 'agent' },
);
