import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { getTrialBalance } from '../../../shared/app/ledger.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const QuerySchema = z.object({
  asOf: z.string().max(40).optional(),
  currency: z.string().max(3).optional(),
});

/** GET /ledger/trial-balance?asOf=&currency= — per currency and account, derived from the entries alone. */
export const handler = apiHandler(async (event) => {
  const query = parseWith(QuerySchema, event.queryStringParameters ?? {});
  return json(
    200,
    await getTrialBalance(deps(), {
      ...(query.asOf ? { asOf: query.asOf } : {}),
      ...(query.currency ? { currency: query.currency } : {}),
    }),
  );
});
