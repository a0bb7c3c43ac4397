import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Deps } from '../../../shared/runtime/deps.js';
import { transactUnlessContended } from '../../../shared/store/orders.js';

const ddb = mockClient(DynamoDBDocumentClient);
const deps = {
  db: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'local' })),
  tableName: 'oms',
} as Deps;
const item = { Put: { TableName: 'oms', Item: { pk: 'A', sk: 'A' } } };
const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

beforeEach(() => ddb.reset());

describe('Given a change written by a writer that re-reads and re-plans when it loses', () => {
  it('is written', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    expect(await transactUnlessContended(deps, [item])).toBe(true);
  });

  it('answers false when a condition failed or another transaction held an item', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('None', 'ConditionalCheckFailed'));
    expect(await transactUnlessContended(deps, [item, item])).toBe(false);
    ddb.on(TransactWriteCommand).rejects(cancelled('TransactionConflict', 'None'));
    expect(await transactUnlessContended(deps, [item, item])).toBe(false);
  });

  it('throws what re-planning cannot mend: throttling, a malformed request', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('ThrottlingError'));
    await expect(transactUnlessContended(deps, [item])).rejects.toBeInstanceOf(TransactionCanceledException);
    ddb.on(TransactWriteCommand).rejects(cancelled('ValidationError'));
    await expect(transactUnlessContended(deps, [item])).rejects.toBeInstanceOf(TransactionCanceledException);
  });
});
