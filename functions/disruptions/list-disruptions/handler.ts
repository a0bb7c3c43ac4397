import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { listDisruptionViews } from '../../../shared/app/disruptions.js';
import { ValidationError } from '../../../shared/domain/errors.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const DAY_MS = 86_400_000;
/** The longest period one listing covers: the index read stays a bounded range. */
const MAX_RANGE_DAYS = 366;

/** A date-time with a zone, or a day (`YYYY-MM-DD`, its start in UTC), as UTC ISO. */
const instant = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()])
  .transform((value) => new Date(value).toISOString())
  .refine((value) => value >= '2000-01-01' && value < '2100-01-01', 'must be between 2000 and 2099');

const QuerySchema = z.object({
  from: instant.optional(),
  to: instant.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(2000).optional(),
});

/**
 * GET /disruptions?from=&to=&limit=&cursor= — the disruptions whose window overlaps [from, to] (default: the
 * 30 days either side of now), by start time, with their counts.
 */
export const handler = apiHandler(async (event) => {
  const query = parseWith(QuerySchema, event.queryStringParameters ?? {});
  const now = deps().clock.now().getTime();
  const from = query.from ?? new Date(now - 30 * DAY_MS).toISOString();
  const to = query.to ?? new Date(now + 30 * DAY_MS).toISOString();
  if (to < from) throw new ValidationError('to is before from', [{ field: 'to', message: 'before from' }]);
  if (Date.parse(to) - Date.parse(from) > MAX_RANGE_DAYS * DAY_MS) {
    throw new ValidationError(`at most ${MAX_RANGE_DAYS} days from from to to`, [
      { field: 'to', message: `more than ${MAX_RANGE_DAYS} days after from` },
    ]);
  }
  const page = await listDisruptionViews(deps(), {
    from,
    to,
    limit: query.limit,
    ...(query.cursor ? { cursor: query.cursor } : {}),
  });
  return json(200, page);
});
