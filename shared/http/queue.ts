import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger } from '../observability.js';

/**
 * The chain every queue consumer uses: Powertools BatchProcessor reports only the failed messages back to
 * SQS, so one bad message is retried (then dead-lettered) without redelivering the whole batch.
 */
export function queueHandler(recordHandler: (record: SQSRecord) => Promise<unknown>) {
  const processor = new BatchProcessor(EventType.SQS);
  return middy<SQSEvent, SQSBatchResponse>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event, context) => processPartialResponse(event, recordHandler, processor, { context }));
}
