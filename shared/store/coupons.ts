import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { couponSettings } from '../config/coupons.js';
import type { Coupon, CouponChange } from '../domain/coupons.js';
import { TransientError } from '../domain/errors.js';
import type { Deps } from '../runtime/deps.js';
import { batchGet, isConditionFailure, type TransactItem, writeIfCondition } from './db.js';
import { keys } from './keys.js';

/**
 * Coupons in the single table (docs/coupons.md, docs/data-model.md): one item per code
 * (`COUPON#<CODE>` / `COUPON`) holding the definition and `usageCount`, and beside it one counter per
 * customer (`CUSTOMER#<emailHash>`, `uses`) for codes with a per-customer limit. Redemptions are transaction
 * items written with the order (shared/app/place-order.ts); releases ride on the order's move to `failed`.
 */

const BOOKKEEPING = new Set(['pk', 'sk', 'entity', 'entityVersion']);

export const couponOf = (item: Record<string, unknown>): Coupon =>
  Object.fromEntries(Object.entries(item).filter(([name]) => !BOOKKEEPING.has(name))) as unknown as Coupon;

const couponItem = (coupon: Coupon) => ({
  ...keys.coupon(coupon.code),
  entity: 'Coupon',
  entityVersion: 1,
  ...coupon,
});

/** Stores a new coupon; false when the code exists. */
export async function putNewCoupon(deps: Deps, coupon: Coupon): Promise<boolean> {
  return writeIfCondition(
    deps,
    new PutCommand({
      TableName: deps.tableName,
      Item: couponItem(coupon),
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
}

/**
 * The coupon as a transaction item that creates it once and never overwrites it (every attribute
 * `if_not_exists`): a redelivered or raced creation leaves the first one, and its usage count, in place.
 */
export function couponCreateOnceItem(deps: Deps, coupon: Coupon): TransactItem {
  const attributes = Object.entries({ entity: 'Coupon', entityVersion: 1, ...coupon });
  return {
    Update: {
      TableName: deps.tableName,
      Key: keys.coupon(coupon.code),
      UpdateExpression: `SET ${attributes.map((_, index) => `#a${index} = if_not_exists(#a${index}, :a${index})`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(attributes.map(([name], index) => [`#a${index}`, name])),
      ExpressionAttributeValues: Object.fromEntries(
        attributes.map(([, value], index) => [`:a${index}`, value]),
      ),
    },
  };
}

export async function getCoupon(
  deps: Deps,
  code: string,
  options: { consistent?: boolean } = {},
): Promise<Coupon | undefined> {
  const result = await deps.db.send(
    new GetCommand({ TableName: deps.tableName, Key: keys.coupon(code), ConsistentRead: options.consistent }),
  );
  return result.Item ? couponOf(result.Item) : undefined;
}

/**
 * The coupons of `codes` and, with an email hash, how often that customer used each, in one BatchGetItem.
 * Eventually consistent: what is read only explains a refusal early; the redemption's conditions decide.
 */
export async function couponsAndUses(
  deps: Deps,
  codes: readonly string[],
  emailHash?: string,
  options: { consistent?: boolean } = {},
): Promise<{ coupons: Map<string, Coupon>; uses: Map<string, number> }> {
  const wanted = codes.flatMap((code) => [
    keys.coupon(code),
    ...(emailHash ? [keys.couponCustomer(code, emailHash)] : []),
  ]);
  const items = await batchGet(deps, wanted, options);
  const coupons = new Map<string, Coupon>();
  const uses = new Map<string, number>();
  for (const item of items) {
    const code = String(item.pk).slice('COUPON#'.length);
    if (item.sk === 'COUPON') coupons.set(code, couponOf(item));
    else uses.set(code, typeof item.uses === 'number' ? item.uses : 0);
  }
  return { coupons, uses };
}

/** Applies a change (status, end date); undefined when the code does not exist. */
export async function changeCoupon(
  deps: Deps,
  code: string,
  change: CouponChange,
  now: Date,
): Promise<Coupon | undefined> {
  const sets = ['updatedAt = :now'];
  const removes: string[] = [];
  const values: Record<string, unknown> = { ':now': now.toISOString() };
  const names: Record<string, string> = {};
  if (change.status !== undefined) {
    sets.push('#status = :status');
    names['#status'] = 'status';
    values[':status'] = change.status;
  }
  if (change.endsAt === null) removes.push('endsAt');
  else if (change.endsAt !== undefined) {
    sets.push('endsAt = :endsAt');
    values[':endsAt'] = new Date(Date.parse(change.endsAt)).toISOString();
  }
  try {
    const result = await deps.db.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: keys.coupon(code),
        UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
        ConditionExpression: 'attribute_exists(pk)',
        ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return result.Attributes ? couponOf(result.Attributes) : undefined;
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}

/** What an order holds of each code it redeemed: enough to give the use back. */
export interface Redemption {
  code: string;
  /** True when the code has a per-customer limit, so a customer counter was taken too. */
  perCustomer: boolean;
  /** The per-customer limit the counter was checked against. */
  perCustomerLimit?: number;
}

/**
 * The transaction items that take one use of each code: the coupon's `usageCount` + 1 on condition that the
 * code is active, started, not expired and under its limit; the customer's `uses` + 1 under the per-customer
 * limit. Two checkouts racing for the last use cannot both pass: DynamoDB serialises the two transactions
 * on the coupon item and the loser's condition sees the winner's count.
 */
export function redemptionItems(
  deps: Deps,
  redemptions: readonly Redemption[],
  emailHash: string,
  now: Date,
): TransactItem[] {
  const at = now.toISOString();
  return redemptions.flatMap((redemption) => [
    {
      Update: {
        TableName: deps.tableName,
        Key: keys.coupon(redemption.code),
        UpdateExpression: 'ADD usageCount :one',
        ConditionExpression:
          'attribute_exists(pk) AND #status = :active AND startsAt <= :now AND ' +
          '(attribute_not_exists(endsAt) OR endsAt > :now) AND ' +
          '(attribute_not_exists(usageLimit) OR usageCount < usageLimit)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':one': 1, ':active': 'active', ':now': at },
      },
    },
    ...(redemption.perCustomer
      ? [
          {
            Update: {
              TableName: deps.tableName,
              Key: keys.couponCustomer(redemption.code, emailHash),
              UpdateExpression: 'ADD uses :one SET entity = :entity, updatedAt = :now',
              ConditionExpression: 'attribute_not_exists(uses) OR uses < :limit',
              ExpressionAttributeValues: {
                ':one': 1,
                ':entity': 'CouponCustomerUses',
                ':now': at,
                ':limit': redemption.perCustomerLimit ?? 1,
              },
            },
          },
        ]
      : []),
  ]);
}

/**
 * The items that give the uses back (usage − 1, customer uses − 1). Unconditional: they ride on a status
 * change whose own condition makes the whole transaction happen once.
 */
export function releaseItems(
  deps: Deps,
  redemptions: readonly Redemption[],
  emailHash: string,
  now: Date,
): TransactItem[] {
  return redemptions.flatMap((redemption) => [
    {
      Update: {
        TableName: deps.tableName,
        Key: keys.coupon(redemption.code),
        UpdateExpression: 'ADD usageCount :minus',
        ExpressionAttributeValues: { ':minus': -1 },
      },
    },
    ...(redemption.perCustomer
      ? [
          {
            Update: {
              TableName: deps.tableName,
              Key: keys.couponCustomer(redemption.code, emailHash),
              UpdateExpression: 'ADD uses :minus SET updatedAt = :now',
              ExpressionAttributeValues: { ':minus': -1, ':now': now.toISOString() },
            },
          },
        ]
      : []),
  ]);
}

export type TransactOutcome = { written: true } | { written: false; failed: number[] };

/**
 * Sends a transaction; a condition failure is an answer (`failed` lists the items), not an error. A
 * `TransactionConflict` (another transaction on the same coupon at the same moment) is retried after a short,
 * growing, jittered pause; still conflicting after that, the caller gets a 503 to retry.
 */
export async function transactWithRetry(deps: Deps, items: TransactItem[]): Promise<TransactOutcome> {
  for (let attempt = 0; attempt < couponSettings.redemptionAttempts; attempt += 1) {
    if (attempt > 0) {
      const pause = Math.min(400, 10 * 2 ** attempt);
      await new Promise((done) => setTimeout(done, pause / 2 + Math.random() * (pause / 2)));
    }
    try {
      await deps.db.send(new TransactWriteCommand({ TransactItems: items }));
      return { written: true };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      const failed = reasons.flatMap((reason, index) =>
        reason.Code === 'ConditionalCheckFailed' ? [index] : [],
      );
      if (failed.length > 0) return { written: false, failed };
      if (!reasons.some((reason) => reason.Code === 'TransactionConflict')) throw error;
    }
  }
  throw new TransientError('the coupon is being redeemed by other orders at this moment; retry the request');
}
