import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { listLedgerEntries } from '../../../shared/app/ledger.js';
import { LEDGER_PAGE_LIMIT } from '../../../shared/config/ledger.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const QuerySchema = z.object({
  from: z.string().max(40).optional(),
  to: z.string().max(40).optional(),
  orderId: z
    .string()
    .regex(/^ord_[0-9a-f]{24}$/, 'not an order id')
    .optional(),
  limit: z.coerce.number().int().min(1).max(LEDGER_PAGE_LIMIT).default(50),
  cursor: z.string().max(2000).optional(),
});

/** GET /ledger/entries?from=&to=&orderId=&limit=&cursor= — journal entries in posting order, paged. */
export const handler = apiHandler(async (event) => {
  const query = parseWith(QuerySchema, event.queryStringParameters ?? {});
  const page = await listLedgerEntries(deps(), {
    limit: query.limit,
    ...(query.from ? { from: query.from } : {}),
    ...(query.to ? { to: query.to } : {}),
    ...(query.orderId ? { orderId: query.orderId } : {}),
    ...(query.cursor ? { cursor: query.cursor } : {}),
  });
  return json(200, { ...page, nextCursor: page.nextCursor ?? null });
});
