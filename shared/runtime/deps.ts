import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AgentDirectory } from '../ports/agent-directory.js';
import type { CarrierGateway } from '../ports/carrier-gateway.js';
import type { Clock, Ids } from '../ports/clock.js';
import type { CustomerMessages } from '../ports/customer-messages.js';
import type { EventPublisher } from '../ports/event-publisher.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { PaymentGateway } from '../ports/payment-gateway.js';
import type { QueueDepths } from '../ports/queue-depths.js';
import type { SecretStore } from '../ports/secret-store.js';
import type { SupplierOrders } from '../ports/supplier-orders.js';
import type { WebhookDeps } from '../ports/webhooks.js';
import type { TaskCallbacks, WorkflowStarter } from '../ports/workflow.js';

/**
 * Everything a handler needs from the outside world. Built in exactly two places: shared/runtime/aws.ts
 * (inside Lambda) and local/runtime.ts (the embedded runtime). Handlers ask for it with `deps()`.
 */
export interface Deps {
  db: DynamoDBDocumentClient;
  tableName: string;
  events: EventPublisher;
  /** The Standard order-fulfillment workflow: allocate, then wait for the pick confirmation. */
  workflows: WorkflowStarter;
  /**
   * The Express order-shipping workflow (select carrier, bill, notify), started by the pick confirmation.
   * Express runs are not deduplicated by name on AWS, and `isRunning` cannot see them there (always false):
   * every step is idempotent, so a second run changes nothing twice.
   */
  shipping: WorkflowStarter;
  taskCallbacks: TaskCallbacks;
  payments: PaymentGateway;
  carriers: CarrierGateway;
  objects: ObjectStore;
  secrets: SecretStore;
  /** Sends purchase orders to suppliers: SES email on AWS, .eml and .json files locally ('email:send'). */
  supplierOrders: SupplierOrders;
  /** Customer notifications: SES email and SNS SMS on AWS, files under `<data dir>/mailbox` locally. */
  customerMessages: CustomerMessages;
  /** Depths of the dead-letter queues (`GET /metrics/live`; permission 'queues:read'). */
  queueDepths: QueueDepths;
  /** Outbound webhooks: HTTP to merchants' endpoints, the retry queue, the routing rule and the policy. */
  webhooks: WebhookDeps;
  /** Call-center agents: Cognito on AWS (its JWT authorizer verifies tokens), a local user store locally. */
  agents: AgentDirectory;
  clock: Clock;
  ids: Ids;
}

let current: Deps | undefined;
let factory: (() => Deps) | undefined;

/** Installs the dependencies (the local runtime and tests call this before invoking any handler). */
export function provideDeps(value: Deps): void {
  current = value;
}

/** Registers how to build the dependencies lazily on first use (the Lambda runtime does this). */
export function provideDepsFactory(build: () => Deps): void {
  factory = build;
}

export function deps(): Deps {
  if (!current) {
    if (!factory)
      throw new Error('No dependencies provided: call provideDeps() or provideDepsFactory() first');
    current = factory();
  }
  return current;
}
