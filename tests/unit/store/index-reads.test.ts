import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Deps } from '../../../shared/runtime/deps.js';
import { BATCH_GET_LIMIT, batchGet } from '../../../shared/store/db.js';
import { ordersInStatus } from '../../../shared/store/order-index.js';

const TABLE = 'oms';
const ddb = mockClient(DynamoDBDocumentClient);
const deps = {
  db: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'local' })),
  tableName: TABLE,
} as Deps;

const key = (n: number) => ({ pk: `ITEM#${n}`, sk: 'ITEM' });
const item = (n: number) => ({ ...key(n), n });
const requested = (call: number) =>
  (ddb.commandCalls(BatchGetCommand)[call]?.args[0].input.RequestItems?.[TABLE]?.Keys ?? []) as {
    pk: string;
  }[];

beforeEach(() => {
  ddb.reset();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('Given keys to read in a batch', () => {
  describe('When there are more than one call takes', () => {
    it('asks 100 at a time and answers in the order of the keys', async () => {
      // DynamoDB answers in any order: here backwards.
      ddb.on(BatchGetCommand).callsFake((input) => ({
        Responses: {
          [TABLE]: [...(input.RequestItems[TABLE].Keys as { pk: string }[])]
            .reverse()
            .map((asked) => item(Number(asked.pk.slice('ITEM#'.length)))),
        },
      }));
      const keys = Array.from({ length: 250 }, (_, n) => key(n));
      const items = await batchGet(deps, keys);
      expect(ddb.commandCalls(BatchGetCommand).map((_, call) => requested(call).length)).toEqual([
        BATCH_GET_LIMIT,
        BATCH_GET_LIMIT,
        50,
      ]);
      expect(items.map((found) => found.n)).toEqual(keys.map((_, n) => n));
    });
  });

  describe('When some keys name no item and some repeat', () => {
    it('drops the missing ones and asks for a repeated key once', async () => {
      ddb.on(BatchGetCommand).resolves({ Responses: { [TABLE]: [item(3), item(1)] } });
      const items = await batchGet(deps, [key(1), key(2), key(3), key(1)]);
      expect(requested(0).map((asked) => asked.pk)).toEqual(['ITEM#1', 'ITEM#2', 'ITEM#3']);
      expect(items).toEqual([item(1), item(3)]);
    });

    it('sends nothing for no keys', async () => {
      expect(await batchGet(deps, [])).toEqual([]);
      expect(ddb.commandCalls(BatchGetCommand)).toHaveLength(0);
    });
  });

  describe('When DynamoDB leaves keys unprocessed', () => {
    it('asks again for just those, after a pause', async () => {
      ddb
        .on(BatchGetCommand)
        .resolvesOnce({ Responses: { [TABLE]: [item(1)] }, UnprocessedKeys: { [TABLE]: { Keys: [key(2)] } } })
        .resolves({ Responses: { [TABLE]: [item(2)] } });
      const items = await batchGet(deps, [key(1), key(2)], { consistent: true });
      expect(items).toEqual([item(1), item(2)]);
      expect(requested(1)).toEqual([key(2)]);
      for (const call of ddb.commandCalls(BatchGetCommand)) {
        expect(call.args[0].input.RequestItems?.[TABLE]?.ConsistentRead).toBe(true);
      }
    });

    it('gives up with an error rather than return a partial answer', async () => {
      vi.useFakeTimers();
      ddb.on(BatchGetCommand).resolves({ UnprocessedKeys: { [TABLE]: { Keys: [key(1)] } } });
      const reading = batchGet(deps, [key(1)]);
      const refused = expect(reading).rejects.toThrow(/unprocessed/);
      await vi.runAllTimersAsync();
      await refused;
      expect(ddb.commandCalls(BatchGetCommand).length).toBeGreaterThan(1);
    });
  });
});

describe('Given the status index lags the table', () => {
  describe('When an entry points at an order that has moved on', () => {
    it('leaves that order out and strips the keys of the others', async () => {
      const entry = (id: string, at: string) => ({
        pk: `ORDER#${id}`,
        sk: 'ORDER',
        gsi2pk: 'STATUS#picking',
        gsi2sk: `${at}#${id}`,
      });
      const header = (id: string, status: string, at: string) => ({
        pk: `ORDER#${id}`,
        sk: 'ORDER',
        gsi2pk: `STATUS#${status}`,
        gsi2sk: `${at}#${id}`,
        entity: 'Order',
        id,
        status,
      });
      ddb.on(QueryCommand).resolves({
        Items: [
          entry('ord_a', '2030-01-01T00:01:00.000Z'),
          entry('ord_b', '2030-01-01T00:02:00.000Z'),
          entry('ord_c', '2030-01-01T00:03:00.000Z'),
        ],
        LastEvaluatedKey: entry('ord_c', '2030-01-01T00:03:00.000Z'),
      });
      ddb.on(BatchGetCommand).resolves({
        Responses: {
          [TABLE]: [
            header('ord_a', 'picking', '2030-01-01T00:01:00.000Z'),
            // Shipped since the index entry was written.
            header('ord_b', 'shipped', '2030-01-01T00:04:00.000Z'),
            // Left picking and came back after the bound.
            header('ord_c', 'picking', '2030-01-01T00:09:00.000Z'),
          ],
        },
      });
      const page = await ordersInStatus(deps, 'picking', {
        enteredBefore: '2030-01-01T00:05:00.000Z',
        oldestFirst: true,
        limit: 3,
      });
      expect(page.orders).toEqual([{ id: 'ord_a', status: 'picking' }]);
      expect(page.nextKey).toEqual(entry('ord_c', '2030-01-01T00:03:00.000Z'));
      expect(ddb.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk < :before',
        ExpressionAttributeValues: { ':pk': 'STATUS#picking', ':before': '2030-01-01T00:05:00.000Z' },
        ScanIndexForward: true,
        Limit: 3,
      });
      expect(ddb.commandCalls(QueryCommand)[0]?.args[0].input).not.toHaveProperty('FilterExpression');
    });
  });
});
