/**
 * Which events the bus routes to outbound webhooks. The `events-to-webhooks` rule's pattern follows the
 * detail-types enabled subscriptions ask for, so events nobody subscribed to never reach the webhooks queue
 * (docs/decisions/0008-outbound-webhook-routing.md). EventBridge PutRule on that one rule on AWS
 * (shared/adapters/aws/event-bridge-routing.ts, permission 'webhook-rule:update'); the in-process bus's
 * rule locally (LocalEventBus.setRulePattern).
 */
export interface EventRouting {
  /** Replaces the rule's pattern; an empty list makes it route nothing. */
  setWebhookEventTypes(eventTypes: readonly string[]): Promise<void>;
}
