import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { listOrderReturns } from '../../../shared/app/returns.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const PathSchema = z.object({ id: z.string().regex(/^ord_[0-9a-f]{24}$/, 'not an order id') });

/** GET /agent/orders/{id}/returns — the order's returns, oldest first (404 for an unknown order). */
export const handler = apiHandler(
  async (event) => {
    const { id } = parseWith(PathSchema, event.pathParameters ?? {});
    return json(200, { returns: await listOrderReturns(deps(), id) });
  },
  { auth: 'agent' },
);
