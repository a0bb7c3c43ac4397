import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { listExports } from '../../../shared/app/ledger-export.js';
import { ValidationError } from '../../../shared/domain/errors.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const QuerySchema = z.object({ from: z.iso.date(), to: z.iso.date() });

/** GET /ledger/exports?from=&to= — the export runs whose period starts within [from, to]. */
export const handler = apiHandler(async (event) => {
  const { from, to } = parseWith(QuerySchema, event.queryStringParameters ?? {});
  if (to < from) throw new ValidationError('to: before from', [{ field: 'to', message: 'before from' }]);
  return json(200, { items: await listExports(deps(), from, to) });
});
