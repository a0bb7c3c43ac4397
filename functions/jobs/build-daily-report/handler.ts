import '../../../shared/runtime/aws.js';
import { buildDailyReport } from '../../../shared/app/jobs.js';
import { taskHandler } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/** Scheduled daily: writes the operations report. */
export const handler = taskHandler(async () => buildDailyReport(deps()));
