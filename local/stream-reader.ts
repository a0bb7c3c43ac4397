import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type _Record,
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { matchesEventPattern } from './event-pattern.js';

export interface StreamReaderOptions {
  client: DynamoDBClient;
  streams: DynamoDBStreamsClient;
  tableName: string;
  /** Where the last processed sequence number per shard is kept, so a restart resumes after it. */
  checkpointFile: string;
  /** The same filter pattern the stack puts on the event source mapping. */
  filter: Record<string, unknown>;
  handler: (event: DynamoDBStreamEvent) => Promise<unknown>;
  pollIntervalMs?: number;
  batchSize?: number;
  onError?: (error: unknown) => void;
}

/**
 * Reads the table's stream from DynamoDB Local the way a Lambda event source mapping does: records in
 * order per shard, filtered by the mapping's pattern, delivered in batches; a failed record is retried
 * (the batch from that record on) until it succeeds. The checkpoint is written after each delivered batch:
 * delivery is at least once, as on AWS.
 */
export class LocalStreamReader {
  private running = false;
  private loop: Promise<void> | undefined;
  private checkpoints: Record<string, string> = {};
  private finished = new Set<string>();
  private idle = false;
  private readonly pollIntervalMs: number;

  constructor(private readonly options: StreamReaderOptions) {
    this.pollIntervalMs = options.pollIntervalMs ?? 50;
    if (existsSync(options.checkpointFile)) {
      this.checkpoints = JSON.parse(readFileSync(options.checkpointFile, 'utf8')) as Record<string, string>;
    }
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** Resolves once every record written so far has been delivered (or the timeout passes). */
  async drain(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    this.idle = false;
    while (!this.idle && Date.now() < deadline) await sleep(this.pollIntervalMs);
  }

  private async run(): Promise<void> {
    const description = await this.options.client.send(
      new DescribeTableCommand({ TableName: this.options.tableName }),
    );
    const streamArn = description.Table?.LatestStreamArn;
    if (!streamArn) throw new Error(`table ${this.options.tableName} has no stream`);
    const iterators = new Map<string, string | undefined>();
    while (this.running) {
      try {
        const stream = await this.options.streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
        for (const shard of stream.StreamDescription?.Shards ?? []) {
          const shardId = shard.ShardId ?? '';
          if (iterators.has(shardId) || this.finished.has(shardId)) continue;
          const after = this.checkpoints[shardId];
          const iterator = await this.options.streams.send(
            new GetShardIteratorCommand({
              StreamArn: streamArn,
              ShardId: shardId,
              ...(after
                ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }
                : { ShardIteratorType: 'TRIM_HORIZON' }),
            }),
          );
          iterators.set(shardId, iterator.ShardIterator);
        }
        let delivered = 0;
        for (const [shardId, iterator] of iterators) {
          if (!iterator) {
            iterators.delete(shardId);
            this.finished.add(shardId);
            continue;
          }
          const page = await this.options.streams.send(
            new GetRecordsCommand({ ShardIterator: iterator, Limit: this.options.batchSize ?? 100 }),
          );
          const records = page.Records ?? [];
          const accepted = await this.deliver(shardId, records);
          delivered += records.length;
          if (accepted === records.length) {
            iterators.set(shardId, page.NextShardIterator);
          } else {
            // Retry from the first failed record: a fresh iterator after the last good one.
            iterators.delete(shardId);
            await sleep(200);
          }
        }
        if (delivered === 0) {
          this.idle = true;
          await sleep(this.pollIntervalMs);
        }
      } catch (error) {
        if (!this.running) break;
        this.options.onError?.(error);
        iterators.clear();
        await sleep(500);
      }
    }
  }

  /** Delivers the records that pass the filter; returns how many records (of all) are done. */
  private async deliver(shardId: string, records: _Record[]): Promise<number> {
    let done = 0;
    const batch: { record: _Record; event: DynamoDBRecord }[] = [];
    for (const record of records) {
      const event = toLambdaRecord(record);
      if (matchesEventPattern(this.options.filter, event)) batch.push({ record, event });
    }
    if (batch.length > 0) {
      let failedAt: string | undefined;
      try {
        const response = (await this.options.handler({ Records: batch.map((item) => item.event) })) as
          | { batchItemFailures?: { itemIdentifier: string }[] }
          | undefined;
        failedAt = response?.batchItemFailures?.[0]?.itemIdentifier;
      } catch (error) {
        this.options.onError?.(error);
        failedAt = batch[0]?.record.dynamodb?.SequenceNumber;
      }
      if (failedAt) {
        // Everything before the failed record is done; checkpoint it and retry from there.
        for (const record of records) {
          if (record.dynamodb?.SequenceNumber === failedAt) break;
          done += 1;
          this.checkpoint(shardId, record.dynamodb?.SequenceNumber);
        }
        return done;
      }
    }
    const last = records.at(-1)?.dynamodb?.SequenceNumber;
    if (last) this.checkpoint(shardId, last);
    return records.length;
  }

  private checkpoint(shardId: string, sequenceNumber: string | undefined) {
    if (!sequenceNumber) return;
    this.checkpoints[shardId] = sequenceNumber;
    mkdirSync(dirname(this.options.checkpointFile), { recursive: true });
    const temp = `${this.options.checkpointFile}.tmp`;
    writeFileSync(temp, JSON.stringify(this.checkpoints));
    renameSync(temp, this.options.checkpointFile);
  }
}

/** The record as Lambda hands it to a function (the SDK's Date becomes epoch seconds). */
function toLambdaRecord(record: _Record): DynamoDBRecord {
  const { dynamodb } = record;
  return {
    eventID: record.eventID ?? '',
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'local',
    eventSourceARN: 'arn:aws:dynamodb:local:000000000000:table/oms/stream/local',
    dynamodb: {
      ...(dynamodb?.Keys ? { Keys: dynamodb.Keys as never } : {}),
      ...(dynamodb?.NewImage ? { NewImage: dynamodb.NewImage as never } : {}),
      ...(dynamodb?.OldImage ? { OldImage: dynamodb.OldImage as never } : {}),
      ...(dynamodb?.SequenceNumber ? { SequenceNumber: dynamodb.SequenceNumber } : {}),
      ...(dynamodb?.SizeBytes !== undefined ? { SizeBytes: dynamodb.SizeBytes } : {}),
      ...(dynamodb?.StreamViewType ? { StreamViewType: dynamodb.StreamViewType } : {}),
      ...(dynamodb?.ApproximateCreationDateTime
        ? { ApproximateCreationDateTime: Math.floor(dynamodb.ApproximateCreationDateTime.getTime() / 1000) }
        : {}),
    },
  };
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms).unref());
