import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { getReturn } from '../../../shared/app/returns.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const PathSchema = z.object({ rmaId: z.string().min(1).max(64) });

/** GET /agent/returns/{rmaId} — one return: lines, receipts, label, settlement, refund, timeline. */
export const handler = apiHandler(
  async (event) => {
    const { rmaId } = parseWith(PathSchema, event.pathParameters ?? {});
    return json(200, { return: await getReturn(deps(), rmaId) });
  },
  { auth: 'agent' },
);
