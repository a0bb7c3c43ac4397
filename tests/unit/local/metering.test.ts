import { Readable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  consumedUnits,
  dynamoDbIamCalls,
  estimateCapacity,
  type IndexDefinition,
  indexWriteUnits,
  itemSize,
  itemWriteUnits,
  localArn,
  Meter,
  priceUsage,
  principals,
  transactionItemUnits,
  transactionTargets,
} from '../../../local/metering.js';
import { awsPrices } from '../../../shared/config/aws-prices.js';
import { type FunctionSpec, functions } from '../../../shared/config/functions.js';
import { tableDefinition } from '../../../shared/config/table.js';
import type { DomainEvent } from '../../../shared/events/envelope.js';
import type { ObjectStore } from '../../../shared/ports/object-store.js';

const spec = (name: string): FunctionSpec => {
  const found = functions.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no function ${name}`);
  return found;
};

const event = (detailBytes = 100): DomainEvent => ({
  source: 'oms.orders',
  detailType: 'OrderPlaced',
  detail: {
    metadata: { version: 1, correlationId: 'c', idempotencyKey: 'k', occurredAt: '2026-01-01T00:00:00.000Z' },
    data: { padding: 'x'.repeat(detailBytes) },
  },
});

type Reply = { status: number; body: object; errorType?: string };

/**
 * A DynamoDB client whose "network" answers each request with `reply` (or what `reply` returns for that
 * operation), recording the operations and bodies sent.
 */
function fakeDynamoDb(reply: Reply | ((operation: string, body: Record<string, unknown>) => Reply)) {
  const sent: Record<string, unknown>[] = [];
  const operations: string[] = [];
  const client = new DynamoDBClient({
    region: 'local',
    endpoint: 'http://dynamodb.invalid',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { body?: string | Uint8Array; headers: Record<string, string> }) => {
        const text = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body);
        const body = JSON.parse(text || '{}') as Record<string, unknown>;
        const operation = String(request.headers['x-amz-target']).replace(/^DynamoDB_\d+\./, '');
        sent.push(body);
        operations.push(operation);
        const answer = typeof reply === 'function' ? reply(operation, body) : reply;
        return {
          response: {
            statusCode: answer.status,
            headers: {
              'content-type': 'application/x-amz-json-1.0',
              ...(answer.errorType ? { 'x-amzn-errortype': answer.errorType } : {}),
            },
            body: Readable.from([Buffer.from(JSON.stringify(answer.body))]),
          },
        };
      },
    } as never,
  });
  return { client, db: DynamoDBDocumentClient.from(client), sent, operations };
}

describe('Given a meter', () => {
  describe('When a function runs inside its scope', () => {
    it('attributes what it calls to the function, and nothing outside any function', async () => {
      const meter = new Meter();
      const store: ObjectStore = {
        put: async () => ({ uri: 'file://x' }),
        get: async () => undefined,
        putStream: async () => ({ uri: 'file://x', bytes: 0 }),
      };
      const objects = meter.objects(store);
      await meter.within('export-ledger', () => objects.put('exports/a.csv', 'x', 'text/csv'));
      await objects.get('exports/a.csv');
      expect(meter.calls()).toEqual([
        {
          principal: 'export-ledger',
          service: 's3',
          action: 'PutObject',
          resource: localArn.object('exports/a.csv'),
          count: 1,
        },
      ]);
      expect(meter.snapshot().s3).toEqual({ puts: 1, gets: 1 });
    });

    it('keeps the attribution across awaits and apart between concurrent functions', async () => {
      const meter = new Meter();
      const seen: (string | undefined)[] = [];
      const work = async () => {
        await new Promise((done) => setTimeout(done, 5));
        seen.push(meter.principal);
      };
      await Promise.all([meter.within('a', work), meter.within('b', work)]);
      expect(seen.sort()).toEqual(['a', 'b']);
      expect(meter.principal).toBeUndefined();
    });
  });

  describe('When it is off', () => {
    it('records nothing and still runs and returns what it wraps', async () => {
      const meter = new Meter({ enabled: false });
      expect(await meter.within('x', async () => 42)).toBe(42);
      meter.invocation(spec('get-order'), 100);
      meter.apiRequest(10);
      meter.transition('standard');
      expect(meter.snapshot()).toEqual(new Meter().snapshot());
      expect(meter.calls()).toEqual([]);
    });
  });

  describe('When a function is invoked', () => {
    it('bills configured memory × duration rounded up to the millisecond', () => {
      const meter = new Meter();
      meter.invocation(spec('get-order'), 10.2);
      meter.invocation(spec('get-order'), 0.3);
      const usage = meter.snapshot().lambda;
      // 256 MB: 0.25 GB × (11 ms + 1 ms)
      expect(usage.invocations).toBe(2);
      expect(usage.gbSeconds).toBeCloseTo(0.25 * 0.012, 12);
      expect(usage.byFunction['get-order']).toMatchObject({ invocations: 2, billedMs: 12 });
    });
  });

  describe('When workflows run', () => {
    it('bills Standard per transition and Express per request and 100 ms at 64 MB', () => {
      const meter = new Meter();
      meter.transition('standard', 2);
      meter.transition('express', 3);
      meter.execution('standard', 5_000);
      meter.execution('express', 120);
      const sfn = meter.snapshot().stepFunctions;
      expect(sfn).toMatchObject({
        standardTransitions: 2,
        standardExecutions: 1,
        expressRequests: 1,
        expressTransitions: 3,
      });
      expect(sfn.expressGbSeconds).toBeCloseTo(0.0625 * 0.2, 12);
    });

    it('records the state machine role calls against the right state machine', () => {
      const meter = new Meter();
      meter.stateMachineCall({ workflow: 'standard', function: 'allocate-order' });
      meter.stateMachineCall({ workflow: 'standard', stateMachine: 'order-shipping' });
      meter.stateMachineCall({ workflow: 'express', function: 'bill-order' });
      expect(meter.calls().map(({ principal, action, resource }) => [principal, action, resource])).toEqual([
        [principals.stateMachine('order-fulfillment'), 'InvokeFunction', localArn.function('allocate-order')],
        [
          principals.stateMachine('order-fulfillment'),
          'StartExecution',
          localArn.stateMachine('order-shipping'),
        ],
        [principals.stateMachine('order-shipping'), 'InvokeFunction', localArn.function('bill-order')],
      ]);
    });
  });

  describe('When events are published', () => {
    it('counts PutEvents requests of ten and bills each entry per 64 KB chunk', async () => {
      const meter = new Meter();
      const published: DomainEvent[] = [];
      const bus = meter.events({ publish: async (events) => void published.push(...events) }, 'arn:bus');
      await meter.within('bill-order', () =>
        bus.publish([...Array.from({ length: 11 }, () => event()), event(70 * 1024)]),
      );
      expect(published).toHaveLength(12);
      expect(meter.snapshot().eventBridge).toEqual({ putEventsRequests: 2, entries: 12, billedEvents: 13 });
      expect(meter.calls()).toMatchObject([
        { principal: 'bill-order', action: 'PutEvents', resource: 'arn:bus' },
      ]);
    });

    it('lets methods it does not meter pass through to the wrapped object', () => {
      const meter = new Meter();
      const engine = {
        start: async () => ({ executionId: 'x', alreadyStarted: false }),
        isRunning: async () => true,
        succeed: async () => undefined,
        fail: async () => undefined,
        list: () => ['kept'],
      };
      expect(meter.workflows(engine, localArn.stateMachine('order-fulfillment')).list()).toEqual(['kept']);
    });
  });

  describe('When queues are used', () => {
    it('counts sends, receives and batch deletes, each per 64 KB chunk', () => {
      const meter = new Meter();
      meter.sqs('SendMessage', localArn.queue('marketing'), 1000, principals.eventBridge);
      meter.sqs('ReceiveMessage', localArn.queue('marketing'), 100 * 1024, 'record-marketing-event');
      meter.sqs('DeleteMessageBatch', localArn.queue('marketing'), 0, 'record-marketing-event');
      expect(meter.snapshot().sqs).toEqual({
        sendRequests: 1,
        receiveRequests: 1,
        deleteRequests: 1,
        billedRequests: 4,
      });
      expect(meter.calls().map((call) => `${call.principal} ${call.action}`)).toEqual([
        'events.amazonaws.com SendMessage',
        'record-marketing-event ReceiveMessage',
        'record-marketing-event DeleteMessage',
      ]);
    });
  });
});

/** A 1.5 KB order in both indexes: its status is gsi2's key. */
const order = (status: string) => ({
  pk: { S: 'ORDER#1' },
  sk: { S: 'ORDER' },
  gsi1pk: { S: 'EMAIL#a@example.com' },
  gsi1sk: { S: 'ORDER#1' },
  gsi2pk: { S: `STATUS#${status}` },
  gsi2sk: { S: '2026-01-01' },
  body: { S: 'x'.repeat(1500) },
});

/** The table's two indexes, projecting keys only. */
const keysOnly: IndexDefinition[] = [
  { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk', projection: 'KEYS_ONLY' },
  { indexName: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk', projection: 'KEYS_ONLY' },
];

describe('Given DynamoDB requests', () => {
  describe('When they are mapped to IAM actions', () => {
    it('needs the per-item actions for a transaction and the index ARN for an index query', () => {
      const calls = dynamoDbIamCalls('TransactWriteItems', {
        TransactItems: [
          { Put: { TableName: 'oms', Item: {} } },
          { Update: { TableName: 'oms', Key: {} } },
          { ConditionCheck: { TableName: 'oms', Key: {} } },
          { Delete: { TableName: 'other', Key: {} } },
        ],
      });
      expect(calls).toEqual([
        { action: 'PutItem', resource: localArn.table('oms') },
        { action: 'UpdateItem', resource: localArn.table('oms') },
        { action: 'ConditionCheckItem', resource: localArn.table('oms') },
        { action: 'DeleteItem', resource: localArn.table('other') },
      ]);
      expect(dynamoDbIamCalls('Query', { TableName: 'oms', IndexName: 'gsi2' })).toEqual([
        { action: 'Query', resource: localArn.index('oms', 'gsi2') },
      ]);
      expect(dynamoDbIamCalls('BatchGetItem', { RequestItems: { a: {}, b: {} } })).toEqual([
        { action: 'BatchGetItem', resource: localArn.table('a') },
        { action: 'BatchGetItem', resource: localArn.table('b') },
      ]);
      expect(
        dynamoDbIamCalls('TransactGetItems', { TransactItems: [{ Get: { TableName: 'oms' } }] }),
      ).toEqual([{ action: 'GetItem', resource: localArn.table('oms') }]);
    });
  });

  describe('When the response reports consumed capacity', () => {
    it('adds up one entry or one per table', () => {
      expect(consumedUnits({ TableName: 't', CapacityUnits: 2.5 })).toBe(2.5);
      expect(consumedUnits([{ CapacityUnits: 2 }, { ReadCapacityUnits: 1, WriteCapacityUnits: 3 }])).toBe(6);
      expect(consumedUnits(undefined)).toBeUndefined();
    });

    it('asks for it on every data-plane request, records it against the caller, hides it again', async () => {
      const meter = new Meter();
      const { client, db, sent } = fakeDynamoDb({
        status: 200,
        body: { Items: [], Count: 0, ConsumedCapacity: { TableName: 'oms', CapacityUnits: 1.5 } },
      });
      meter.instrument(client);
      const output = await meter.within('list-orders', () =>
        db.send(new QueryCommand({ TableName: 'oms', IndexName: 'gsi2', KeyConditionExpression: 'a = :a' })),
      );
      expect(sent[0]).toMatchObject({ ReturnConsumedCapacity: 'TOTAL' });
      expect(output.ConsumedCapacity).toBeUndefined();
      const usage = meter.snapshot();
      expect(usage.dynamodb).toMatchObject({ requests: 1, rru: 1.5, wru: 0, estimatedRequests: 0 });
      expect(usage.lambda.byFunction['list-orders']?.dynamodb).toEqual({
        Query: { requests: 1, units: 1.5 },
      });
      expect(meter.calls()).toMatchObject([
        { principal: 'list-orders', action: 'Query', resource: localArn.index('oms', 'gsi2') },
      ]);
    });

    it('keeps DynamoDB work outside any function apart from the flow', async () => {
      const meter = new Meter();
      const { client, db } = fakeDynamoDb({ status: 200, body: { ConsumedCapacity: { CapacityUnits: 1 } } });
      meter.instrument(client);
      await db.send(new PutCommand({ TableName: 'oms', Item: { pk: 'a', sk: 'b' } }));
      const usage = meter.snapshot();
      expect(usage.dynamodb.requests).toBe(0);
      expect(usage.outside).toEqual({ dynamodbRequests: 1, rru: 0, wru: 1 });
      expect(meter.calls()).toEqual([]);
    });
  });

  describe('When a transaction writes several items', () => {
    it('computes each item from its images instead of what DynamoDB Local reports', async () => {
      const meter = new Meter();
      let reads = 0;
      const { client, db, operations } = fakeDynamoDb((operation) => {
        if (operation === 'BatchGetItem') {
          reads += 1;
          return { status: 200, body: { Responses: { oms: [order(reads === 1 ? 'placed' : 'allocated')] } } };
        }
        // DynamoDB Local's figure for this two-item transaction: not what AWS bills.
        return { status: 200, body: { ConsumedCapacity: [{ TableName: 'oms', CapacityUnits: 4 }] } };
      });
      meter.instrument(client);
      await meter.within('allocate-order', () =>
        db.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: 'oms',
                  Key: { pk: 'ORDER#1', sk: 'ORDER' },
                  UpdateExpression: 'SET gsi2pk = :s',
                  ExpressionAttributeValues: { ':s': 'STATUS#allocated' },
                },
              },
              {
                Put: { TableName: 'oms', Item: { pk: 'ORDER#1', sk: 'TIMELINE#1', type: 'OrderAllocated' } },
              },
            ],
          }),
        ),
      );
      expect(operations).toEqual(['BatchGetItem', 'TransactWriteItems', 'BatchGetItem']);
      // The order (1.5 KB): table 2 × 2, gsi1 untouched, gsi2 moved (delete 1 + put 1, keys only); the
      // timeline row: table 2 × 1, in no index.
      expect(meter.snapshot().dynamodb).toMatchObject({
        requests: 1,
        wru: 8,
        transactionRequests: 1,
        transactionWru: 8,
        localTransactionWru: 4,
      });
      // The meter's own reads are nobody's call.
      expect(meter.calls().map((call) => call.action)).toEqual(['UpdateItem', 'PutItem']);
    });

    it('finds the key of every item, marshalled', () => {
      expect(
        transactionTargets({
          TransactItems: [
            { Put: { TableName: 'oms', Item: { pk: 'A', sk: 'B', n: 1 } } },
            { ConditionCheck: { TableName: 'oms', Key: { pk: 'C', sk: 'D' } } },
          ],
        }).map(({ kind, key, item }) => ({ kind, key, item })),
      ).toEqual([
        {
          kind: 'Put',
          key: { pk: { S: 'A' }, sk: { S: 'B' } },
          item: { pk: { S: 'A' }, sk: { S: 'B' }, n: { N: '1' } },
        },
        { kind: 'ConditionCheck', key: { pk: { S: 'C' }, sk: { S: 'D' } }, item: undefined },
      ]);
    });
  });

  describe('When a single-item write reports its capacity', () => {
    it('takes DynamoDB Local’s figure and reads no images', async () => {
      const meter = new Meter();
      const { client, db, operations } = fakeDynamoDb({
        status: 200,
        body: { ConsumedCapacity: { TableName: 'oms', CapacityUnits: 4 } },
      });
      meter.instrument(client);
      await meter.within('place-order', () =>
        db.send(new PutCommand({ TableName: 'oms', Item: { pk: 'ORDER#1', sk: 'ORDER' } })),
      );
      expect(operations).toEqual(['PutItem']);
      expect(meter.snapshot().dynamodb).toMatchObject({ requests: 1, wru: 4, transactionRequests: 0 });
    });
  });

  describe('When write units are computed from item images', () => {
    const item = (fields: Record<string, string>) =>
      Object.fromEntries(Object.entries(fields).map(([name, value]) => [name, { S: value }]));
    const tx = { transaction: true, indexes: keysOnly };

    describe('Given indexes that project keys only', () => {
      it('doubles the table arm of an update to a non-key attribute and charges no index', () => {
        const changed = { ...order('placed'), body: { S: 'y'.repeat(1500) } };
        expect(itemWriteUnits('Update', order('placed'), changed, tx)).toEqual({
          table: 2 * 2,
          indexes: { gsi1: 0, gsi2: 0 },
          total: 4,
        });
      });

      it('charges a status move two undoubled index writes, sized on the keys', () => {
        expect(itemWriteUnits('Update', order('placed'), order('allocated'), tx)).toEqual({
          table: 2 * 2,
          indexes: { gsi1: 0, gsi2: 1 + 1 },
          total: 6,
        });
      });

      it('charges a put into two indexes one entry each', () => {
        expect(itemWriteUnits('Put', undefined, order('placed'), tx)).toEqual({
          table: 2 * 2,
          indexes: { gsi1: 1, gsi2: 1 },
          total: 6,
        });
      });

      it('charges a delete on the stored image and one entry delete per index', () => {
        expect(itemWriteUnits('Delete', order('placed'), undefined, tx)).toEqual({
          table: 2 * 2,
          indexes: { gsi1: 1, gsi2: 1 },
          total: 6,
        });
        // Nothing there: the table minimum, doubled.
        expect(transactionItemUnits('Delete', undefined, undefined, keysOnly)).toBe(2);
      });

      it('charges a condition check twice the item it read, and no index', () => {
        expect(itemWriteUnits('ConditionCheck', order('placed'), undefined, tx)).toEqual({
          table: 2 * 2,
          indexes: { gsi1: 0, gsi2: 0 },
          total: 4,
        });
        expect(transactionItemUnits('ConditionCheck', undefined, undefined, keysOnly)).toBe(2);
      });

      it('charges one delete when an index key is removed and one put when it is added', () => {
        const { gsi2pk: _removed, ...unlisted } = order('placed');
        expect(itemWriteUnits('Update', order('placed'), unlisted, tx).indexes).toEqual({ gsi1: 0, gsi2: 1 });
        expect(itemWriteUnits('Update', unlisted, order('placed'), tx).indexes).toEqual({ gsi1: 0, gsi2: 1 });
      });

      it('charges an identical overwrite its table arm alone', () => {
        expect(itemWriteUnits('Put', order('placed'), order('placed'), tx)).toEqual({
          table: 4,
          indexes: { gsi1: 0, gsi2: 0 },
          total: 4,
        });
      });

      it('charges the same write outside a transaction once, index arms unchanged', () => {
        const single = { indexes: keysOnly };
        expect(itemWriteUnits('Put', undefined, order('placed'), single)).toEqual({
          table: 2,
          indexes: { gsi1: 1, gsi2: 1 },
          total: 4,
        });
        expect(itemWriteUnits('Update', order('placed'), order('allocated'), single).total).toBe(2 + 2);
      });
    });

    describe('Given a 1.5 KB item', () => {
      it('rounds the table arm up to 2 WRU per copy, while its keys-only entries stay at 1', () => {
        expect(itemSize(order('placed'))).toBeGreaterThan(1024);
        expect(itemSize(order('placed'))).toBeLessThan(2048);
        expect(transactionItemUnits('Put', undefined, order('placed'), keysOnly)).toBe(2 * 2 + 1 + 1);
        // The same item without its body: under 1 KB, 1 WRU a copy.
        const { body: _body, ...small } = order('placed');
        expect(transactionItemUnits('Put', undefined, small, keysOnly)).toBe(2 * 1 + 1 + 1);
      });

      it('sizes the table arm on the larger of the images, shrinking or growing', () => {
        const { body: _body, ...small } = order('placed');
        expect(itemWriteUnits('Update', order('placed'), small, tx).table).toBe(2 * 2);
        expect(itemWriteUnits('Put', small, order('placed'), tx).table).toBe(2 * 2);
      });
    });

    describe('Given indexes that project every attribute, for comparison', () => {
      const all = keysOnly.map(({ projection: _projection, ...index }) => ({
        ...index,
        projection: 'ALL' as const,
      }));
      const txAll = { transaction: true, indexes: all };

      it('rewrites every entry the item is in on any change, sized on the whole item, undoubled', () => {
        const changed = { ...order('placed'), body: { S: 'y'.repeat(1500) } };
        expect(itemWriteUnits('Update', order('placed'), changed, txAll)).toEqual({
          table: 2 * 2,
          indexes: { gsi1: 2, gsi2: 2 },
          total: 8,
        });
        // gsi1's entry holds the status too, so the move rewrites it; gsi2's entry moves at 2 + 2.
        expect(itemWriteUnits('Update', order('placed'), order('allocated'), txAll).indexes).toEqual({
          gsi1: 2,
          gsi2: 2 + 2,
        });
        expect(transactionItemUnits('Put', undefined, order('placed'), all)).toBe(2 * 2 + 2 + 2);
        expect(transactionItemUnits('Put', order('placed'), order('placed'), all)).toBe(2 * 2);
      });
    });

    describe('Given an index that includes some attributes', () => {
      const include: IndexDefinition = {
        indexName: 'byStatus',
        partitionKey: 'gsi2pk',
        sortKey: 'gsi2sk',
        projection: 'INCLUDE',
        nonKeyAttributes: ['total'],
      };
      const row = (total: string, note: string) =>
        item({ pk: 'ORDER#1', sk: 'ORDER', gsi2pk: 'STATUS#placed', gsi2sk: 'd', total, note });

      it('charges a change to an included attribute on the larger entry, and ignores the others', () => {
        expect(indexWriteUnits(include, row('x'.repeat(1100), 'a'), row('1', 'a'))).toBe(2);
        expect(indexWriteUnits(include, row('1', 'a'), row('1', 'b'.repeat(5000)))).toBe(0);
        expect(indexWriteUnits(include, undefined, row('1', 'b'.repeat(5000)))).toBe(1);
      });
    });

    it('compares entries whatever the order of their attributes and set members', () => {
      const index: IndexDefinition = { indexName: 'g', partitionKey: 'gsi2pk', projection: 'ALL' };
      const a = { pk: { S: 'A' }, gsi2pk: { S: 'p' }, tags: { SS: ['x', 'y'] } };
      const b = { tags: { SS: ['y', 'x'] }, gsi2pk: { S: 'p' }, pk: { S: 'A' } };
      expect(indexWriteUnits(index, a, b)).toBe(0);
    });

    it('prices the table’s own indexes by the projection shared/config/table.ts declares', () => {
      const changed = { ...order('placed'), body: { S: 'y'.repeat(1500) } };
      expect(itemWriteUnits('Update', order('placed'), changed, { transaction: true })).toEqual(
        itemWriteUnits('Update', order('placed'), changed, {
          transaction: true,
          indexes: tableDefinition.globalSecondaryIndexes,
        }),
      );
      expect(transactionItemUnits('Update', order('placed'), order('allocated'))).toBe(
        transactionItemUnits(
          'Update',
          order('placed'),
          order('allocated'),
          tableDefinition.globalSecondaryIndexes,
        ),
      );
    });
  });

  describe('When a write is refused by its condition', () => {
    it('estimates the units AWS still bills and rethrows the error', async () => {
      const meter = new Meter();
      const { client, db } = fakeDynamoDb({
        status: 400,
        errorType: 'ConditionalCheckFailedException',
        body: {
          __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
          message: 'The conditional request failed',
        },
      });
      meter.instrument(client);
      const put = new PutCommand({
        TableName: 'oms',
        Item: { pk: 'a', sk: 'b', blob: 'x'.repeat(1500), gsi1pk: 'g', gsi1sk: 'h' },
        ConditionExpression: 'attribute_not_exists(pk)',
      });
      await expect(meter.within('create-location', () => db.send(put))).rejects.toMatchObject({
        name: 'ConditionalCheckFailedException',
      });
      // 1.5 KB rounds up to 2 WRU; a refused write touches no index.
      expect(meter.snapshot().dynamodb).toMatchObject({
        requests: 1,
        wru: 2,
        estimatedRequests: 1,
        estimatedWru: 2,
      });
    });
  });

  describe('When capacity is estimated from item sizes', () => {
    const item = { pk: 'ORDER#1', sk: 'ORDER', body: 'x'.repeat(1500), gsi1pk: 'a', gsi1sk: 'b' };

    it('sizes marshalled and plain items alike', () => {
      expect(itemSize({ pk: 'a', n: 123 })).toBe(3 + 4);
      expect(itemSize({ pk: { S: 'a' }, n: { N: '123' } })).toBe(itemSize({ pk: 'a', n: 123 }));
      expect(itemSize({ list: ['ab', 'c'], map: { k: true } })).toBe(4 + (3 + 3 + 2) + 3 + (3 + 1 + 1 + 1));
    });

    it('writes a KB per table copy plus each projected entry, doubles the table arm of transactions', () => {
      // 1.5 KB in the table (2 WRU); its gsi1 entry under 1 KB (the indexes project keys only).
      expect(estimateCapacity('PutItem', { Item: item }, { output: {} })).toBe(2 + 1);
      expect(
        estimateCapacity('TransactWriteItems', { TransactItems: [{ Put: { Item: item } }] }, { output: {} }),
      ).toBe(2 * 2 + 1);
      expect(
        estimateCapacity('BatchWriteItem', { RequestItems: { oms: [{ PutRequest: { Item: item } }] } }, {}),
      ).toBe(2 + 1);
      expect(
        estimateCapacity(
          'TransactWriteItems',
          { TransactItems: [{ Update: {} }, { ConditionCheck: {} }] },
          {},
        ),
      ).toBe(4);
    });

    it('reads 4 KB per unit, halved when eventual', () => {
      expect(estimateCapacity('GetItem', {}, { output: {} })).toBe(0.5);
      expect(estimateCapacity('GetItem', { ConsistentRead: true }, { output: { Item: item } })).toBe(1);
      expect(estimateCapacity('Query', {}, { output: { Items: [item, item, item] } })).toBe(1);
    });

    it('bills nothing for an error other than a refused condition', () => {
      const throttled = Object.assign(new Error('slow down'), { name: 'ThrottlingException' });
      expect(estimateCapacity('PutItem', { Item: item }, { error: throttled })).toBe(0);
    });
  });
});

describe('Given a usage snapshot', () => {
  it('prices it per million orders, line by line and per service', () => {
    const meter = new Meter();
    for (let order = 0; order < 2; order += 1) {
      meter.apiRequest(100);
      meter.invocation(spec('get-order'), 1000);
      meter.transition('standard', 2);
    }
    const cost = priceUsage(meter.snapshot(), 2);
    expect(cost.byService.apiGateway).toBeCloseTo(awsPrices.apiGateway.perMillionHttpRequests, 10);
    // 2 transitions per order at $0.025 per thousand.
    expect(cost.byService.stepFunctions).toBeCloseTo(50, 10);
    // One request ($0.20 per million) and 0.25 GB-s per order.
    expect(cost.byService.lambda).toBeCloseTo(0.2 + 0.25 * awsPrices.lambda.perGbSecondArm64 * 1e6, 10);
    expect(cost.totalPerMillionOrders).toBeCloseTo(
      cost.lines.reduce((sum, line) => sum + line.perMillionOrders, 0),
      10,
    );
    expect(cost.lines.find((line) => line.item === 'Standard state transitions')?.unitsPerOrder).toBe(2);
  });

  it('refuses to price zero orders', () => {
    expect(() => priceUsage(new Meter().snapshot(), 0)).toThrow(/orders/);
  });
});
