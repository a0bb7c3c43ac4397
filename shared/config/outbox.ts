/**
 * Which stream records the outbox publisher receives, declared once: the CDK stack puts this pattern in the
 * event source mapping's filter criteria, and the local stream reader evaluates it with EventBridge pattern
 * semantics (the same language Lambda event filtering uses). Only writes whose item carries an outbox reach
 * the function; it then publishes those whose outbox is new (shared/app/publish-outbox.ts).
 */
export const outboxStreamFilter = {
  eventName: ['INSERT', 'MODIFY'],
  dynamodb: { NewImage: { outboxId: { S: [{ exists: true }] } } },
} as const;
