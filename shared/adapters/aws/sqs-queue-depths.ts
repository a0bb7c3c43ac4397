import type { SQSClient } from '@aws-sdk/client-sqs';
import type { QueueDepths } from '../../ports/queue-depths.js';

/**
 * The dead-letter queues a function may read, as the stack passes them in one environment variable:
 * `name=url` pairs separated by commas (queue URLs hold neither character).
 */
export function formatQueueUrls(queues: Readonly<Record<string, string>>): string {
  return Object.entries(queues)
    .map(([name, url]) => `${name}=${url}`)
    .join(',');
}

export function parseQueueUrls(value: string): Record<string, string> {
  const queues: Record<string, string> = {};
  for (const pair of value.split(',')) {
    if (pair.trim() === '') continue;
    const at = pair.indexOf('=');
    if (at <= 0 || at === pair.length - 1) throw new Error(`not a name=url pair: '${pair}'`);
    queues[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return queues;
}

/** What a depth adds up, the same as the local queue's `depth`: nothing in a dead-letter queue is consumed. */
const DEPTH_ATTRIBUTES = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
] as const;

/**
 * One GetQueueAttributes per queue, in parallel; SQS's figures are approximate (about a minute behind). Every
 * handler builds its Deps from shared/runtime/aws.ts, and one function reads queue depths: the SQS client is
 * loaded on first use, so no other function loads it at cold start.
 */
export class SqsQueueDepths implements QueueDepths {
  private client: SQSClient | undefined;

  constructor(
    private readonly queueUrls: Readonly<Record<string, string>>,
    client?: SQSClient,
  ) {
    this.client = client;
  }

  async deadLetters(): Promise<Record<string, number>> {
    const { GetQueueAttributesCommand, SQSClient } = await import('@aws-sdk/client-sqs');
    this.client ??= new SQSClient({});
    const client = this.client;
    const depths = await Promise.all(
      Object.entries(this.queueUrls).map(async ([name, url]) => {
        const { Attributes = {} } = await client.send(
          new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: [...DEPTH_ATTRIBUTES] }),
        );
        const depth = DEPTH_ATTRIBUTES.reduce((total, key) => total + Number(Attributes[key] ?? 0), 0);
        return [name, depth] as const;
      }),
    );
    return Object.fromEntries(depths);
  }
}
