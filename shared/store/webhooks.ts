import { brotliCompressSync, brotliDecompressSync } from 'node:zlib';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { webhookLimits } from '../config/webhooks.js';
import type { DomainEvent } from '../events/envelope.js';
import type { Deps } from '../runtime/deps.js';
import { writeIfCondition } from './db.js';
import { keys } from './keys.js';
import { changeAttributes, withChange } from './outbox.js';

/**
 * Webhook subscriptions and their delivery log. Every subscription sits in one partition (`WEBHOOKS`), so
 * the dispatcher and the rule sync read all of them with one Query; each subscription's deliveries sit in a
 * partition of their own, newest event last, keyed by the event so a redelivery finds its record.
 */

export type SubscriptionStatus = 'enabled' | 'disabled';

export interface SigningSecret {
  secret: string;
  createdAt: string;
  /** Set on the previous secret during a rotation: it signs alongside the new one until then. */
  expiresAt?: string;
}

export interface WebhookSubscription {
  id: string;
  url: string;
  eventTypes: string[];
  description?: string;
  status: SubscriptionStatus;
  /** The current secret first. Never returned by the API after creation, never logged. */
  secrets: SigningSecret[];
  consecutiveFailures: number;
  failingSince?: string;
  lastFailureAt?: string;
  lastSuccessAt?: string;
  disabledAt?: string;
  disabledReason?: 'failures' | 'manual';
  createdAt: string;
  updatedAt: string;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'cancelled';

export interface DeliveryAttempt {
  at: string;
  statusCode?: number;
  error?: string;
  durationMs: number;
}

export interface WebhookDelivery {
  subscriptionId: string;
  /** `webhook-id`: one per event and subscription, the same on every attempt. */
  messageId: string;
  eventType: string;
  /** The EventBridge id of the first envelope that brought the event. */
  eventId: string;
  idempotencyKey: string;
  occurredAt: string;
  status: DeliveryStatus;
  attempts: number;
  attemptLog: DeliveryAttempt[];
  lastStatusCode?: number;
  lastError?: string;
  lastAttemptAt?: string;
  nextAttemptAt?: string;
  deliveredAt?: string;
  /** Why a delivery stopped before its schedule ran out (its subscription was disabled). */
  cancelReason?: string;
  createdAt: string;
  updatedAt: string;
}

/** The body of a pending delivery, kept so a retry sends the same bytes. */
export interface PendingDelivery extends WebhookDelivery {
  body: string | undefined;
}

export interface DeliveryRef {
  subscriptionId: string;
  occurredAt: string;
  messageId: string;
}

const deliveryKey = (ref: DeliveryRef) =>
  keys.webhookDelivery(ref.subscriptionId, ref.occurredAt, ref.messageId);

const STRIPPED = new Set(['pk', 'sk', 'entity', 'entityVersion', 'outbox', 'outboxId', 'expiresAt', 'body']);
const strip = <T>(item: Record<string, unknown>): T =>
  Object.fromEntries(Object.entries(item).filter(([name]) => !STRIPPED.has(name))) as T;

// ----- Subscriptions -----------------------------------------------------------------------------------

/** Every subscription, oldest first (ids are time-ordered). Consistent when the rule sync needs it. */
export async function listSubscriptions(
  deps: Deps,
  options: { consistent?: boolean } = {},
): Promise<WebhookSubscription[]> {
  const subscriptions: WebhookSubscription[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await deps.db.send(
      new QueryCommand({
        TableName: deps.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
        ExpressionAttributeValues: { ':pk': keys.webhookSubscriptions, ':sk': 'SUBSCRIPTION#' },
        ConsistentRead: options.consistent === true,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) subscriptions.push(strip(item));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return subscriptions;
}

export async function getSubscription(deps: Deps, id: string): Promise<WebhookSubscription | undefined> {
  const { Item } = await deps.db.send(
    new GetCommand({ TableName: deps.tableName, Key: keys.webhookSubscription(id), ConsistentRead: true }),
  );
  return Item ? strip(Item) : undefined;
}

export async function putSubscription(deps: Deps, subscription: WebhookSubscription): Promise<void> {
  await deps.db.send(
    new PutCommand({
      TableName: deps.tableName,
      Item: {
        ...keys.webhookSubscription(subscription.id),
        entity: 'WebhookSubscription',
        entityVersion: 1,
        ...subscription,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
}

/**
 * Writes `next` over the subscription read as `current`, with the events the change announces packed on it,
 * if nobody changed it since (`updatedAt`). False when someone did: read again and retry.
 */
export async function replaceSubscription(
  deps: Deps,
  current: WebhookSubscription,
  next: WebhookSubscription,
  events: readonly DomainEvent[] = [],
): Promise<boolean> {
  return await writeIfCondition(
    deps,
    new PutCommand({
      TableName: deps.tableName,
      Item: {
        ...keys.webhookSubscription(next.id),
        entity: 'WebhookSubscription',
        entityVersion: 1,
        ...next,
        ...changeAttributes(deps, { events }),
      },
      // The dispatcher counts failures without touching updatedAt: a count that moved is a change too.
      ConditionExpression: 'updatedAt = :seen AND consecutiveFailures = :failures',
      ExpressionAttributeValues: {
        ':seen': current.updatedAt,
        ':failures': current.consecutiveFailures ?? 0,
      },
    }),
  );
}

/**
 * One failed attempt against the endpoint: the count goes up and the streak's start is kept. Undefined when
 * the subscription is gone or no longer enabled.
 */
export async function recordEndpointFailure(
  deps: Deps,
  id: string,
  at: string,
): Promise<WebhookSubscription | undefined> {
  try {
    const { Attributes } = await deps.db.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: keys.webhookSubscription(id),
        UpdateExpression:
          'SET consecutiveFailures = if_not_exists(consecutiveFailures, :zero) + :one, ' +
          'failingSince = if_not_exists(failingSince, :at), lastFailureAt = :at',
        ConditionExpression: '#status = :enabled',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':at': at, ':enabled': 'enabled' },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Attributes ? strip(Attributes) : undefined;
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return undefined;
    throw error;
  }
}

/** A 2xx after failures: the streak ends. Written only when a streak was seen, so success costs nothing here. */
export async function recordEndpointSuccess(deps: Deps, id: string, at: string): Promise<void> {
  await writeIfCondition(
    deps,
    new UpdateCommand({
      TableName: deps.tableName,
      Key: keys.webhookSubscription(id),
      UpdateExpression: 'SET consecutiveFailures = :zero, lastSuccessAt = :at REMOVE failingSince',
      ConditionExpression: 'consecutiveFailures > :zero',
      ExpressionAttributeValues: { ':zero': 0, ':at': at },
    }),
  );
}

/**
 * Switches a failing subscription off with its `WebhookSubscriptionDisabled` event, once: false when it was
 * no longer enabled (another delivery got there first, or the merchant did).
 */
export async function disableForFailures(
  deps: Deps,
  id: string,
  at: string,
  event: DomainEvent,
): Promise<boolean> {
  return await writeIfCondition(
    deps,
    new UpdateCommand(
      withChange(
        deps,
        {
          TableName: deps.tableName,
          Key: keys.webhookSubscription(id),
          UpdateExpression:
            'SET #status = :disabled, disabledAt = :at, disabledReason = :failures, updatedAt = :at',
          ConditionExpression: '#status = :enabled',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':disabled': 'disabled',
            ':enabled': 'enabled',
            ':failures': 'failures',
            ':at': at,
          },
        },
        { events: [event] },
      ),
    ),
  );
}

// ----- Deliveries --------------------------------------------------------------------------------------

const packBody = (body: string): Uint8Array => new Uint8Array(brotliCompressSync(Buffer.from(body, 'utf8')));
const unpackBody = (value: unknown): string | undefined =>
  value instanceof Uint8Array ? brotliDecompressSync(value).toString('utf8') : undefined;

const expiresAt = (now: Date) =>
  Math.floor(now.getTime() / 1000) + webhookLimits.deliveryRetentionDays * 24 * 3600;

export async function getDelivery(deps: Deps, ref: DeliveryRef): Promise<PendingDelivery | undefined> {
  const { Item } = await deps.db.send(
    new GetCommand({ TableName: deps.tableName, Key: deliveryKey(ref), ConsistentRead: true }),
  );
  return Item ? { ...strip<WebhookDelivery>(Item), body: unpackBody(Item.body) } : undefined;
}

/**
 * The record of a first attempt. A pending one keeps the body for its retries. False when a record already
 * exists (a concurrent redelivery of the same event wrote it first).
 */
export async function createDelivery(deps: Deps, delivery: WebhookDelivery, body?: string): Promise<boolean> {
  return await writeIfCondition(
    deps,
    new PutCommand({
      TableName: deps.tableName,
      Item: {
        ...deliveryKey(delivery),
        entity: 'WebhookDelivery',
        entityVersion: 1,
        ...delivery,
        ...(body !== undefined && delivery.status === 'pending' ? { body: packBody(body) } : {}),
        expiresAt: expiresAt(deps.clock.now()),
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
}

/** What an attempt or a cancellation changes on a delivery record. */
export interface DeliveryChange {
  status: DeliveryStatus;
  updatedAt: string;
  attempts?: number;
  /** Appended to the log; it also becomes the record's last attempt (status code or error). */
  attempt?: DeliveryAttempt;
  /** When the next attempt is due: kept only while the delivery is pending. */
  nextAttemptAt?: string;
  deliveredAt?: string;
  cancelReason?: string;
}

/**
 * Applies `change` only if the record is still pending with the attempts the caller read: of two copies of
 * one retry message, one moves the delivery on. The body goes once the delivery is no longer pending.
 */
export async function updateDelivery(
  deps: Deps,
  ref: DeliveryRef,
  expectedAttempts: number,
  change: DeliveryChange,
): Promise<boolean> {
  // Every attribute by placeholder: some of these names are DynamoDB reserved words.
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':expected': expectedAttempts, ':pending': 'pending' };
  const sets: string[] = [];
  const removes: string[] = [];
  const name = (attribute: string) => {
    names[`#${attribute}`] = attribute;
    return `#${attribute}`;
  };
  const set = (attribute: string, value: unknown) => {
    sets.push(`${name(attribute)} = :${attribute}`);
    values[`:${attribute}`] = value;
  };
  const remove = (attribute: string) => removes.push(name(attribute));
  set('status', change.status);
  set('updatedAt', change.updatedAt);
  if (change.attempts !== undefined) set('attempts', change.attempts);
  if (change.attempt) {
    set('lastAttemptAt', change.attempt.at);
    if (change.attempt.statusCode !== undefined) set('lastStatusCode', change.attempt.statusCode);
    else remove('lastStatusCode');
    if (change.attempt.error !== undefined) set('lastError', change.attempt.error);
    else remove('lastError');
    const log = name('attemptLog');
    sets.push(`${log} = list_append(if_not_exists(${log}, :none), :attempt)`);
    values[':none'] = [];
    values[':attempt'] = [change.attempt];
  }
  if (change.status === 'pending' && change.nextAttemptAt) set('nextAttemptAt', change.nextAttemptAt);
  else remove('nextAttemptAt');
  if (change.deliveredAt) set('deliveredAt', change.deliveredAt);
  if (change.cancelReason) set('cancelReason', change.cancelReason);
  if (change.status !== 'pending') remove('body');
  return await writeIfCondition(
    deps,
    new UpdateCommand({
      TableName: deps.tableName,
      Key: deliveryKey(ref),
      UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
      ConditionExpression: `${name('status')} = :pending AND ${name('attempts')} = :expected`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    }),
  );
}

/** A page of a subscription's delivery log, newest event first. */
export async function listDeliveries(
  deps: Deps,
  subscriptionId: string,
  options: { limit: number; startKey?: Record<string, unknown> | undefined; consistent?: boolean },
): Promise<{ items: WebhookDelivery[]; lastKey?: Record<string, unknown> }> {
  const page = await deps.db.send(
    new QueryCommand({
      TableName: deps.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      ExpressionAttributeValues: { ':pk': keys.webhookDeliveries(subscriptionId), ':sk': 'DELIVERY#' },
      ScanIndexForward: false,
      Limit: options.limit,
      ConsistentRead: options.consistent === true,
      ExclusiveStartKey: options.startKey,
    }),
  );
  return {
    items: (page.Items ?? []).map((item) => strip<WebhookDelivery>(item)),
    ...(page.LastEvaluatedKey ? { lastKey: page.LastEvaluatedKey } : {}),
  };
}
