import { type AttributeValue, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { localCredentials } from '../../local/dynamodb.js';
import type { DomainEvent } from '../../shared/events/envelope.js';
import { announcedEvents } from '../../shared/store/outbox.js';

type Image = Record<string, AttributeValue> | undefined;
const plain = (image: Image) => (image ? unmarshall(image) : undefined);

/**
 * Every event the table's stream announces so far, in write order per shard: what the outbox publisher
 * would publish. Read from the beginning of the stream each time (tests use small tables).
 */
export async function streamedEvents(
  client: DynamoDBClient,
  endpoint: string,
  tableName: string,
): Promise<DomainEvent[]> {
  const streams = new DynamoDBStreamsClient({ endpoint, region: 'local', credentials: localCredentials() });
  try {
    const table = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const streamArn = table.Table?.LatestStreamArn;
    if (!streamArn) throw new Error(`table ${tableName} has no stream`);
    const description = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    const events: DomainEvent[] = [];
    for (const shard of description.StreamDescription?.Shards ?? []) {
      let iterator = (
        await streams.send(
          new GetShardIteratorCommand({
            StreamArn: streamArn,
            ShardId: shard.ShardId,
            ShardIteratorType: 'TRIM_HORIZON',
          }),
        )
      ).ShardIterator;
      while (iterator) {
        const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
        for (const record of page.Records ?? []) {
          events.push(
            ...announcedEvents(
              plain(record.dynamodb?.NewImage as Image),
              plain(record.dynamodb?.OldImage as Image),
            ),
          );
        }
        // An open shard always hands out a next iterator; an empty page means we are at its end.
        iterator = (page.Records ?? []).length > 0 ? page.NextShardIterator : undefined;
      }
    }
    return events;
  } finally {
    streams.destroy();
  }
}
