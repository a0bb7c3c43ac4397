import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { ValidationError } from '../../../shared/domain/errors.js';
import { ORDER_STATUSES } from '../../../shared/domain/order.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';
import { listOrders } from '../../../shared/store/orders.js';

const QuerySchema = z.object({
  status: z.enum(ORDER_STATUSES).optional(),
  email: z.email().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(2000).optional(),
});

/** GET /orders?status=&email=&limit=&cursor= — newest first, by status and/or customer email. */
export const handler = apiHandler(async (event) => {
  const query = parseWith(QuerySchema, event.queryStringParameters ?? {});
  if (!query.status && !query.email) {
    throw new ValidationError('status or email is required', [
      { field: 'status', message: 'give status, email or both' },
      { field: 'email', message: 'give status, email or both' },
    ]);
  }
  const page = await listOrders(deps(), {
    limit: query.limit,
    ...(query.status ? { status: query.status } : {}),
    ...(query.email ? { email: query.email } : {}),
    ...(query.cursor ? { cursor: query.cursor } : {}),
  });
  return json(200, {
    items: page.items.map((order) => ({
      id: order.id,
      status: order.status,
      channel: order.channel,
      externalId: order.externalId,
      currency: order.currency,
      totals: order.totals,
      createdAt: order.createdAt,
    })),
    nextCursor: page.nextCursor ?? null,
  });
});
