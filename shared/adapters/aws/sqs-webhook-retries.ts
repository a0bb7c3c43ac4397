import type { SQSClient } from '@aws-sdk/client-sqs';
import type { WebhookRetryQueue } from '../../ports/webhooks.js';

/** SQS caps DelaySeconds at 15 minutes: a longer wait is several hops (see WebhookRetryQueue). */
const MAX_DELAY_SECONDS = 900;

/**
 * Webhook retries back onto the webhooks queue (OMS_WEBHOOK_QUEUE_URL) with a delay, rounded up to whole
 * seconds so a retry never arrives before it is due. Only the dispatcher sends: the SQS client is loaded on
 * first use, so no other function loads it at cold start.
 */
export class SqsWebhookRetries implements WebhookRetryQueue {
  readonly maxDelayMs = MAX_DELAY_SECONDS * 1000;
  private client: SQSClient | undefined;

  constructor(
    private readonly queueUrl: string,
    client?: SQSClient,
  ) {
    this.client = client;
  }

  async schedule(body: string, delayMs: number): Promise<void> {
    if (!this.queueUrl) throw new Error('no webhooks queue is configured (OMS_WEBHOOK_QUEUE_URL)');
    const { SendMessageCommand, SQSClient } = await import('@aws-sdk/client-sqs');
    this.client ??= new SQSClient({});
    const seconds = Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil(delayMs / 1000)));
    await this.client.send(
      new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: body, DelaySeconds: seconds }),
    );
  }
}
