import '../../../shared/runtime/aws.js';
import { parseEnvelope, recordMarketingEvent } from '../../../shared/app/consumers.js';
import { queueHandler } from '../../../shared/http/queue.js';
import { deps } from '../../../shared/runtime/deps.js';

/** Consumes the marketing queue (order lifecycle events). */
export const handler = queueHandler(async (record) =>
  recordMarketingEvent(deps(), parseEnvelope(record.body)),
);
