import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type AppeasementLimits, appeasementCoupon, appeasementLimits } from '../config/appeasements.js';
import type { Agent, AgentRole } from '../domain/agents.js';
import { newCoupon } from '../domain/coupons.js';
import { ConflictError, ForbiddenError, UnprocessableError } from '../domain/errors.js';
import { formatMinorUnits, toMinorUnits } from '../domain/money.js';
import type { Deps } from '../runtime/deps.js';
import { couponCreateOnceItem } from '../store/coupons.js';
import { batchGet, type TransactItem, writeIfCondition } from '../store/db.js';
import { keys } from '../store/keys.js';
import { requireOrderAggregate, transact } from '../store/orders.js';
import { changeAttributes } from '../store/outbox.js';
import { type AgentAction, actionIdFor, actionTimeline, auditPut, findAction } from './agent-actions.js';
import { toOrderView } from './order-view.js';
import { capturesOf, refundOrder } from './payments.js';

/** What an agent asks to give: money back on the card, or a coupon for a next order. */
export type AppeasementRequest =
  | { kind: 'refund'; amount: number }
  | { kind: 'coupon'; amount: number; percentOff?: undefined }
  | { kind: 'coupon'; percentOff: number; amount?: undefined };

export interface Appeasement {
  /** The action's id: the audit item's, the coupon code's and the refund key's origin. */
  id: string;
  kind: 'refund' | 'coupon';
  currency: string;
  /** Minor units: refunded, or off a next order (fixed coupon). */
  amount?: number;
  percentOff?: number;
  code?: string;
  expiresAt?: string;
  refundId?: string;
  /** What it counts against the order's cap (minor units); a percentage coupon at its percent of this order. */
  value: number;
}

const auditKind = (kind: AppeasementRequest['kind']) => `appeasement.${kind}`;
const KINDS = ['refund', 'coupon'] as const;

/** The role whose limits apply: the most generous the agent has. */
export const roleOf = (agent: Pick<Agent, 'roles'>): AgentRole =>
  agent.roles.includes('supervisor') ? 'supervisor' : 'agent';

interface LimitCheck {
  /** `refund.max`, `coupon.percentOff`, ... : the key in shared/config/appeasements.ts. */
  limit: string;
  /** The most that limit allows (minor units, or percent for `coupon.percentOff`). */
  max: number;
  requested: number;
}

/** Each limit of `limits` the request must stay within, the order's cap included. */
function limitChecks(
  limits: AppeasementLimits,
  request: AppeasementRequest,
  order: { currency: string; captured: number; grand: number; earlier: number },
): LimitCheck[] {
  const money = (major: string) => toMinorUnits(major, order.currency);
  const value = worthOf(request, order.grand);
  const checks: LimitCheck[] =
    request.kind === 'refund'
      ? [
          {
            limit: 'refund.percentOfCaptured',
            max: Math.floor((order.captured * limits.refund.percentOfCaptured) / 100),
            requested: request.amount,
          },
          { limit: 'refund.max', max: money(limits.refund.max), requested: request.amount },
        ]
      : request.percentOff !== undefined
        ? [{ limit: 'coupon.percentOff', max: limits.coupon.percentOff, requested: request.percentOff }]
        : [{ limit: 'coupon.max', max: money(limits.coupon.max), requested: request.amount }];
  return [...checks, { limit: 'orderMax', max: money(limits.orderMax) - order.earlier, requested: value }];
}

const worthOf = (request: AppeasementRequest, grand: number): number =>
  request.kind === 'coupon' && request.percentOff !== undefined
    ? Math.floor((grand * request.percentOff) / 100)
    : (request.amount ?? 0);

/**
 * Refuses an appeasement over the limits of the agent's role (shared/config/appeasements.ts) with a 403 that
 * names the limit, the role and whether a supervisor could give it, so the agent knows whom to ask. Pure:
 * what the order captured, its total and what earlier appeasements of it were worth are passed in.
 */
export function checkAppeasementLimits(
  agent: Pick<Agent, 'roles' | 'username'>,
  request: AppeasementRequest,
  order: { currency: string; captured: number; grand: number; earlier: number },
): { value: number; cap: number } {
  const role = roleOf(agent);
  const over = limitChecks(appeasementLimits[role], request, order).find(
    (check) => check.requested > check.max,
  );
  if (over) {
    const supervisorCan =
      role !== 'supervisor' &&
      limitChecks(appeasementLimits.supervisor, request, order).every(
        (check) => check.requested <= check.max,
      );
    const shown = (amount: number) =>
      over.limit === 'coupon.percentOff'
        ? `${amount} %`
        : `${formatMinorUnits(Math.max(0, amount), order.currency)} ${order.currency}`;
    const what = over.limit === 'orderMax' ? 'left for this order under' : 'allowed by';
    throw new ForbiddenError(
      `${describe(request, order.currency)} is over the ${role} limit ${over.limit}: ${shown(over.max)} ${what} it for ${agent.username} (role ${role}); ${
        supervisorCan ? 'a supervisor can issue it' : 'no role may issue it'
      }`,
      { limit: over.limit, role, max: over.max, requested: over.requested, supervisorCan },
    );
  }
  return {
    value: worthOf(request, order.grand),
    cap: toMinorUnits(appeasementLimits[role].orderMax, order.currency),
  };
}

function describe(request: AppeasementRequest, currency: string): string {
  if (request.kind === 'refund')
    return `a goodwill refund of ${formatMinorUnits(request.amount, currency)} ${currency}`;
  return request.percentOff !== undefined
    ? `a ${request.percentOff} % coupon`
    : `a coupon of ${formatMinorUnits(request.amount, currency)} ${currency}`;
}

/** The order's running appeasement total (minor units) and the actions it counts, from its tally item. */
async function readTally(deps: Deps, orderId: string): Promise<{ total: number; actions: Set<string> }> {
  const [item] = await batchGet(deps, [keys.appeasementTally(orderId)], { consistent: true });
  return {
    total: typeof item?.total === 'number' ? item.total : 0,
    actions: item?.actions instanceof Set ? (item.actions as Set<string>) : new Set<string>(),
  };
}

/**
 * Adds one action's value to the order's tally, on condition that the total stays within `cap` (the acting
 * role's orderMax) and that the action is not counted yet. Written in the coupon's own transaction, or alone
 * before a refund's gateway call: concurrent requests serialize on this one item, so the cap holds however
 * many arrive at once, and a retried refund never reserves twice. Nothing takes an amount back: a crash
 * between reserving and refunding leaves it counted, which errs on the side of the cap.
 */
function tallyUpdate(
  deps: Pick<Deps, 'tableName'>,
  orderId: string,
  input: { actionId: string; value: number; cap: number; currency: string },
): NonNullable<TransactItem['Update']> {
  return {
    TableName: deps.tableName,
    Key: keys.appeasementTally(orderId),
    UpdateExpression:
      'ADD #total :value, #actions :action SET #currency = :currency, entity = :entity, entityVersion = :version',
    ConditionExpression: '(attribute_not_exists(#total) OR #total <= :room) AND NOT contains(#actions, :id)',
    ExpressionAttributeNames: { '#total': 'total', '#actions': 'actions', '#currency': 'currency' },
    ExpressionAttributeValues: {
      ':value': input.value,
      ':action': new Set([input.actionId]),
      ':id': input.actionId,
      ':room': input.cap - input.value,
      ':currency': input.currency,
      ':entity': 'AppeasementTally',
      ':version': 1,
    },
  };
}

/**
 * After the tally refused an action: answers the 403 of the cap with what is left now (another appeasement
 * of the order got there first), or 409 when the refusal was not the cap's.
 */
async function refusedByTally(
  deps: Deps,
  action: AgentAction,
  request: AppeasementRequest,
  input: { orderId: string; currency: string; captured: number; grand: number; id: string },
): Promise<never> {
  const { total } = await readTally(deps, input.orderId);
  checkAppeasementLimits(action.agent, request, { ...input, earlier: total });
  throw new ConflictError(
    `appeasement ${input.id} could not be recorded; retry with the same Idempotency-Key`,
  );
}

/**
 * `POST /agent/orders/{id}/appeasements`: a goodwill refund or a single-use coupon, within the agent's limits
 * (checkAppeasementLimits), audited with the agent and reason. The order's cap is held by its tally item
 * (tallyUpdate): a refund first reserves its amount there, then goes through refundOrder under a key derived
 * from the action id, so a retry after a crash reserves and refunds nothing twice, then the audit item is
 * written; a coupon is created in the same transaction as its audit item and its tally update. The timeline
 * line `AppeasementIssued` rides on the audit item (the order's timeline gathers lines from every item of its
 * partition), so the order item is not written. The same Idempotency-Key answers the stored outcome (`duplicate: true`).
 */
export async function createAppeasement(
  deps: Deps,
  action: AgentAction,
  input: { orderId: string; request: AppeasementRequest },
) {
  const { orderId, request } = input;
  const stored = await storedAppeasement(deps, action, orderId, request);
  if (stored) return stored;
  const aggregate = await requireOrderAggregate(deps, orderId);
  const { order } = aggregate;
  const captured = capturesOf(aggregate).reduce((sum, capture) => sum + capture.amount, 0);
  if (request.kind === 'refund' && captured === 0) {
    throw new ConflictError(
      `order ${orderId} has no captured payment to refund (payment ${order.payment.status}); offer a coupon`,
    );
  }
  const kind = auditKind(request.kind);
  const id = actionIdFor(orderId, kind, action.idempotencyKey);
  const refundKey = `appeasement:${id}`;
  const tally = await readTally(deps, orderId);
  const facts = { currency: order.currency, captured, grand: order.totals.grand, id, orderId };
  // A retry after a crash between the reservation and the audit finds its amount counted: it passed the
  // limits then, and must go on even if another appeasement of the order used up the cap meanwhile.
  const reserved = tally.actions.has(id);
  const { value, cap } = reserved
    ? { value: worthOf(request, order.totals.grand), cap: 0 }
    : checkAppeasementLimits(action.agent, request, { ...facts, earlier: tally.total });
  const counted = { actionId: id, value, cap, currency: order.currency };
  const now = deps.clock.now();
  const at = now.toISOString();
  const items: TransactItem[] = [];
  let appeasement: Appeasement;
  if (request.kind === 'refund') {
    if (!reserved) {
      // Refused before anything is reserved: an amount the card cannot take back would hold the cap forever.
      const refundable = captured - order.payment.refunded;
      if (request.amount > refundable) {
        throw new UnprocessableError(
          `a goodwill refund of ${request.amount} exceeds what order ${orderId} has captured and not refunded (${refundable})`,
          { field: 'amount', refundable },
        );
      }
      const counts = await writeIfCondition(deps, new UpdateCommand(tallyUpdate(deps, orderId, counted)));
      // Refused: a concurrent request with the same key reserved it (go on: the refund key is the same),
      // or the cap.
      if (!counts && !(await readTally(deps, orderId)).actions.has(id)) {
        await refusedByTally(deps, action, request, facts);
      }
    }
    const { refund } = await refundOrder(deps, {
      orderId,
      amount: request.amount,
      reason: `goodwill: ${action.reason}`,
      idempotencyKey: refundKey,
    });
    appeasement = {
      id,
      kind: 'refund',
      currency: order.currency,
      amount: refund.amount,
      refundId: refund.id,
      value,
    };
  } else {
    const code = `${appeasementCoupon.prefix}${id.slice(4, 16).toUpperCase()}`;
    const expiresAt = new Date(now.getTime() + appeasementCoupon.validDays * 24 * 3600 * 1000).toISOString();
    const coupon = newCoupon(
      {
        code,
        ...(request.percentOff !== undefined
          ? { type: 'percentage' as const, basisPoints: request.percentOff * 100 }
          : { type: 'fixed' as const, amount: request.amount, currency: order.currency }),
        minimumSubtotal: 0,
        endsAt: expiresAt,
        usageLimit: 1,
        perCustomerLimit: 1,
        stackable: false,
        description: `Goodwill for order ${orderId} (${order.customer.email}) by ${action.agent.username}`,
      },
      now,
      { kind: 'api' },
    );
    items.push(couponCreateOnceItem(deps, coupon), { Update: tallyUpdate(deps, orderId, counted) });
    appeasement = {
      id,
      kind: 'coupon',
      currency: order.currency,
      ...(request.percentOff !== undefined ? { percentOff: request.percentOff } : { amount: request.amount }),
      code,
      expiresAt,
      value,
    };
  }

  const { value: _value, currency: _currency, id: _id, ...detail } = appeasement;
  const line = actionTimeline(action, 'AppeasementIssued', at, {
    appeasementId: id,
    currency: order.currency,
    ...detail,
  });
  const audit = auditPut(deps, action, { orderId, kind, at, request, outcome: { appeasement } });
  const written = await transact(deps, [
    audit.Put
      ? {
          Put: { ...audit.Put, Item: { ...audit.Put.Item, ...changeAttributes(deps, { timeline: [line] }) } },
        }
      : audit,
    ...items,
  ]);
  if (!written) {
    // Another request with the same key won the race: answer what it stored.
    const raced = await storedAppeasement(deps, action, orderId, request);
    if (raced) return raced;
    await refusedByTally(deps, action, request, facts);
  }
  return { appeasement, order: await orderView(deps, orderId), duplicate: false };
}

/**
 * The outcome of an appeasement already made with this key, if any. A key names one action whatever its kind:
 * findAction answers 409 when the key was used for the other kind (the request differs).
 */
async function storedAppeasement(
  deps: Deps,
  action: AgentAction,
  orderId: string,
  request: AppeasementRequest,
) {
  const [same] = await Promise.all(
    [request.kind, ...KINDS.filter((kind) => kind !== request.kind)].map((kind) =>
      findAction(deps, action, { orderId, kind: auditKind(kind), request }),
    ),
  );
  if (!same) return undefined;
  return {
    appeasement: same.outcome.appeasement as Appeasement,
    order: await orderView(deps, orderId),
    duplicate: true,
  };
}

async function orderView(deps: Deps, orderId: string) {
  const aggregate = await requireOrderAggregate(deps, orderId);
  return toOrderView(aggregate);
}
