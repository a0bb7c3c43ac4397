/**
 * Outbound webhooks, declared once: the EventBridge rule that feeds the `webhooks` queue, the retry schedule,
 * the limits and when a failing endpoint is switched off. Both runtimes read it (docs/outbound-webhooks.md,
 * docs/decisions/0008-outbound-webhook-routing.md).
 */

/** The rule of shared/config/event-rules.ts whose pattern follows the enabled subscriptions. */
export const WEBHOOK_RULE_NAME = 'events-to-webhooks';

/** A detail-type no event has: the rule's pattern while no enabled subscription asks for anything. */
export const NO_WEBHOOK_EVENTS = '__none__';

/**
 * The pattern of the webhooks rule for the detail-types enabled subscriptions ask for. OMS events only
 * (`source` oms.*); with none, a detail-type no event has, so the rule routes nothing and an order pays
 * nothing for webhooks nobody subscribed to.
 */
export function webhookRulePattern(eventTypes: readonly string[]): Record<string, unknown> {
  const types = [...new Set(eventTypes)].sort();
  return {
    source: [{ prefix: 'oms.' }],
    'detail-type': types.length > 0 ? types : [NO_WEBHOOK_EVENTS],
  };
}

/**
 * Waits before the 2nd, 3rd… attempt, as multiples of the base (30 s): 30 s, 2 min, 10 min, 1 h, 3 h, 6 h,
 * 12 h. Eight attempts over about 22 hours, then the delivery is given up (`failed`).
 */
export const RETRY_STEPS: readonly number[] = [1, 4, 20, 120, 360, 720, 1440];

export interface WebhookPolicy {
  /** Waits before each retry, ms; one more attempt than there are entries. */
  retryDelaysMs: readonly number[];
  /** Each wait is drawn from ±jitter of its value, so retries of many deliveries do not arrive together. */
  jitter: number;
  /** One attempt: connect, send, and read the status line, ms. */
  timeoutMs: number;
  /**
   * A subscription is disabled once its endpoint failed this many attempts in a row (no 2xx in between)
   * and has been failing for at least this long: a short outage never switches it off.
   */
  disableAfter: { failures: number; ms: number };
  /** How long the dispatcher reuses its read of the subscriptions. */
  subscriptionCacheMs: number;
  /**
   * `http://localhost`, `127.0.0.1` and `[::1]` accepted as endpoints (and loopback addresses connected to):
   * the local runtime, or OMS_ALLOW_HTTP_WEBHOOKS=true. Never on a deployed stack.
   */
  allowHttpLoopback: boolean;
}

export const webhookLimits = {
  /** Subscriptions at most (enabled or not): they are all read in one Query by the dispatcher. */
  maxSubscriptions: 500,
  maxEventTypes: 50,
  maxUrlLength: 2048,
  maxDescriptionLength: 500,
  /** Delivery items and the bodies of pending ones are kept this long (TTL). */
  deliveryRetentionDays: 30,
  /** Attempts kept on a delivery item for the log (the schedule makes at most 8). */
  attemptsLogged: 20,
  /** How long the previous secret still signs after a rotation, unless the request says otherwise. */
  defaultRotationOverlapSeconds: 24 * 3600,
  maxRotationOverlapSeconds: 7 * 24 * 3600,
} as const;

export const RETRY_BASE_MS = 30_000;

export interface WebhookPolicyOverrides {
  /** Scales the retry schedule: 30 000 on AWS; tests use a few ms. */
  retryBaseMs?: number;
  timeoutMs?: number;
  disableAfterFailures?: number;
  disableAfterMs?: number;
  subscriptionCacheMs?: number;
  allowHttpLoopback?: boolean;
}

export function webhookPolicy(overrides: WebhookPolicyOverrides = {}): WebhookPolicy {
  const base = overrides.retryBaseMs ?? RETRY_BASE_MS;
  return {
    retryDelaysMs: RETRY_STEPS.map((step) => step * base),
    jitter: 0.1,
    timeoutMs: overrides.timeoutMs ?? 5000,
    disableAfter: {
      failures: overrides.disableAfterFailures ?? 10,
      ms: overrides.disableAfterMs ?? 24 * 3600 * 1000,
    },
    subscriptionCacheMs: overrides.subscriptionCacheMs ?? 10_000,
    allowHttpLoopback: overrides.allowHttpLoopback ?? false,
  };
}

/** Environment variables that override the policy (both runtimes; local/main.ts passes them on). */
export const webhookEnv = {
  retryBaseMs: 'OMS_WEBHOOK_RETRY_BASE_MS',
  timeoutMs: 'OMS_WEBHOOK_TIMEOUT_MS',
  disableAfterFailures: 'OMS_WEBHOOK_DISABLE_AFTER_FAILURES',
  disableAfterMs: 'OMS_WEBHOOK_DISABLE_AFTER_MS',
  allowHttpLoopback: 'OMS_ALLOW_HTTP_WEBHOOKS',
} as const;

/** The overrides set in `env`; a value that is not a non-negative number is ignored. */
export function webhookOverridesFromEnv(env: NodeJS.ProcessEnv): WebhookPolicyOverrides {
  const number = (name: string): number | undefined => {
    const text = env[name];
    if (text === undefined || text.trim() === '') return undefined;
    const value = Number(text);
    return Number.isFinite(value) && value >= 0 ? value : undefined;
  };
  const overrides: WebhookPolicyOverrides = {};
  const retryBaseMs = number(webhookEnv.retryBaseMs);
  if (retryBaseMs !== undefined) overrides.retryBaseMs = retryBaseMs;
  const timeoutMs = number(webhookEnv.timeoutMs);
  if (timeoutMs !== undefined) overrides.timeoutMs = timeoutMs;
  const failures = number(webhookEnv.disableAfterFailures);
  if (failures !== undefined) overrides.disableAfterFailures = failures;
  const afterMs = number(webhookEnv.disableAfterMs);
  if (afterMs !== undefined) overrides.disableAfterMs = afterMs;
  if (env[webhookEnv.allowHttpLoopback] === 'true') overrides.allowHttpLoopback = true;
  return overrides;
}
