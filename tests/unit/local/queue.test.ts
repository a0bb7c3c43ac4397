import { createHash } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LocalQueue, type LocalQueueOptions, QueueDrainTimeoutError } from '../../../local/queue.js';

const queues: LocalQueue[] = [];

function queue(options: Partial<LocalQueueOptions> & Pick<LocalQueueOptions, 'name'>): LocalQueue {
  const q = new LocalQueue({
    maxReceiveCount: 3,
    visibilityTimeoutMs: 20,
    batchSize: 10,
    pollIntervalMs: 10,
    onError: () => undefined,
    ...options,
  });
  queues.push(q);
  return q;
}

/** A consumer that records every record it is given and answers with `respond`. */
function recorder(respond: (event: SQSEvent) => SQSBatchResponse | undefined = () => undefined) {
  const batches: SQSRecord[][] = [];
  const consumer = async (event: SQSEvent) => {
    batches.push(event.Records);
    return respond(event);
  };
  return { batches, consumer, records: () => batches.flat() };
}

afterEach(async () => {
  await Promise.all(queues.splice(0).map((q) => q.stop()));
});

describe('Given a local queue with a consumer', () => {
  describe('When messages are sent', () => {
    it('delivers them as an SQS event and deletes them once the consumer succeeds', async () => {
      const { consumer, records } = recorder();
      const q = queue({ name: 'marketing', consumer });
      const id = q.send('{"hello":"world"}');
      q.start();
      await q.drain(1000);

      const [record] = records();
      expect(record).toMatchObject({
        messageId: id,
        body: '{"hello":"world"}',
        md5OfBody: createHash('md5').update('{"hello":"world"}').digest('hex'),
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:local:000000000000:marketing',
        awsRegion: 'local',
        attributes: { ApproximateReceiveCount: '1' },
      });
      expect(record?.receiptHandle).toEqual(expect.any(String));
      expect(Number(record?.attributes.SentTimestamp)).toBeGreaterThan(0);
      expect(Number(record?.attributes.ApproximateFirstReceiveTimestamp)).toBeGreaterThanOrEqual(
        Number(record?.attributes.SentTimestamp),
      );
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(q.depth).toBe(0);
    });

    it('groups them into batches of at most batchSize, one batch at a time', async () => {
      let inFlight = 0;
      let maxInFlight = 0;
      const sizes: number[] = [];
      const q = queue({
        name: 'batched',
        batchSize: 3,
        consumer: async (event) => {
          inFlight += 1;
          maxInFlight = Math.max(maxInFlight, inFlight);
          sizes.push(event.Records.length);
          await new Promise((resolve) => setTimeout(resolve, 5));
          inFlight -= 1;
        },
      });
      for (let i = 0; i < 7; i++) q.send(`m${i}`);
      q.start();
      await q.drain(1000);

      expect(sizes).toEqual([3, 3, 1]);
      expect(maxInFlight).toBe(1);
    });

    it('holds messages until started', async () => {
      const { consumer, records } = recorder();
      const q = queue({ name: 'idle', consumer });
      q.send('waiting');
      await new Promise((resolve) => setTimeout(resolve, 20));

      expect(records()).toHaveLength(0);
      expect(q.messages()).toMatchObject([{ body: 'waiting', state: 'visible', receiveCount: 0 }]);
    });

    it('refuses a body larger than 256 KB', () => {
      const q = queue({ name: 'small' });
      expect(() => q.send('x'.repeat(256 * 1024 + 1))).toThrow(/exceeds/);
    });
  });

  describe('When the consumer keeps throwing', () => {
    it('retries after the visibility timeout and dead-letters the message after maxReceiveCount receives', async () => {
      const dlq = queue({ name: 'marketing-dlq' });
      const errors: unknown[] = [];
      const receivedAt: number[] = [];
      const { consumer, records } = recorder(() => {
        receivedAt.push(Date.now());
        throw new Error('boom');
      });
      const q = queue({ name: 'marketing', consumer, deadLetter: dlq, onError: (err) => errors.push(err) });
      const id = q.send('poison');
      q.start();
      await q.drain(1000);

      expect(records().map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['1', '2', '3']);
      expect(records().every((r) => r.messageId === id)).toBe(true);
      for (let i = 1; i < receivedAt.length; i++) {
        expect((receivedAt[i] ?? 0) - (receivedAt[i - 1] ?? 0)).toBeGreaterThanOrEqual(15);
      }
      expect(errors).toHaveLength(3);
      expect(q.depth).toBe(0);
      expect(dlq.messages()).toMatchObject([{ messageId: id, body: 'poison', receiveCount: 0 }]);
    });

    it('drops the message and reports it when there is no dead-letter queue', async () => {
      const errors: unknown[] = [];
      const q = queue({
        name: 'no-dlq',
        maxReceiveCount: 2,
        consumer: async () => {
          throw new Error('boom');
        },
        onError: (err) => errors.push(err),
      });
      const id = q.send('poison');
      q.start();
      await q.drain(1000);

      expect(q.depth).toBe(0);
      expect(String(errors.at(-1))).toContain(`message ${id} failed 2 time(s) and was dropped`);
    });
  });

  describe('When the consumer reports a partial batch failure', () => {
    it('deletes the successes and returns only the reported failures', async () => {
      const dlq = queue({ name: 'partial-dlq' });
      const { consumer, batches } = recorder((event) => ({
        batchItemFailures: event.Records.filter((r) => r.body === 'bad').map((r) => ({
          itemIdentifier: r.messageId,
        })),
      }));
      const q = queue({ name: 'partial', consumer, deadLetter: dlq, maxReceiveCount: 2 });
      q.send('good-1');
      q.send('bad');
      q.send('good-2');
      q.start();
      await q.drain(1000);

      expect(batches.map((batch) => batch.map((r) => r.body))).toEqual([
        ['good-1', 'bad', 'good-2'],
        ['bad'],
      ]);
      expect(dlq.messages().map((m) => m.body)).toEqual(['bad']);
    });

    it('fails the whole batch when an itemIdentifier names no message of the batch', async () => {
      let calls = 0;
      const { consumer, batches } = recorder(() => {
        calls += 1;
        return calls === 1 ? { batchItemFailures: [{ itemIdentifier: 'not-a-message-id' }] } : undefined;
      });
      const q = queue({ name: 'unknown-id', consumer });
      q.send('a');
      q.send('b');
      q.start();
      await q.drain(1000);

      expect(batches.map((batch) => batch.map((r) => r.body))).toEqual([
        ['a', 'b'],
        ['a', 'b'],
      ]);
      expect(batches[1]?.map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['2', '2']);
    });
  });

  describe('When draining', () => {
    it('counts a message waiting out its visibility timeout as not drained', async () => {
      const q = queue({
        name: 'slow-retry',
        visibilityTimeoutMs: 10_000,
        consumer: async () => {
          throw new Error('boom');
        },
      });
      q.send('retry-me');
      q.start();

      await expect(q.drain(50)).rejects.toBeInstanceOf(QueueDrainTimeoutError);
      expect(q.depth).toBe(1);
      expect(q.messages()).toMatchObject([{ state: 'delayed', receiveCount: 1 }]);
    });
  });

  describe('When a dead-letter queue is redriven', () => {
    it('moves every message back to the source, where it is processed again', async () => {
      const dlq = queue({ name: 'accounting-dlq' });
      let healthy = false;
      const { consumer, records } = recorder(() => {
        if (!healthy) throw new Error('downstream unavailable');
        return undefined;
      });
      const q = queue({ name: 'accounting', consumer, deadLetter: dlq, maxReceiveCount: 1 });
      q.send('one');
      q.send('two');
      q.start();
      await q.drain(1000);
      expect(dlq.depth).toBe(2);

      healthy = true;
      expect(dlq.redrive(q)).toBe(2);
      await q.drain(1000);

      expect(dlq.depth).toBe(0);
      expect(
        records()
          .slice(-2)
          .map((r) => [r.body, r.attributes.ApproximateReceiveCount]),
      ).toEqual([
        ['one', '1'],
        ['two', '1'],
      ]);
    });
  });

  describe('When stopped', () => {
    it('waits for the batch in flight and delivers nothing afterwards', async () => {
      let started = 0;
      let finished = 0;
      const q = queue({
        name: 'stopping',
        batchSize: 1,
        consumer: async () => {
          started += 1;
          await new Promise((resolve) => setTimeout(resolve, 20));
          finished += 1;
        },
      });
      q.send('first');
      q.send('second');
      q.start();
      await vi.waitFor(() => expect(started).toBe(1), { timeout: 1000, interval: 1 });
      await q.stop();

      expect(finished).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(finished).toBe(1);
      expect(q.messages().map((m) => m.body)).toEqual(['second']);
    });
  });
});

describe('Given a local queue with a batching window', () => {
  it('waits out the window for a fuller batch, then delivers what came in one batch', async () => {
    const { batches, consumer } = recorder();
    const q = queue({ name: 'notifications', consumer, batchingWindowMs: 150 });
    q.start();
    const sentAt = Date.now();
    q.send('{"n":1}');
    await new Promise((resolve) => setTimeout(resolve, 40));
    q.send('{"n":2}');
    await q.drain(2000);

    expect(batches.map((batch) => batch.length)).toEqual([2]);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(140);
  });

  it('delivers a full batch at once', async () => {
    const { batches, consumer } = recorder();
    const q = queue({ name: 'notifications', consumer, batchingWindowMs: 60_000, batchSize: 2 });
    q.start();
    q.send('{"n":1}');
    q.send('{"n":2}');
    await q.drain(2000);

    expect(batches.map((batch) => batch.length)).toEqual([2]);
  });
});
