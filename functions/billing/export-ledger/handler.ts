import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { exportLedger } from '../../../shared/app/jobs.js';
import { parseTask } from '../../../shared/app/task-input.js';
import { taskHandler } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const InputSchema = z.object({ day: z.iso.date().optional() }).catch({});

/** Scheduled daily (and on demand with `{ "day": "YYYY-MM-DD" }`): exports a day's journal as CSV. */
export const handler = taskHandler(async (event: unknown) => {
  const input = parseTask(InputSchema, event ?? {});
  return exportLedger(deps(), input.day ? { day: input.day } : {});
});
