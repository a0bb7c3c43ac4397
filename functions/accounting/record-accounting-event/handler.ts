import '../../../shared/runtime/aws.js';
import { parseEnvelope, recordAccountingEvent } from '../../../shared/app/consumers.js';
import { queueHandler } from '../../../shared/http/queue.js';
import { deps } from '../../../shared/runtime/deps.js';

/** Consumes the accounting queue (payment events). */
export const handler = queueHandler(async (record) =>
  recordAccountingEvent(deps(), parseEnvelope(record.body)),
);
