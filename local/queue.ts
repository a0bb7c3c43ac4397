import { createHash, randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/**
 * An in-process stand-in for an SQS queue plus the Lambda event source mapping that drains it, with the
 * semantics the handlers rely on in AWS: batches of up to `batchSize`, a visibility timeout after a failed
 * delivery, partial batch responses (ReportBatchItemFailures), and a redrive policy that moves a message
 * to the dead-letter queue once it has been received `maxReceiveCount` times without success.
 */

export interface LocalQueueOptions {
  name: string;
  /** Receives before a failing message goes to `deadLetter` (or is dropped). Unlimited when omitted. */
  maxReceiveCount?: number;
  visibilityTimeoutMs?: number;
  batchSize?: number;
  /**
   * The mapping's MaximumBatchingWindowInSeconds, in ms: a batch short of `batchSize` waits until its oldest
   * message has been visible this long. 0 (the default) delivers at once.
   */
  batchingWindowMs?: number;
  /**
   * The function the event source mapping invokes. A queue without one only holds messages, which is what a
   * dead-letter queue does. It resolves to nothing or to an SQSBatchResponse; anything else is read the way
   * Lambda reads it, so a malformed response fails the batch.
   */
  consumer?: ((event: SQSEvent) => Promise<unknown>) | undefined;
  deadLetter?: LocalQueue | undefined;
  onError?: (err: unknown) => void;
  /** Longest sleep between two looks at the queue; sends and finished batches wake the poller at once. */
  pollIntervalMs?: number;
  /**
   * Each request SQS would bill (the cost meter): a send, and per delivered batch one receive and one batch
   * delete of the messages that succeeded, as the event source mapping makes them.
   */
  onRequest?: (request: { action: QueueRequest; messages: number; bytes: number; sender?: string }) => void;
}

export type QueueRequest = 'SendMessage' | 'ReceiveMessage' | 'DeleteMessageBatch';

export type LocalMessageState = 'visible' | 'in-flight' | 'delayed';

export interface LocalMessageSnapshot {
  messageId: string;
  body: string;
  receiveCount: number;
  sentTimestamp: number;
  state: LocalMessageState;
  /** When an in-flight or delayed message becomes visible again (epoch ms). */
  visibleAt: number;
}

interface StoredMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  sentTimestamp: number;
  receiveCount: number;
  firstReceiveTimestamp: number | undefined;
  visibleAt: number;
  inFlight: boolean;
  deadLetterSourceArn: string | undefined;
}

/** The SQS maximum message size. */
export const MAX_MESSAGE_BYTES = 256 * 1024;
const SQS_DEFAULT_VISIBILITY_TIMEOUT_MS = 30_000;
const ACCOUNT = '000000000000';
const REGION = 'local';

export class QueueDrainTimeoutError extends Error {
  constructor(queue: string, depth: number, timeoutMs: number) {
    super(`Queue ${queue} still holds ${depth} message(s) after ${timeoutMs} ms`);
    this.name = 'QueueDrainTimeoutError';
  }
}

export class LocalQueue {
  readonly name: string;
  readonly arn: string;
  private readonly maxReceiveCount: number;
  private readonly visibilityTimeoutMs: number;
  private readonly batchSize: number;
  private readonly batchingWindowMs: number;
  private readonly consumer: LocalQueueOptions['consumer'];
  private readonly deadLetter: LocalQueue | undefined;
  private readonly onError: (err: unknown) => void;
  private readonly pollIntervalMs: number;
  private readonly onRequest: LocalQueueOptions['onRequest'];

  private stored: StoredMessage[] = [];
  private running = false;
  private inFlightBatch: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private timerDueAt = Number.POSITIVE_INFINITY;
  private drainWaiters: (() => void)[] = [];

  constructor(options: LocalQueueOptions) {
    const batchSize = options.batchSize ?? 10;
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new Error(`batchSize must be a positive integer`);
    const maxReceiveCount = options.maxReceiveCount ?? Number.POSITIVE_INFINITY;
    if (!(maxReceiveCount >= 1)) throw new Error('maxReceiveCount must be at least 1');
    this.name = options.name;
    this.arn = `arn:aws:sqs:${REGION}:${ACCOUNT}:${options.name}`;
    this.maxReceiveCount = maxReceiveCount;
    this.visibilityTimeoutMs = options.visibilityTimeoutMs ?? SQS_DEFAULT_VISIBILITY_TIMEOUT_MS;
    this.batchSize = batchSize;
    this.batchingWindowMs = options.batchingWindowMs ?? 0;
    this.consumer = options.consumer;
    this.deadLetter = options.deadLetter;
    this.onError = options.onError ?? ((err) => console.error(`[queue ${this.name}]`, err));
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.onRequest = options.onRequest;
  }

  /**
   * Enqueues a message and returns its id, like SendMessage. `delayMs` is SendMessage's DelaySeconds (a
   * message timer); `sender` names who sends, when not the queue's usual sender (for the meter).
   */
  send(body: string, options: { delayMs?: number; sender?: string } = {}): string {
    const size = Buffer.byteLength(body, 'utf8');
    if (size > MAX_MESSAGE_BYTES) {
      throw new Error(`Message of ${size} bytes exceeds the SQS limit of ${MAX_MESSAGE_BYTES} bytes`);
    }
    const messageId = randomUUID();
    this.enqueue(
      { messageId, body, sentTimestamp: Date.now(), deadLetterSourceArn: undefined },
      options.delayMs,
    );
    this.onRequest?.({
      action: 'SendMessage',
      messages: 1,
      bytes: size,
      ...(options.sender !== undefined ? { sender: options.sender } : {}),
    });
    return messageId;
  }

  start(): void {
    if (this.running) return;
    if (!this.consumer) throw new Error(`Queue ${this.name} has no consumer to start`);
    this.running = true;
    this.wake(0);
  }

  /** Stops polling; the batch already handed to the consumer finishes and is settled normally. */
  async stop(): Promise<void> {
    this.running = false;
    this.clearTimer();
    await this.inFlightBatch;
  }

  /**
   * Resolves once the queue is empty: nothing visible, nothing in flight and nothing waiting out a
   * visibility timeout. Rejects with {@link QueueDrainTimeoutError} when that does not happen in time.
   */
  drain(timeoutMs = 5000): Promise<void> {
    if (this.depth === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      // Left referenced on purpose: a script awaiting drain() must not exit while the unref'd poller works.
      const deadline = setTimeout(() => {
        this.drainWaiters = this.drainWaiters.filter((waiter) => waiter !== done);
        reject(new QueueDrainTimeoutError(this.name, this.depth, timeoutMs));
      }, timeoutMs);
      const done = () => {
        clearTimeout(deadline);
        resolve();
      };
      this.drainWaiters.push(done);
    });
  }

  /** Messages visible, in flight, or waiting out a visibility timeout. */
  get depth(): number {
    return this.stored.length;
  }

  messages(): readonly LocalMessageSnapshot[] {
    const now = Date.now();
    return this.stored.map((m) => ({
      messageId: m.messageId,
      body: m.body,
      receiveCount: m.receiveCount,
      sentTimestamp: m.sentTimestamp,
      state: m.inFlight ? 'in-flight' : m.visibleAt > now ? 'delayed' : 'visible',
      visibleAt: m.visibleAt,
    }));
  }

  /**
   * Moves every message that is not in flight to `target` (a DLQ redrive) and returns how many moved. As with
   * SQS message move tasks, messages keep their id and body and start over with a receive count of zero.
   */
  redrive(target: LocalQueue): number {
    if (target === this) throw new Error('Cannot redrive a queue into itself');
    const moving = this.stored.filter((m) => !m.inFlight);
    this.stored = this.stored.filter((m) => m.inFlight);
    for (const m of moving) {
      target.enqueue({
        messageId: m.messageId,
        body: m.body,
        sentTimestamp: m.sentTimestamp,
        deadLetterSourceArn: undefined,
      });
    }
    this.settled();
    return moving.length;
  }

  private enqueue(
    message: Pick<StoredMessage, 'messageId' | 'body' | 'sentTimestamp' | 'deadLetterSourceArn'>,
    delayMs = 0,
  ) {
    this.stored.push({
      ...message,
      md5OfBody: createHash('md5').update(message.body, 'utf8').digest('hex'),
      receiveCount: 0,
      firstReceiveTimestamp: undefined,
      visibleAt: Date.now() + Math.max(0, delayMs),
      inFlight: false,
    });
    this.wake(Math.min(Math.max(0, delayMs), this.pollIntervalMs));
  }

  private wake(delayMs: number): void {
    if (!this.running) return;
    const dueAt = Date.now() + delayMs;
    if (this.timer && this.timerDueAt <= dueAt) return;
    this.clearTimer();
    this.timerDueAt = dueAt;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerDueAt = Number.POSITIVE_INFINITY;
      this.poll();
    }, delayMs);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDueAt = Number.POSITIVE_INFINITY;
  }

  private poll(): void {
    // One batch at a time per queue: the mapping's concurrency is 1 here, which keeps local runs deterministic.
    if (!this.running || this.inFlightBatch) return;
    const now = Date.now();
    const batch = this.stored.filter((m) => !m.inFlight && m.visibleAt <= now).slice(0, this.batchSize);
    if (batch.length === 0) {
      const nextVisible = Math.min(...this.stored.filter((m) => !m.inFlight).map((m) => m.visibleAt));
      if (Number.isFinite(nextVisible))
        this.wake(Math.min(Math.max(nextVisible - now, 0), this.pollIntervalMs));
      return;
    }
    if (batch.length < this.batchSize && this.batchingWindowMs > 0) {
      const due = Math.min(...batch.map((m) => m.visibleAt)) + this.batchingWindowMs;
      if (due > now) {
        this.wake(due - now);
        return;
      }
    }
    for (const m of batch) {
      m.receiveCount += 1;
      m.firstReceiveTimestamp ??= now;
      m.inFlight = true;
      // The visibility timeout runs from the receive, as in SQS, not from the moment the consumer gives up.
      m.visibleAt = now + this.visibilityTimeoutMs;
    }
    this.onRequest?.({
      action: 'ReceiveMessage',
      messages: batch.length,
      bytes: batch.reduce((sum, m) => sum + Buffer.byteLength(m.body, 'utf8'), 0),
    });
    this.inFlightBatch = this.deliver(batch).finally(() => {
      this.inFlightBatch = undefined;
      this.settled();
      this.wake(0);
    });
  }

  private async deliver(batch: StoredMessage[]): Promise<void> {
    const event: SQSEvent = { Records: batch.map((m) => this.toRecord(m)) };
    let failedIds: Set<string>;
    try {
      const consumer = this.consumer;
      if (!consumer) throw new Error(`Queue ${this.name} has no consumer`);
      const response = await consumer(event);
      failedIds = this.failuresFrom(response, batch);
    } catch (err) {
      this.onError(err);
      failedIds = new Set(batch.map((m) => m.messageId));
    }
    const succeeded = batch.filter((m) => !failedIds.has(m.messageId)).length;
    if (succeeded > 0) this.onRequest?.({ action: 'DeleteMessageBatch', messages: succeeded, bytes: 0 });
    for (const m of batch) {
      if (!failedIds.has(m.messageId)) {
        this.remove(m);
        continue;
      }
      m.inFlight = false;
      if (m.receiveCount >= this.maxReceiveCount) this.deadLetterOrDrop(m);
    }
  }

  /**
   * Lambda's reading of a partial batch response: an empty list means success, and an identifier that is
   * missing or names no message of the batch fails the whole batch.
   */
  private failuresFrom(response: unknown, batch: StoredMessage[]): Set<string> {
    const all = new Set(batch.map((m) => m.messageId));
    const failures = (response as Partial<SQSBatchResponse> | null | undefined)?.batchItemFailures as unknown;
    if (failures === undefined || failures === null) return new Set();
    if (!Array.isArray(failures)) {
      this.onError(new Error(`Queue ${this.name}: batchItemFailures is not a list; the whole batch failed`));
      return all;
    }
    const ids = new Set<string>();
    for (const failure of failures) {
      const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
      if (typeof id !== 'string' || !all.has(id)) {
        this.onError(
          new Error(`Queue ${this.name}: unknown itemIdentifier ${String(id)}; the whole batch failed`),
        );
        return all;
      }
      ids.add(id);
    }
    return ids;
  }

  /**
   * SQS moves the message when a receive would exceed maxReceiveCount; moving it as soon as its last allowed
   * receive fails reaches the same state without waiting out one more visibility timeout.
   */
  private deadLetterOrDrop(m: StoredMessage): void {
    this.remove(m);
    if (this.deadLetter) {
      this.deadLetter.enqueue({
        messageId: m.messageId,
        body: m.body,
        sentTimestamp: m.sentTimestamp,
        deadLetterSourceArn: this.arn,
      });
      return;
    }
    this.onError(
      new Error(
        `Queue ${this.name}: message ${m.messageId} failed ${m.receiveCount} time(s) and was dropped`,
      ),
    );
  }

  private remove(m: StoredMessage): void {
    this.stored = this.stored.filter((other) => other !== m);
  }

  private settled(): void {
    if (this.depth > 0) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const waiter of waiters) waiter();
  }

  private toRecord(m: StoredMessage): SQSRecord {
    return {
      messageId: m.messageId,
      receiptHandle: Buffer.from(`${m.messageId}:${m.receiveCount}:${randomUUID()}`).toString('base64'),
      body: m.body,
      attributes: {
        ApproximateReceiveCount: String(m.receiveCount),
        SentTimestamp: String(m.sentTimestamp),
        SenderId: ACCOUNT,
        ApproximateFirstReceiveTimestamp: String(m.firstReceiveTimestamp ?? m.sentTimestamp),
        ...(m.deadLetterSourceArn ? { DeadLetterQueueSourceArn: m.deadLetterSourceArn } : {}),
      },
      messageAttributes: {},
      md5OfBody: m.md5OfBody,
      eventSource: 'aws:sqs',
      eventSourceARN: this.arn,
      awsRegion: REGION,
    };
  }
}
