import { createHash } from 'node:crypto';
import type { Agent } from '../domain/agents.js';
import { ConflictError } from '../domain/errors.js';
import type { Deps } from '../runtime/deps.js';
import { batchGet, indexKeys, partitionItems, stripKeys, type TransactItem } from '../store/db.js';
import { gsi1, keys } from '../store/keys.js';
import type { TimelineEntry } from '../store/orders.js';

/**
 * What every change an agent makes carries: who, why, and the key that makes a repeated click (or a retried
 * request) the same action. docs/customer-service.md#audit.
 */
export interface AgentAction {
  agent: Agent;
  /** Why, in the agent's words (1-500 characters): shown in the timeline and the audit log. */
  reason: string;
  /** The request's Idempotency-Key: the same key on the same order and kind is the same action. */
  idempotencyKey: string;
}

/** One audited agent action, stored in the order's partition and listed per agent through gsi1. */
export interface AuditRecord {
  id: string;
  orderId: string;
  /** `order.cancelled`, `order.lines-changed`, `return.authorized`, `appeasement.coupon`, ... */
  kind: string;
  agentId: string;
  username: string;
  reason: string;
  at: string;
  /** Hash of what was asked: the same key with a different request is refused (409). */
  requestHash: string;
  /** What the action did, as its handler returns it to a retry of the same request. */
  outcome: Record<string, unknown>;
}

export const actionIdFor = (orderId: string, kind: string, idempotencyKey: string) =>
  `act_${createHash('sha256').update(`${orderId}:${kind}:${idempotencyKey}`).digest('hex').slice(0, 20)}`;

export const requestHashOf = (request: unknown) =>
  createHash('sha256').update(JSON.stringify(request)).digest('hex');

/** The timeline line of an agent's change: its `detail` names the agent and the reason. */
export function actionTimeline(
  action: AgentAction,
  type: string,
  at: string,
  detail: Record<string, unknown> = {},
): TimelineEntry {
  return {
    type,
    at,
    detail: {
      ...detail,
      by: { agentId: action.agent.id, username: action.agent.username },
      reason: action.reason,
    },
  };
}

/**
 * The audit item of an action, to write in the same transaction as the change itself: the change is never
 * without its audit line, and the condition makes a second write of the same action fail the whole
 * transaction (see `findAction` for answering the retry).
 */
export function auditPut(
  deps: Pick<Deps, 'tableName'>,
  action: AgentAction,
  input: { orderId: string; kind: string; at: string; request: unknown; outcome: Record<string, unknown> },
): TransactItem {
  const record: AuditRecord = {
    id: actionIdFor(input.orderId, input.kind, action.idempotencyKey),
    orderId: input.orderId,
    kind: input.kind,
    agentId: action.agent.id,
    username: action.agent.username,
    reason: action.reason,
    at: input.at,
    requestHash: requestHashOf(input.request),
    outcome: input.outcome,
  };
  return {
    Put: {
      TableName: deps.tableName,
      Item: {
        ...keys.audit(input.orderId, record.id),
        gsi1pk: gsi1.agentAudit(action.agent.id),
        gsi1sk: `${record.at}#${record.id}`,
        entity: 'AgentAction',
        entityVersion: 1,
        ...record,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/**
 * The stored action a retry names, if any: undefined when the action is new. The same key with a different
 * request is a 409, naming the header.
 */
export async function findAction(
  deps: Deps,
  action: Pick<AgentAction, 'idempotencyKey'>,
  input: { orderId: string; kind: string; request: unknown },
): Promise<AuditRecord | undefined> {
  const id = actionIdFor(input.orderId, input.kind, action.idempotencyKey);
  const [item] = await batchGet(deps, [keys.audit(input.orderId, id)], { consistent: true });
  if (!item) return undefined;
  const record = stripKeys<AuditRecord>(item);
  if (record.requestHash !== requestHashOf(input.request)) {
    throw new ConflictError('Idempotency-Key was already used for a different request', {
      field: 'Idempotency-Key',
    });
  }
  return record;
}

/** An order's audited agent actions, oldest first. */
export async function orderAudit(deps: Deps, orderId: string): Promise<AuditRecord[]> {
  const items = await partitionItems(deps, keys.orderPartition(orderId), { skPrefix: 'AUDIT#' });
  return items.map((item) => stripKeys<AuditRecord>(item)).sort((a, b) => a.at.localeCompare(b.at));
}

/** An agent's audited actions between two instants (ISO), oldest first. */
export async function agentAudit(
  deps: Deps,
  agentId: string,
  between: readonly [string, string] = ['0', '~'],
): Promise<AuditRecord[]> {
  const found = await indexKeys(deps, 'gsi1', gsi1.agentAudit(agentId), { between });
  const items = await batchGet(deps, found);
  return items.map((item) => stripKeys<AuditRecord>(item)).sort((a, b) => a.at.localeCompare(b.at));
}
