import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { reconcilePayments } from '../../../shared/app/ledger.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const QuerySchema = z.object({ from: z.string().max(40).optional(), to: z.string().max(40).optional() });

/**
 * GET /ledger/reconciliation?from=&to= — the period's captures and refunds (gateway settlement list and
 * order payment records) matched against the journal, with every difference listed.
 */
export const handler = apiHandler(async (event) => {
  const query = parseWith(QuerySchema, event.queryStringParameters ?? {});
  return json(
    200,
    await reconcilePayments(deps(), {
      ...(query.from ? { from: query.from } : {}),
      ...(query.to ? { to: query.to } : {}),
    }),
  );
});
