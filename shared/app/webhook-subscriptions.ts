import { z } from 'zod';
import { webhookLimits } from '../config/webhooks.js';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.js';
import { newSigningSecret, parseWebhookUrl, subscribableEventTypes } from '../domain/webhooks.js';
import { WebhookSubscriptionDisabled } from '../events/catalogue.js';
import type { DomainEvent } from '../events/envelope.js';
import { logger } from '../observability.js';
import type { Deps } from '../runtime/deps.js';
import { decodeCursor, encodeCursor } from '../store/db.js';
import { keys } from '../store/keys.js';
import {
  getSubscription,
  listDeliveries,
  listSubscriptions,
  putSubscription,
  replaceSubscription,
  type WebhookDelivery,
  type WebhookSubscription,
} from '../store/webhooks.js';

/**
 * Merchants' webhook subscriptions: create, change, enable and disable, rotate the secret, read the delivery
 * log. Every change that alters what enabled subscriptions ask for recomputes the `events-to-webhooks`
 * rule (docs/decisions/0008-outbound-webhook-routing.md).
 */

export const SubscriptionIdSchema = z.string().regex(/^whs_[0-9A-Z]{26}$/, 'a subscription id (whs_…)');

const EventTypeSchema = z.enum(subscribableEventTypes as [string, ...string[]]);

export const SubscriptionBodySchema = z.strictObject({
  url: z.string().min(1).max(webhookLimits.maxUrlLength),
  eventTypes: z
    .array(EventTypeSchema)
    .min(1)
    .max(webhookLimits.maxEventTypes)
    .transform((types) => [...new Set(types)].sort()),
  description: z.string().max(webhookLimits.maxDescriptionLength).optional(),
});
export type SubscriptionBody = z.infer<typeof SubscriptionBodySchema>;

/** PUT replaces what a merchant sets, and says whether the subscription is on. */
export const UpdateSubscriptionBodySchema = SubscriptionBodySchema.extend({ enabled: z.boolean() });
export type UpdateSubscriptionBody = z.infer<typeof UpdateSubscriptionBodySchema>;

export const RotateSecretBodySchema = z.strictObject({
  /** How long the previous secret keeps signing beside the new one. */
  overlapSeconds: z.number().int().min(0).max(webhookLimits.maxRotationOverlapSeconds).optional(),
});

/** A subscription as the API shows it: never its secret. */
export interface SubscriptionView {
  id: string;
  url: string;
  eventTypes: string[];
  description?: string;
  status: WebhookSubscription['status'];
  consecutiveFailures: number;
  failingSince?: string;
  lastFailureAt?: string;
  lastSuccessAt?: string;
  disabledAt?: string;
  disabledReason?: WebhookSubscription['disabledReason'];
  /** During a rotation: until when the previous secret still signs. */
  previousSecretExpiresAt?: string;
  createdAt: string;
  updatedAt: string;
}

export function toSubscriptionView(subscription: WebhookSubscription, now: Date): SubscriptionView {
  const { secrets, ...rest } = subscription;
  const previous = secrets.find((s, index) => index > 0 && s.expiresAt && s.expiresAt > now.toISOString());
  return {
    id: rest.id,
    url: rest.url,
    eventTypes: rest.eventTypes,
    ...(rest.description !== undefined ? { description: rest.description } : {}),
    status: rest.status,
    consecutiveFailures: rest.consecutiveFailures ?? 0,
    ...(rest.failingSince ? { failingSince: rest.failingSince } : {}),
    ...(rest.lastFailureAt ? { lastFailureAt: rest.lastFailureAt } : {}),
    ...(rest.lastSuccessAt ? { lastSuccessAt: rest.lastSuccessAt } : {}),
    ...(rest.disabledAt ? { disabledAt: rest.disabledAt } : {}),
    ...(rest.disabledReason ? { disabledReason: rest.disabledReason } : {}),
    ...(previous?.expiresAt ? { previousSecretExpiresAt: previous.expiresAt } : {}),
    createdAt: rest.createdAt,
    updatedAt: rest.updatedAt,
  };
}

const urlOf = (deps: Deps, url: string) =>
  parseWebhookUrl(url, { allowHttpLoopback: deps.webhooks.policy.allowHttpLoopback });

/** The detail-types enabled subscriptions ask for, sorted, each once. */
export function enabledEventTypes(subscriptions: readonly WebhookSubscription[]): string[] {
  return [
    ...new Set(subscriptions.filter((s) => s.status === 'enabled').flatMap((s) => s.eventTypes)),
  ].sort();
}

/**
 * Points the webhooks rule at what the enabled subscriptions ask for. The read is consistent and is made
 * again after the rule is written: when another change landed in between, the rule is written once more, so
 * two concurrent changes cannot leave it with the older list.
 */
export async function syncWebhookRule(deps: Deps): Promise<string[]> {
  let types = enabledEventTypes(await listSubscriptions(deps, { consistent: true }));
  for (let round = 0; round < 3; round += 1) {
    await deps.webhooks.routing.setWebhookEventTypes(types);
    const again = enabledEventTypes(await listSubscriptions(deps, { consistent: true }));
    if (again.join('\n') === types.join('\n')) return types;
    types = again;
  }
  await deps.webhooks.routing.setWebhookEventTypes(types);
  return types;
}

export async function createSubscription(
  deps: Deps,
  body: SubscriptionBody,
): Promise<{ subscription: SubscriptionView; secret: string }> {
  const url = urlOf(deps, body.url);
  if ((await listSubscriptions(deps)).length >= webhookLimits.maxSubscriptions) {
    throw new ConflictError(`at most ${webhookLimits.maxSubscriptions} webhook subscriptions can exist`);
  }
  const now = deps.clock.now();
  const at = now.toISOString();
  const secret = newSigningSecret();
  const subscription: WebhookSubscription = {
    id: deps.ids.next('whs'),
    url,
    eventTypes: body.eventTypes,
    ...(body.description !== undefined ? { description: body.description } : {}),
    status: 'enabled',
    secrets: [{ secret, createdAt: at }],
    consecutiveFailures: 0,
    createdAt: at,
    updatedAt: at,
  };
  await putSubscription(deps, subscription);
  await syncWebhookRule(deps);
  logger.info('webhook subscription created', {
    subscriptionId: subscription.id,
    eventTypes: subscription.eventTypes,
  });
  return { subscription: toSubscriptionView(subscription, now), secret };
}

export async function getSubscriptionView(deps: Deps, id: string): Promise<SubscriptionView> {
  const subscription = SubscriptionIdSchema.safeParse(id).success
    ? await getSubscription(deps, id)
    : undefined;
  if (!subscription) throw new NotFoundError(`webhook subscription ${id} does not exist`);
  return toSubscriptionView(subscription, deps.clock.now());
}

export async function listSubscriptionViews(deps: Deps): Promise<SubscriptionView[]> {
  const now = deps.clock.now();
  return (await listSubscriptions(deps)).map((subscription) => toSubscriptionView(subscription, now));
}

/**
 * A read-modify-write on one subscription, tried again while others change it at the same time (the
 * dispatcher counts failures on the same item).
 */
async function changeSubscription(
  deps: Deps,
  id: string,
  change: (current: WebhookSubscription, at: string) => { next: WebhookSubscription; events?: DomainEvent[] },
): Promise<{ before: WebhookSubscription; after: WebhookSubscription }> {
  if (!SubscriptionIdSchema.safeParse(id).success) {
    throw new NotFoundError(`webhook subscription ${id} does not exist`);
  }
  for (let attempt = 0; attempt < 6; attempt += 1) {
    const current = await getSubscription(deps, id);
    if (!current) throw new NotFoundError(`webhook subscription ${id} does not exist`);
    const at = deps.clock.now().toISOString();
    // updatedAt is the optimistic lock: it must move even when two writes share a millisecond.
    const updatedAt = at > current.updatedAt ? at : new Date(Date.parse(current.updatedAt) + 1).toISOString();
    const { next, events = [] } = change(current, updatedAt);
    if (await replaceSubscription(deps, current, { ...next, updatedAt }, events)) {
      return { before: current, after: { ...next, updatedAt } };
    }
  }
  throw new ConflictError(`webhook subscription ${id} kept changing; retry`);
}

/**
 * Replaces the URL, event types and description, and enables or disables. Enabling starts the failure count
 * afresh; disabling an enabled subscription announces `WebhookSubscriptionDisabled` (reason `manual`).
 */
export async function updateSubscription(
  deps: Deps,
  id: string,
  body: UpdateSubscriptionBody,
): Promise<SubscriptionView> {
  const url = urlOf(deps, body.url);
  const { after } = await changeSubscription(deps, id, (current, at) => {
    const { description: _old, ...kept } = current;
    const settings = {
      ...kept,
      url,
      eventTypes: body.eventTypes,
      ...(body.description !== undefined ? { description: body.description } : {}),
    };
    if (body.enabled) {
      const { failingSince: _since, disabledAt: _at, disabledReason: _reason, ...enabled } = settings;
      return {
        next: {
          ...enabled,
          status: 'enabled',
          consecutiveFailures: current.status === 'enabled' ? current.consecutiveFailures : 0,
          ...(current.status === 'enabled' && current.failingSince
            ? { failingSince: current.failingSince }
            : {}),
        },
      };
    }
    if (current.status === 'disabled') return { next: settings };
    return {
      next: { ...settings, status: 'disabled', disabledAt: at, disabledReason: 'manual' },
      events: [disabledEvent(current, 'manual', at)],
    };
  });
  // Every PUT re-syncs the rule, changed or not: the way to restore its pattern after a deployment reset it
  // (docs/decisions/0008-outbound-webhook-routing.md).
  await syncWebhookRule(deps);
  return toSubscriptionView(after, deps.clock.now());
}

/**
 * A new signing secret, shown once. The previous one keeps signing beside it for `overlapSeconds` (24 h by
 * default), so the endpoint can switch secrets without refusing a delivery; an older one is dropped.
 */
export async function rotateSubscriptionSecret(
  deps: Deps,
  id: string,
  overlapSeconds: number = webhookLimits.defaultRotationOverlapSeconds,
): Promise<{ subscription: SubscriptionView; secret: string }> {
  const secret = newSigningSecret();
  const { after } = await changeSubscription(deps, id, (current, at) => {
    const [previous] = current.secrets;
    const expiresAt = new Date(Date.parse(at) + overlapSeconds * 1000).toISOString();
    return {
      next: {
        ...current,
        secrets: [
          { secret, createdAt: at },
          ...(previous && overlapSeconds > 0
            ? [{ secret: previous.secret, createdAt: previous.createdAt, expiresAt }]
            : []),
        ],
      },
    };
  });
  logger.info('webhook secret rotated', { subscriptionId: id, overlapSeconds });
  return { subscription: toSubscriptionView(after, deps.clock.now()), secret };
}

export function disabledEvent(
  subscription: WebhookSubscription,
  reason: 'failures' | 'manual',
  at: string,
  last: { statusCode?: number | undefined; error?: string | undefined } = {},
): DomainEvent {
  return WebhookSubscriptionDisabled.create(
    {
      subscriptionId: subscription.id,
      reason,
      eventTypes: subscription.eventTypes,
      consecutiveFailures: subscription.consecutiveFailures ?? 0,
      ...(subscription.failingSince ? { failingSince: subscription.failingSince } : {}),
      ...(last.statusCode !== undefined ? { lastStatusCode: last.statusCode } : {}),
      ...(last.error !== undefined ? { lastError: last.error } : {}),
    },
    {
      correlationId: subscription.id,
      idempotencyKey: `${subscription.id}:disabled:${at}`,
      occurredAt: new Date(at),
    },
  );
}

// ----- Delivery log ------------------------------------------------------------------------------------

export const DeliveryLogQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(2000).optional(),
});

export interface DeliveryView {
  messageId: string;
  eventId: string;
  eventType: string;
  occurredAt: string;
  status: WebhookDelivery['status'];
  attempts: number;
  lastStatusCode?: number;
  lastError?: string;
  lastAttemptAt?: string;
  nextAttemptAt?: string;
  deliveredAt?: string;
  cancelReason?: string;
  attemptLog: WebhookDelivery['attemptLog'];
}

const toDeliveryView = (d: WebhookDelivery): DeliveryView => ({
  messageId: d.messageId,
  eventId: d.eventId,
  eventType: d.eventType,
  occurredAt: d.occurredAt,
  status: d.status,
  attempts: d.attempts,
  ...(d.lastStatusCode !== undefined ? { lastStatusCode: d.lastStatusCode } : {}),
  ...(d.lastError !== undefined ? { lastError: d.lastError } : {}),
  ...(d.lastAttemptAt !== undefined ? { lastAttemptAt: d.lastAttemptAt } : {}),
  ...(d.nextAttemptAt !== undefined ? { nextAttemptAt: d.nextAttemptAt } : {}),
  ...(d.deliveredAt !== undefined ? { deliveredAt: d.deliveredAt } : {}),
  ...(d.cancelReason !== undefined ? { cancelReason: d.cancelReason } : {}),
  attemptLog: d.attemptLog ?? [],
});

/** A page of the delivery log, newest event first; `nextCursor` pages on. */
export async function deliveryLog(
  deps: Deps,
  id: string,
  query: z.infer<typeof DeliveryLogQuerySchema>,
): Promise<{ items: DeliveryView[]; nextCursor: string | null }> {
  await getSubscriptionView(deps, id);
  const startKey = decodeCursor(query.cursor);
  if (query.cursor !== undefined) {
    const valid =
      startKey !== undefined &&
      Object.keys(startKey).length === 2 &&
      startKey.pk === keys.webhookDeliveries(id) &&
      typeof startKey.sk === 'string' &&
      startKey.sk.startsWith('DELIVERY#');
    if (!valid) {
      throw new ValidationError('cursor: not a cursor this listing returned', [
        { field: 'cursor', message: 'not a cursor this listing returned' },
      ]);
    }
  }
  const page = await listDeliveries(deps, id, { limit: query.limit, startKey });
  return { items: page.items.map(toDeliveryView), nextCursor: encodeCursor(page.lastKey) ?? null };
}
