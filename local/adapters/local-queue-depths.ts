import type { QueueDepths } from '../../shared/ports/queue-depths.js';
import type { LocalQueue } from '../queue.js';

/**
 * The in-process dead-letter queues of local/runtime.ts. The table stream has none locally (the stream
 * reader retries a failed record until it succeeds), so there is no `outbox` entry here.
 */
export class LocalQueueDepths implements QueueDepths {
  constructor(private readonly deadLetterQueues: Readonly<Record<string, Pick<LocalQueue, 'depth'>>>) {}

  async deadLetters(): Promise<Record<string, number>> {
    return Object.fromEntries(
      Object.entries(this.deadLetterQueues).map(([name, queue]) => [name, queue.depth]),
    );
  }
}
