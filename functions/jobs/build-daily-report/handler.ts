import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { buildDailyReport } from '../../../shared/app/reports.js';
import { parseTask } from '../../../shared/app/task-input.js';
import { taskHandler } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const InputSchema = z.object({ day: z.iso.date().optional() }).catch({});

/** Scheduled daily for the previous UTC day (and on demand with `{ "day": "YYYY-MM-DD" }`): the daily report. */
export const handler = taskHandler(async (event: unknown) => {
  const input = parseTask(InputSchema, event ?? {});
  return buildDailyReport(deps(), input.day ? { day: input.day } : {});
});
