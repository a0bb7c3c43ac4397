import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { freightAuditReport } from '../../../shared/app/freight-audit.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const DAY = 86_400_000;
const QuerySchema = z
  .object({
    carrier: z.string().trim().min(1).max(64).optional(),
    from: z.iso.date().optional(),
    to: z.iso.date().optional(),
  })
  .transform((query) => {
    const to = query.to ?? new Date().toISOString().slice(0, 10);
    const from = query.from ?? new Date(Date.parse(to) - 30 * DAY).toISOString().slice(0, 10);
    return { ...query, from, to };
  })
  .refine((query) => query.from <= query.to, { message: 'from must not be after to', path: ['from'] })
  .refine((query) => Date.parse(query.to) - Date.parse(query.from) <= 366 * DAY, {
    message: 'at most 366 days',
    path: ['to'],
  });

/** GET /freight-audit/report?carrier=&from=&to= — billed vs rated, flags, duplicates, decisions per carrier. */
export const handler = apiHandler(async (event) => {
  const query = parseWith(QuerySchema, event.queryStringParameters ?? {});
  return json(200, await freightAuditReport(deps(), query));
});
