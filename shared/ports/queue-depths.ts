/**
 * How many messages wait in each dead-letter queue: deliveries a consumer gave up on, kept for a redrive.
 * SQS GetQueueAttributes on AWS (shared/adapters/aws/sqs-queue-depths.ts), the in-process dead-letter
 * queues locally (local/adapters/local-queue-depths.ts).
 */
export interface QueueDepths {
  /**
   * Messages per dead-letter queue (visible, in flight and delayed), keyed by the name of the queue or
   * stream it serves: each event queue's (`marketing`, `accounting`, …) and, on AWS, `outbox` (the table
   * stream's).
   */
  deadLetters(): Promise<Record<string, number>>;
}
