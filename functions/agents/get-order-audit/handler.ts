import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { orderAudit } from '../../../shared/app/agent-actions.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const PathSchema = z.object({ id: z.string().regex(/^ord_[0-9a-f]{24}$/, 'not an order id') });

/**
 * GET /agent/orders/{id}/audit — every change agents made to the order, oldest first: who, when, why and
 * what it did. An order no agent touched (or that does not exist) has none.
 */
export const handler = apiHandler(
  async (event) => {
    const { id } = parseWith(PathSchema, event.pathParameters ?? {});
    return json(200, { actions: await orderAudit(deps(), id) });
  },
  { auth: 'agent' },
);
