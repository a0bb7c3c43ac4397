import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { getDailyReport, previousDay } from '../../../shared/app/reports.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const QuerySchema = z.object({ date: z.iso.date().optional() });

/** GET /reports/daily?date=YYYY-MM-DD — the day's report (default yesterday), built first if missing. */
export const handler = apiHandler(async (event) => {
  const query = parseWith(QuerySchema, event.queryStringParameters ?? {});
  return json(200, await getDailyReport(deps(), query.date ?? previousDay(deps())));
});
