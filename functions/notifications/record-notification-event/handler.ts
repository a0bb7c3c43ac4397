import '../../../shared/runtime/aws.js';
import { parseEnvelope } from '../../../shared/app/consumers.js';
import { recordNotificationEvent } from '../../../shared/app/notifications.js';
import { queueHandler } from '../../../shared/http/queue.js';
import { deps } from '../../../shared/runtime/deps.js';

/** Consumes the notifications queue: confirmed, delayed, cancelled and refunded, once per order and event. */
export const handler = queueHandler(async (record) =>
  recordNotificationEvent(deps(), parseEnvelope(record.body)),
);
