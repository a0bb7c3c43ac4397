import '../../../shared/runtime/aws.js';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { publishOutboxRecord } from '../../../shared/app/publish-outbox.js';
import { logger } from '../../../shared/observability.js';
import { deps } from '../../../shared/runtime/deps.js';

const processor = new BatchProcessor(EventType.DynamoDBStreams);
const record = (item: DynamoDBRecord) => publishOutboxRecord(deps(), item);

/** The table's stream, filtered to new outbox rows: puts each row's events on the bus. */
export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event, context) => processPartialResponse(event, record, processor, { context }));
