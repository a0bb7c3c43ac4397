import type { QueueName } from './functions.js';
import { WEBHOOK_RULE_NAME, webhookRulePattern } from './webhooks.js';

/**
 * EventBridge rules, declared once. The CDK stack creates one rule per entry on the OMS bus with an SQS
 * target; the local bus (local/event-bus.ts) evaluates the same patterns with EventBridge semantics.
 */
export interface EventRuleSpec {
  name: string;
  description: string;
  target: QueueName;
  pattern: Record<string, unknown>;
}

export const eventRules: readonly EventRuleSpec[] = [
  {
    name: 'orders-to-marketing',
    description:
      'Placed orders and abandoned carts feed customer and product interest (only what marketing reads reaches it)',
    target: 'marketing',
    pattern: {
      source: ['oms.orders', 'oms.carts'],
      'detail-type': ['OrderPlaced', 'CartAbandoned'],
    },
  },
  {
    name: 'stock-received-to-backorders',
    description: 'Arriving stock re-drives backordered orders, oldest first',
    target: 'backorders',
    pattern: {
      source: ['oms.inventory'],
      'detail-type': ['StockReceived'],
    },
  },
  {
    name: 'money-to-accounting',
    description: 'Money that moved (captures, refunds, approved freight invoices) for the ledger',
    target: 'accounting',
    pattern: {
      source: ['oms.billing', 'oms.logistics'],
      'detail-type': ['PaymentCaptured', 'PaymentRefunded', 'FreightInvoiceApproved'],
    },
  },
  {
    name: 'orders-to-notifications',
    description:
      'Order events the customer is told about (confirmed, delayed, failed or cancelled by an agent, refunded); shipped is the Notify step',
    target: 'notifications',
    pattern: {
      source: ['oms.inventory', 'oms.disruptions', 'oms.orders', 'oms.billing'],
      'detail-type': [
        'OrderAllocated',
        'OrderDelayed',
        'OrderFailed',
        'OrderCancelled',
        'OrderLinesCancelled',
        'PaymentRefunded',
      ],
    },
  },
  {
    name: WEBHOOK_RULE_NAME,
    description:
      'Events enabled webhook subscriptions ask for; the pattern is re-pointed at run time (decision 0008)',
    target: 'webhooks',
    // As deployed: routes nothing until a subscription exists. PutRule then follows the subscriptions.
    pattern: webhookRulePattern([]),
  },
];

/** Queue settings shared by both runtimes. */
export const queueSettings = {
  maxReceiveCount: 3,
  visibilityTimeoutSeconds: 60,
  batchSize: 10,
} as const;

/**
 * The event source mapping's batching window, per queue that has one: the mapping waits up to this long
 * for a fuller batch, so one receive, one delete and one invocation serve several messages. Only where a
 * few seconds of latency is news to nobody (docs/cost.md): customer notifications, marketing's interest
 * counters and accounting's journal entries (each message one order; the sale is posted seconds later).
 */
export const queueBatchingWindowSeconds: Partial<Record<QueueName, number>> = {
  notifications: 2,
  marketing: 10,
  accounting: 10,
};
