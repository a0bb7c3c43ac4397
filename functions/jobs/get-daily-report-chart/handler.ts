import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { getTrendChart } from '../../../shared/app/reports.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const PathSchema = z.object({ date: z.iso.date() });

/** GET /reports/daily/{date}/trend.svg — the day's trend chart as SVG, the report built first if missing. */
export const handler = apiHandler(async (event) => {
  const { date } = parseWith(PathSchema, event.pathParameters ?? {});
  return {
    statusCode: 200,
    headers: { 'content-type': 'image/svg+xml; charset=utf-8', 'cache-control': 'no-cache' },
    body: await getTrendChart(deps(), date),
  };
});
