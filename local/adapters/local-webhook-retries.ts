import type { WebhookRetryQueue } from '../../shared/ports/webhooks.js';
import type { LocalQueue } from '../queue.js';

/**
 * Webhook retries back onto the in-process webhooks queue with a message timer, capped like SQS's
 * DelaySeconds (15 min), so long waits take the same hops as on AWS.
 */
export class LocalWebhookRetries implements WebhookRetryQueue {
  readonly maxDelayMs = 900_000;

  constructor(
    private readonly queue: Pick<LocalQueue, 'send'>,
    /** Who sends (the dispatcher function), for the meter. */
    private readonly sender: () => string | undefined = () => undefined,
  ) {}

  async schedule(body: string, delayMs: number): Promise<void> {
    const sender = this.sender();
    this.queue.send(body, {
      delayMs: Math.min(Math.max(0, delayMs), this.maxDelayMs),
      ...(sender !== undefined ? { sender } : {}),
    });
  }
}
