import '../../../shared/runtime/aws.js';
import { proposeReorders } from '../../../shared/app/jobs.js';
import { taskHandler } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/** Scheduled daily: proposes reorders for stock at or below its reorder point. */
export const handler = taskHandler(async () => proposeReorders(deps()));
