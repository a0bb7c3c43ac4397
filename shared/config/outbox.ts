/**
 * Which stream records the outbox publisher receives, declared once: the CDK stack puts this pattern in the
 * event source mapping's filter criteria, and the local stream reader evaluates it with EventBridge pattern
 * semantics (the same language Lambda event filtering uses).
 */
export const outboxStreamFilter = {
  eventName: ['INSERT'],
  dynamodb: { Keys: { pk: { S: [{ prefix: 'OUTBOX#' }] } } },
} as const;
