import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  type AgentAction,
  actionIdFor,
  actionTimeline,
  auditPut,
  findAction,
} from '../../../shared/app/agent-actions.js';
import { ConflictError } from '../../../shared/domain/errors.js';
import type { Deps } from '../../../shared/runtime/deps.js';

const TABLE = 'oms';
const ddb = mockClient(DynamoDBDocumentClient);
const deps = {
  db: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'local' })),
  tableName: TABLE,
} as Deps;

const action: AgentAction = {
  agent: { id: 'sub-ann', username: 'ann', roles: ['agent'] },
  reason: 'customer moved',
  idempotencyKey: 'key-00000001',
};
const AT = '2026-11-27T10:00:00.000Z';

beforeEach(() => ddb.reset());

describe('Given an agent action', () => {
  it('names the agent and the reason on its timeline line, beside the detail', () => {
    expect(actionTimeline(action, 'OrderCancelled', AT, { lines: 2 })).toEqual({
      type: 'OrderCancelled',
      at: AT,
      detail: { lines: 2, by: { agentId: 'sub-ann', username: 'ann' }, reason: 'customer moved' },
    });
  });

  it('is the same action for the same order, kind and key, and another for any other', () => {
    const id = actionIdFor('ord_1', 'order.cancelled', 'key-00000001');
    expect(id).toMatch(/^act_[0-9a-f]{20}$/);
    expect(actionIdFor('ord_1', 'order.cancelled', 'key-00000001')).toBe(id);
    expect(actionIdFor('ord_2', 'order.cancelled', 'key-00000001')).not.toBe(id);
    expect(actionIdFor('ord_1', 'return.requested', 'key-00000001')).not.toBe(id);
    expect(actionIdFor('ord_1', 'order.cancelled', 'key-00000002')).not.toBe(id);
  });

  it('writes its audit item once: in the order partition, listed by agent and time', () => {
    const put = auditPut(deps, action, {
      orderId: 'ord_1',
      kind: 'order.cancelled',
      at: AT,
      request: { reason: 'customer moved' },
      outcome: { status: 'cancelled' },
    }).Put;
    const id = actionIdFor('ord_1', 'order.cancelled', 'key-00000001');
    expect(put?.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(put?.Item).toMatchObject({
      pk: 'ORDER#ord_1',
      sk: `AUDIT#${id}`,
      gsi1pk: 'AGENT#sub-ann',
      gsi1sk: `${AT}#${id}`,
      agentId: 'sub-ann',
      username: 'ann',
      reason: 'customer moved',
      outcome: { status: 'cancelled' },
    });
  });

  describe('When the same key comes again', () => {
    const stored = () =>
      auditPut(deps, action, {
        orderId: 'ord_1',
        kind: 'order.cancelled',
        at: AT,
        request: { reason: 'customer moved' },
        outcome: { status: 'cancelled' },
      }).Put?.Item;

    it('answers the stored outcome for the same request, read strongly consistent', async () => {
      ddb.on(BatchGetCommand).resolves({ Responses: { [TABLE]: [stored() as Record<string, unknown>] } });
      const found = await findAction(deps, action, {
        orderId: 'ord_1',
        kind: 'order.cancelled',
        request: { reason: 'customer moved' },
      });
      expect(found?.outcome).toEqual({ status: 'cancelled' });
      expect(ddb.commandCalls(BatchGetCommand)[0]?.args[0].input.RequestItems?.[TABLE]?.ConsistentRead).toBe(
        true,
      );
    });

    it('refuses another request under it (409 naming the header)', async () => {
      ddb.on(BatchGetCommand).resolves({ Responses: { [TABLE]: [stored() as Record<string, unknown>] } });
      const asked = findAction(deps, action, {
        orderId: 'ord_1',
        kind: 'order.cancelled',
        request: { reason: 'another reason' },
      });
      await expect(asked).rejects.toBeInstanceOf(ConflictError);
      await expect(asked).rejects.toMatchObject({ details: { field: 'Idempotency-Key' } });
    });

    it('finds nothing for a new action', async () => {
      ddb.on(BatchGetCommand).resolves({ Responses: { [TABLE]: [] } });
      expect(
        await findAction(deps, action, { orderId: 'ord_1', kind: 'order.cancelled', request: {} }),
      ).toBeUndefined();
    });
  });
});
