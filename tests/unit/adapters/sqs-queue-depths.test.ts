import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { LocalQueueDepths } from '../../../local/adapters/local-queue-depths.js';
import { LocalQueue } from '../../../local/queue.js';
import {
  formatQueueUrls,
  parseQueueUrls,
  SqsQueueDepths,
} from '../../../shared/adapters/aws/sqs-queue-depths.js';

const sqs = mockClient(SQSClient);
const URLS = {
  marketing: 'https://sqs.eu-west-1.amazonaws.com/123456789012/Oms-EventsMarketingDeadLetters-ABC',
  outbox: 'https://sqs.eu-west-1.amazonaws.com/123456789012/Oms-OutboxFailedRecords-DEF',
};

beforeEach(() => {
  sqs.reset();
});

describe('Given the dead-letter queues the stack passes by name', () => {
  it('reads back the name=url pairs it wrote', () => {
    expect(parseQueueUrls(formatQueueUrls(URLS))).toEqual(URLS);
    expect(parseQueueUrls('')).toEqual({});
  });

  it('refuses a pair without a name or a URL', () => {
    expect(() => parseQueueUrls('marketing')).toThrow(/name=url/);
    expect(() => parseQueueUrls('=https://x')).toThrow(/name=url/);
    expect(() => parseQueueUrls('marketing=')).toThrow(/name=url/);
  });

  describe('When their depths are read from SQS', () => {
    it('adds up visible, in-flight and delayed messages per queue, one request each', async () => {
      sqs
        .on(GetQueueAttributesCommand, { QueueUrl: URLS.marketing })
        .resolves({
          Attributes: {
            ApproximateNumberOfMessages: '3',
            ApproximateNumberOfMessagesNotVisible: '1',
            ApproximateNumberOfMessagesDelayed: '0',
          },
        })
        .on(GetQueueAttributesCommand, { QueueUrl: URLS.outbox })
        .resolves({ Attributes: { ApproximateNumberOfMessages: '0' } });
      const depths = await new SqsQueueDepths(URLS, new SQSClient({ region: 'eu-west-1' })).deadLetters();
      expect(depths).toEqual({ marketing: 4, outbox: 0 });
      expect(sqs.commandCalls(GetQueueAttributesCommand).map((call) => call.args[0].input)).toEqual(
        Object.values(URLS).map((QueueUrl) => ({
          QueueUrl,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible',
            'ApproximateNumberOfMessagesDelayed',
          ],
        })),
      );
    });

    it('lets a failed request fail the read rather than report an empty queue', async () => {
      sqs.on(GetQueueAttributesCommand).rejects(new Error('AccessDenied'));
      await expect(
        new SqsQueueDepths(URLS, new SQSClient({ region: 'eu-west-1' })).deadLetters(),
      ).rejects.toThrow('AccessDenied');
    });
  });

  describe('When their depths are read from the local runtime', () => {
    it('reports how many messages each local dead-letter queue holds', async () => {
      const marketing = new LocalQueue({ name: 'marketing-dlq' });
      const accounting = new LocalQueue({ name: 'accounting-dlq' });
      marketing.send('{"a":1}');
      marketing.send('{"a":2}');
      expect(await new LocalQueueDepths({ marketing, accounting }).deadLetters()).toEqual({
        marketing: 2,
        accounting: 0,
      });
    });
  });
});
