import { z } from 'zod';
import { TransientError } from '../domain/errors.js';
import {
  delivered,
  retryDelayMs,
  shouldDisable,
  signedHeaders,
  type WebhookEvent,
  webhookMessageId,
  webhookPayload,
} from '../domain/webhooks.js';
import { logger } from '../observability.js';
import type { Deps } from '../runtime/deps.js';
import {
  createDelivery,
  type DeliveryAttempt,
  type DeliveryChange,
  type DeliveryRef,
  disableForFailures,
  getDelivery,
  getSubscription,
  listDeliveries,
  listSubscriptions,
  recordEndpointFailure,
  recordEndpointSuccess,
  updateDelivery,
  type WebhookDelivery,
  type WebhookSubscription,
} from '../store/webhooks.js';
import { type BusEnvelope, parseEnvelope } from './consumers.js';
import { disabledEvent, syncWebhookRule } from './webhook-subscriptions.js';

/**
 * The `webhooks` queue's consumer. The queue carries two kinds of message: events the `events-to-webhooks`
 * rule routed (the EventBridge envelope as it is), fanned out here to every enabled subscription that asked
 * for the type; and retries this consumer scheduled for one delivery (`{"webhookRetry": …}`), sent back to
 * the same queue with a delay. Each (subscription, event) has one delivery record, keyed by the event, that
 * holds its schedule: a redelivered or republished event finds it and sends nothing again.
 */

const RetrySchema = z.object({
  webhookRetry: z.object({
    subscriptionId: z.string().min(1),
    occurredAt: z.string().min(1),
    messageId: z.string().min(1),
    /** The attempt this message is for (2 for the first retry). */
    attempt: z.number().int().min(2),
  }),
});
export type RetryMessage = z.infer<typeof RetrySchema>['webhookRetry'];

export type WebhookQueueMessage =
  | { kind: 'event'; envelope: BusEnvelope }
  | { kind: 'retry'; retry: RetryMessage };

export function parseWebhookMessage(body: string): WebhookQueueMessage {
  const value: unknown = JSON.parse(body);
  if (typeof value === 'object' && value !== null && 'webhookRetry' in value) {
    return { kind: 'retry', retry: RetrySchema.parse(value).webhookRetry };
  }
  return { kind: 'event', envelope: parseEnvelope(body) };
}

export const retryMessageBody = (retry: RetryMessage): string => JSON.stringify({ webhookRetry: retry });

/** A retry that arrives this much before its due time is sent on again rather than attempted. */
const EARLY_TOLERANCE_MS = 1000;

export type DeliveryOutcome =
  | 'delivered'
  | 'retrying'
  | 'failed'
  | 'cancelled'
  | 'disabled'
  | 'duplicate'
  | 'waiting'
  | 'stale';

export async function deliverWebhookMessage(
  deps: Deps,
  message: WebhookQueueMessage,
): Promise<DeliveryOutcome[]> {
  if (message.kind === 'retry') return [await retryDelivery(deps, message.retry)];
  return await deliverEvent(deps, message.envelope);
}

// ----- Subscriptions, read briefly cached --------------------------------------------------------------

const cache = new WeakMap<Deps, { at: number; subscriptions: WebhookSubscription[] }>();

/**
 * The enabled subscriptions that asked for `eventType`. The read is reused for `subscriptionCacheMs`, except
 * when it names none for the type (the rule routed the event, so a subscription for it was just made).
 */
async function subscribersOf(deps: Deps, eventType: string): Promise<WebhookSubscription[]> {
  const now = deps.clock.now().getTime();
  const pick = (list: readonly WebhookSubscription[]) =>
    list.filter((s) => s.status === 'enabled' && s.eventTypes.includes(eventType));
  const cached = cache.get(deps);
  if (cached && now - cached.at < deps.webhooks.policy.subscriptionCacheMs) {
    const hit = pick(cached.subscriptions);
    if (hit.length > 0) return hit;
  }
  const subscriptions = await listSubscriptions(deps);
  cache.set(deps, { at: now, subscriptions });
  return pick(subscriptions);
}

// ----- First attempts ----------------------------------------------------------------------------------

async function deliverEvent(deps: Deps, envelope: BusEnvelope): Promise<DeliveryOutcome[]> {
  const event: WebhookEvent = {
    detailType: envelope['detail-type'],
    idempotencyKey: envelope.detail.metadata.idempotencyKey,
    occurredAt: envelope.detail.metadata.occurredAt,
    data: envelope.detail.data,
  };
  const messageId = webhookMessageId(event.detailType, event.idempotencyKey);
  const subscribers = await subscribersOf(deps, event.detailType);
  return await Promise.all(
    subscribers.map((subscription) => deliverFirst(deps, subscription, envelope.id, event, messageId)),
  );
}

async function deliverFirst(
  deps: Deps,
  subscription: WebhookSubscription,
  eventId: string,
  event: WebhookEvent,
  messageId: string,
): Promise<DeliveryOutcome> {
  const ref: DeliveryRef = { subscriptionId: subscription.id, occurredAt: event.occurredAt, messageId };
  const existing = await getDelivery(deps, ref);
  // A redelivered or republished event: its retries, if any, are already scheduled (see afterFailure).
  if (existing) return 'duplicate';
  const body = webhookPayload(event);
  const attempt = await send(deps, subscription, messageId, body);
  const identity = {
    subscriptionId: subscription.id,
    messageId,
    eventType: event.detailType,
    eventId,
    idempotencyKey: event.idempotencyKey,
    occurredAt: event.occurredAt,
    createdAt: attempt.at,
  };
  const create = (change: DeliveryChange) => {
    const record: WebhookDelivery = {
      ...identity,
      status: change.status,
      attempts: 1,
      attemptLog: [attempt],
      lastAttemptAt: attempt.at,
      ...(attempt.statusCode !== undefined ? { lastStatusCode: attempt.statusCode } : {}),
      ...(attempt.error !== undefined ? { lastError: attempt.error } : {}),
      ...(change.status === 'pending' && change.nextAttemptAt ? { nextAttemptAt: change.nextAttemptAt } : {}),
      ...(change.deliveredAt ? { deliveredAt: change.deliveredAt } : {}),
      ...(change.cancelReason ? { cancelReason: change.cancelReason } : {}),
      updatedAt: change.updatedAt,
    };
    return createDelivery(deps, record, body);
  };
  if (delivered(attempt.statusCode)) {
    await create({ status: 'delivered', deliveredAt: attempt.at, updatedAt: attempt.at });
    if (subscription.consecutiveFailures > 0) await recordEndpointSuccess(deps, subscription.id, attempt.at);
    return 'delivered';
  }
  return await afterFailure(deps, subscription, ref, 1, attempt, create);
}

// ----- Retries -----------------------------------------------------------------------------------------

async function retryDelivery(deps: Deps, retry: RetryMessage): Promise<DeliveryOutcome> {
  const ref: DeliveryRef = {
    subscriptionId: retry.subscriptionId,
    occurredAt: retry.occurredAt,
    messageId: retry.messageId,
  };
  const delivery = await getDelivery(deps, ref);
  // The retry is sent just before its record is written (afterFailure): one that overtakes its record
  // goes back to the queue and comes again after the visibility timeout.
  if (!delivery || (delivery.status === 'pending' && delivery.attempts + 1 < retry.attempt)) {
    throw new TransientError(`delivery ${ref.messageId} is not recorded yet; its retry waits`);
  }
  // Done, or a copy of a retry another message already made.
  if (delivery.status !== 'pending' || delivery.attempts + 1 !== retry.attempt) return 'stale';
  const now = deps.clock.now();
  const due = delivery.nextAttemptAt ? Date.parse(delivery.nextAttemptAt) : now.getTime();
  if (due - now.getTime() > EARLY_TOLERANCE_MS) {
    // Waits longer than the queue's longest delay (15 min on SQS) are made of several hops.
    await scheduleRetry(deps, ref, retry.attempt, delivery.nextAttemptAt);
    return 'waiting';
  }
  const update = (change: DeliveryChange) => updateDelivery(deps, ref, delivery.attempts, change);
  const subscription = await getSubscription(deps, ref.subscriptionId);
  if (subscription?.status !== 'enabled' || delivery.body === undefined) {
    const reason = !subscription
      ? 'subscription deleted'
      : subscription.status !== 'enabled'
        ? 'subscription disabled'
        : 'body not kept';
    await update({ status: 'cancelled', cancelReason: reason, updatedAt: now.toISOString() });
    return 'cancelled';
  }
  const attempt = await send(deps, subscription, delivery.messageId, delivery.body);
  const made = delivery.attempts + 1;
  if (delivered(attempt.statusCode)) {
    const written = await update({
      status: 'delivered',
      attempts: made,
      attempt,
      deliveredAt: attempt.at,
      updatedAt: attempt.at,
    });
    if (written) await recordEndpointSuccess(deps, subscription.id, attempt.at);
    return 'delivered';
  }
  return await afterFailure(deps, subscription, ref, made, attempt, (change) =>
    update({ ...change, attempts: made, attempt }),
  );
}

/**
 * A failed attempt: counted against the endpoint, then the delivery is scheduled again, given up once the
 * schedule is spent, or cancelled with the subscription when the endpoint has failed long and often enough.
 */
async function afterFailure(
  deps: Deps,
  subscription: WebhookSubscription,
  ref: DeliveryRef,
  attemptsMade: number,
  attempt: DeliveryAttempt,
  write: (change: DeliveryChange) => Promise<boolean>,
): Promise<DeliveryOutcome> {
  const now = deps.clock.now();
  const at = now.toISOString();
  cache.delete(deps);
  logger.info('webhook attempt failed', {
    subscriptionId: subscription.id,
    messageId: ref.messageId,
    attempt: attemptsMade,
    statusCode: attempt.statusCode,
    error: attempt.error,
  });
  const streak = await recordEndpointFailure(deps, subscription.id, at);
  if (!streak) {
    await write({ status: 'cancelled', cancelReason: 'subscription disabled', updatedAt: at });
    return 'cancelled';
  }
  if (shouldDisable(streak, now, deps.webhooks.policy)) {
    if (await succeededSince(deps, subscription.id, streak.failingSince)) {
      // A success this container's cached view did not see: the streak was over already.
      await recordEndpointSuccess(deps, subscription.id, at);
    } else {
      const reason =
        `subscription disabled after ${streak.consecutiveFailures} failed attempts in a row ` +
        `since ${streak.failingSince}`;
      const event = disabledEvent(streak, 'failures', at, {
        statusCode: attempt.statusCode,
        error: attempt.error,
      });
      // The delivery log says why before the subscription says it is off.
      await write({ status: 'cancelled', cancelReason: reason, updatedAt: at });
      if (await disableForFailures(deps, subscription.id, at, event)) {
        logger.warn('webhook subscription disabled', {
          subscriptionId: subscription.id,
          consecutiveFailures: streak.consecutiveFailures,
          failingSince: streak.failingSince,
        });
        await syncWebhookRule(deps);
      }
      return 'disabled';
    }
  }
  const delay = retryDelayMs(attemptsMade, deps.webhooks.policy);
  if (delay === undefined) {
    await write({ status: 'failed', updatedAt: at });
    return 'failed';
  }
  const nextAttemptAt = new Date(now.getTime() + delay).toISOString();
  // The retry is sent before the record says it is pending: a pending record always has its retry on the
  // queue. If the write then fails, the message is tried again and may send a second retry, which finds the
  // attempts moved on and is dropped (stale).
  await scheduleRetry(deps, ref, attemptsMade + 1, nextAttemptAt);
  await write({ status: 'pending', nextAttemptAt, updatedAt: at });
  return 'retrying';
}

/** Whether the endpoint took any delivery since `since` (the newest deliveries are enough to tell). */
async function succeededSince(
  deps: Deps,
  subscriptionId: string,
  since: string | undefined,
): Promise<boolean> {
  if (!since) return false;
  const { items } = await listDeliveries(deps, subscriptionId, { limit: 25, consistent: true });
  return items.some((item) => item.deliveredAt !== undefined && item.deliveredAt >= since);
}

async function scheduleRetry(
  deps: Deps,
  ref: DeliveryRef,
  attempt: number,
  nextAttemptAt: string | undefined,
) {
  const { retries } = deps.webhooks;
  const wait = nextAttemptAt ? Math.max(0, Date.parse(nextAttemptAt) - deps.clock.now().getTime()) : 0;
  await retries.schedule(retryMessageBody({ ...ref, attempt }), Math.min(wait, retries.maxDelayMs));
}

// ----- One attempt -------------------------------------------------------------------------------------

/** One signed POST. The previous secret signs too while a rotation's overlap lasts. */
async function send(
  deps: Deps,
  subscription: WebhookSubscription,
  messageId: string,
  body: string,
): Promise<DeliveryAttempt> {
  const now = deps.clock.now();
  const secrets = subscription.secrets
    .filter((s, index) => index === 0 || (s.expiresAt !== undefined && s.expiresAt > now.toISOString()))
    .map((s) => s.secret);
  const response = await deps.webhooks.sender.send({
    url: subscription.url,
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'oms-webhooks/1',
      ...signedHeaders({ messageId, timestamp: Math.floor(now.getTime() / 1000), body, secrets }),
    },
    timeoutMs: deps.webhooks.policy.timeoutMs,
  });
  return {
    at: now.toISOString(),
    durationMs: Math.round(response.durationMs),
    ...(response.statusCode !== undefined ? { statusCode: response.statusCode } : {}),
    ...(response.error !== undefined ? { error: response.error } : {}),
  };
}
