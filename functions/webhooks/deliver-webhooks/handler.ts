import '../../../shared/runtime/aws.js';
import { deliverWebhookMessage, parseWebhookMessage } from '../../../shared/app/deliver-webhooks.js';
import { queueHandler } from '../../../shared/http/queue.js';
import { deps } from '../../../shared/runtime/deps.js';

/**
 * Consumes the webhooks queue: events the `events-to-webhooks` rule routed, sent to every enabled
 * subscription that asked for them, and the retries of deliveries that failed.
 */
export const handler = queueHandler(async (record) =>
  deliverWebhookMessage(deps(), parseWebhookMessage(record.body)),
);
