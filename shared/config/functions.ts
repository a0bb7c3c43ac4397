/**
 * Every Lambda function of the OMS, declared once. The CDK stack creates one NodejsFunction per entry and
 * wires its trigger; the local runtime routes HTTP requests, workflow tasks, queue messages and schedules to
 * the same handler modules from this list.
 */
export type Permission =
  | 'table:read'
  | 'table:write'
  | 'bus:put'
  | 'workflow:start'
  | 'workflow:callback'
  /** Whether an order's execution is still running (the reconciler). */
  | 'workflow:read'
  /** Start the Express order-shipping run of a picked order (the pick confirmation, the reconciler). */
  | 'shipping:start'
  | 'bucket:read'
  | 'bucket:write'
  | 'secrets:read'
  /** The API keys the request authorizer checks bearers against (one SSM parameter). */
  | 'apikeys:read'
  /** Send email from the purchasing identity only (SES SendEmail; purchase orders, customer notifications). */
  | 'email:send'
  /** Send SMS to a phone number (SNS Publish; customer notifications). SNS cannot scope this to a resource. */
  | 'sms:send'
  /** The depth of the dead-letter queues (SQS GetQueueAttributes on them, and on no other queue). */
  | 'queues:read'
  /** Re-point the `events-to-webhooks` rule at the enabled subscriptions' event types (PutRule on that rule). */
  | 'webhook-rule:update'
  /** Send delayed webhook retries back to the webhooks queue (SQS SendMessage on that queue only). */
  | 'webhook-retry:send';

export type QueueName = 'marketing' | 'accounting' | 'backorders' | 'webhooks' | 'notifications';
export const QUEUE_NAMES: readonly QueueName[] = [
  'marketing',
  'accounting',
  'backorders',
  'webhooks',
  'notifications',
];
export type ScheduleName = 'reorder' | 'reporting' | 'ledger-export' | 'reconcile' | 'abandoned-carts';

export type Trigger =
  | { kind: 'http'; method: 'GET' | 'POST' | 'PUT' | 'DELETE'; path: string }
  /** A Task state in an ASL file names the function through `${substitution}`. */
  | { kind: 'workflow'; substitution: string }
  | { kind: 'queue'; queue: QueueName }
  /** The table's stream, filtered to outbox rows (the transactional outbox's publisher). */
  | { kind: 'stream' }
  | { kind: 'schedule'; schedule: ScheduleName }
  /** The HTTP API's request authorizer, run before every non-webhook route (see infra/constructs/api.ts). */
  | { kind: 'authorizer' };

export interface FunctionSpec {
  /** Kebab-case, unique; also the folder name under functions/<context>/. */
  name: string;
  context: string;
  memoryMb: number;
  timeoutSeconds: number;
  permissions: readonly Permission[];
  trigger: Trigger;
}

const api = (
  context: string,
  name: string,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  permissions: readonly Permission[],
): FunctionSpec => ({
  name,
  context,
  memoryMb: 256,
  timeoutSeconds: 10,
  permissions,
  trigger: { kind: 'http', method, path },
});

const task = (
  context: string,
  name: string,
  substitution: string,
  permissions: readonly Permission[],
): FunctionSpec => ({
  name,
  context,
  memoryMb: 256,
  timeoutSeconds: 30,
  permissions,
  trigger: { kind: 'workflow', substitution },
});

const intake: readonly Permission[] = ['table:read', 'table:write', 'workflow:start', 'secrets:read'];

export const functions: readonly FunctionSpec[] = [
  api('intake', 'receive-shopify-webhook', 'POST', '/webhooks/shopify', intake),
  api('intake', 'receive-woocommerce-webhook', 'POST', '/webhooks/woocommerce', intake),
  api('intake', 'receive-standard-webhook', 'POST', '/webhooks/standard', intake),
  api('orders', 'create-order', 'POST', '/orders', ['table:read', 'table:write', 'workflow:start']),
  api('orders', 'get-order', 'GET', '/orders/{id}', ['table:read']),
  api('orders', 'list-orders', 'GET', '/orders', ['table:read']),
  api('inventory', 'list-locations', 'GET', '/locations', ['table:read']),
  api('inventory', 'create-location', 'POST', '/locations', ['table:read', 'table:write']),
  api('inventory', 'put-location', 'PUT', '/locations/{id}', ['table:read', 'table:write']),
  api('inventory', 'set-stock', 'PUT', '/inventory/{locationId}/{sku}', ['table:read', 'table:write']),
  api('inventory', 'adjust-stock', 'POST', '/inventory/{locationId}/{sku}/adjustments', [
    'table:read',
    'table:write',
  ]),
  api('inventory', 'add-scheduled-receipt', 'POST', '/inventory/{locationId}/{sku}/scheduled-receipts', [
    'table:read',
    'table:write',
  ]),
  api('inventory', 'get-sku-inventory', 'GET', '/inventory/{sku}', ['table:read']),
  api('inventory', 'list-movements', 'GET', '/inventory/{sku}/movements', ['table:read']),
  api('inventory', 'set-stock-buckets', 'PUT', '/skus/{sku}/stock-buckets', ['table:read', 'table:write']),
  api('inventory', 'get-availability', 'GET', '/availability', ['table:read']),
  api('fulfillment', 'confirm-pick', 'POST', '/pick-tickets/{id}/confirm', [
    'table:read',
    'table:write',
    'workflow:callback',
    'shipping:start',
  ]),
  task('inventory', 'allocate-order', 'AllocateOrderFunctionArn', ['table:read', 'table:write']),
  task('inventory', 'release-allocation', 'ReleaseAllocationFunctionArn', ['table:read', 'table:write']),
  task('fulfillment', 'select-carrier', 'SelectCarrierFunctionArn', ['table:read', 'table:write']),
  task('billing', 'bill-order', 'BillOrderFunctionArn', ['table:read', 'table:write']),
  task('billing', 'cancel-payment', 'CancelPaymentFunctionArn', ['table:read', 'table:write']),
  task('notifications', 'notify-customer', 'NotifyCustomerFunctionArn', [
    'table:read',
    'table:write',
    'email:send',
    'sms:send',
  ]),
  task('orders', 'mark-order-failed', 'MarkOrderFailedFunctionArn', ['table:read', 'table:write']),
  {
    name: 'publish-outbox',
    context: 'events',
    memoryMb: 256,
    timeoutSeconds: 30,
    permissions: ['bus:put'],
    trigger: { kind: 'stream' },
  },
  {
    name: 'record-marketing-event',
    context: 'marketing',
    memoryMb: 256,
    timeoutSeconds: 30,
    permissions: ['table:read', 'table:write'],
    trigger: { kind: 'queue', queue: 'marketing' },
  },
  {
    name: 'release-backorders',
    context: 'inventory',
    memoryMb: 256,
    timeoutSeconds: 60,
    permissions: ['table:read', 'table:write', 'workflow:start'],
    trigger: { kind: 'queue', queue: 'backorders' },
  },
  {
    name: 'record-accounting-event',
    context: 'accounting',
    memoryMb: 256,
    timeoutSeconds: 30,
    permissions: ['table:read', 'table:write'],
    trigger: { kind: 'queue', queue: 'accounting' },
  },
  {
    name: 'reconcile-orders',
    context: 'orders',
    memoryMb: 256,
    timeoutSeconds: 300,
    permissions: ['table:read', 'table:write', 'workflow:start', 'workflow:read', 'shipping:start'],
    trigger: { kind: 'schedule', schedule: 'reconcile' },
  },
  {
    name: 'propose-reorders',
    context: 'jobs',
    memoryMb: 512,
    timeoutSeconds: 300,
    permissions: ['table:read', 'table:write', 'bucket:write', 'email:send'],
    trigger: { kind: 'schedule', schedule: 'reorder' },
  },
  {
    name: 'build-daily-report',
    context: 'jobs',
    memoryMb: 512,
    timeoutSeconds: 300,
    permissions: ['table:read', 'bucket:write'],
    trigger: { kind: 'schedule', schedule: 'reporting' },
  },
  {
    name: 'export-ledger',
    context: 'billing',
    memoryMb: 512,
    timeoutSeconds: 300,
    permissions: ['table:read', 'bucket:write'],
    trigger: { kind: 'schedule', schedule: 'ledger-export' },
  },
  api('monitoring', 'get-live-metrics', 'GET', '/metrics/live', ['table:read', 'queues:read']),
  // Applying a disruption reads every open order of the network: more time and memory than a lookup.
  {
    ...api('disruptions', 'create-disruption', 'POST', '/disruptions', [
      'table:read',
      'table:write',
      'bucket:read',
      'bucket:write',
    ]),
    memoryMb: 512,
    timeoutSeconds: 29,
  },
  api('disruptions', 'list-disruptions', 'GET', '/disruptions', ['table:read']),
  api('disruptions', 'get-disruption', 'GET', '/disruptions/{id}', ['table:read']),
  // A report missing from the bucket is built in the request: the scheduled job's reads, within the HTTP
  // API's 30-second limit.
  {
    ...api('jobs', 'get-daily-report', 'GET', '/reports/daily', [
      'table:read',
      'bucket:read',
      'bucket:write',
    ]),
    memoryMb: 1024,
    timeoutSeconds: 29,
  },
  {
    ...api('jobs', 'get-daily-report-chart', 'GET', '/reports/daily/{date}/trend.svg', [
      'table:read',
      'bucket:read',
      'bucket:write',
    ]),
    memoryMb: 1024,
    timeoutSeconds: 29,
  },
  api('purchasing', 'create-supplier', 'POST', '/suppliers', ['table:write']),
  api('purchasing', 'list-suppliers', 'GET', '/suppliers', ['table:read']),
  api('purchasing', 'put-supplier', 'PUT', '/suppliers/{id}', ['table:read', 'table:write']),
  api('purchasing', 'set-sku-supplier', 'PUT', '/skus/{sku}/supplier', ['table:read', 'table:write']),
  api('purchasing', 'get-sku-supplier', 'GET', '/skus/{sku}/supplier', ['table:read']),
  api('purchasing', 'create-purchase-order', 'POST', '/purchase-orders', ['table:read', 'table:write']),
  api('purchasing', 'list-purchase-orders', 'GET', '/purchase-orders', ['table:read']),
  api('purchasing', 'get-purchase-order', 'GET', '/purchase-orders/{id}', ['table:read']),
  api('purchasing', 'send-purchase-order', 'POST', '/purchase-orders/{id}/send', [
    'table:read',
    'table:write',
    'email:send',
  ]),
  api('purchasing', 'receive-purchase-order', 'POST', '/purchase-orders/{id}/receipts', [
    'table:read',
    'table:write',
  ]),
  api('purchasing', 'cancel-purchase-order', 'POST', '/purchase-orders/{id}/cancel', [
    'table:read',
    'table:write',
  ]),
  // The reorder job on demand: the scheduled run's reads and writes, within the HTTP API's 30 seconds.
  {
    ...api('jobs', 'run-reorder', 'POST', '/jobs/reorder', [
      'table:read',
      'table:write',
      'bucket:write',
      'email:send',
    ]),
    memoryMb: 512,
    timeoutSeconds: 29,
  },
  api('carts', 'record-cart-event', 'POST', '/carts/{id}/events', ['table:read', 'table:write']),
  {
    name: 'detect-abandoned-carts',
    context: 'carts',
    memoryMb: 256,
    timeoutSeconds: 300,
    permissions: ['table:read', 'table:write'],
    trigger: { kind: 'schedule', schedule: 'abandoned-carts' },
  },
  api('marketing', 'list-abandoned-carts', 'GET', '/marketing/abandoned-carts', ['table:read']),
  api('marketing', 'get-product-interest', 'GET', '/marketing/products/{sku}/interest', ['table:read']),
  api('marketing', 'get-customer-interest', 'GET', '/marketing/customers/{emailHash}/interest', [
    'table:read',
  ]),
  api('webhooks', 'create-webhook-subscription', 'POST', '/webhook-subscriptions', [
    'table:read',
    'table:write',
    'webhook-rule:update',
  ]),
  api('webhooks', 'list-webhook-subscriptions', 'GET', '/webhook-subscriptions', ['table:read']),
  api('webhooks', 'get-webhook-subscription', 'GET', '/webhook-subscriptions/{id}', ['table:read']),
  api('webhooks', 'update-webhook-subscription', 'PUT', '/webhook-subscriptions/{id}', [
    'table:read',
    'table:write',
    'webhook-rule:update',
  ]),
  api('webhooks', 'rotate-webhook-secret', 'POST', '/webhook-subscriptions/{id}/rotate-secret', [
    'table:read',
    'table:write',
  ]),
  api('webhooks', 'list-webhook-deliveries', 'GET', '/webhook-subscriptions/{id}/deliveries', ['table:read']),
  // Each attempt waits up to 5 s for an endpoint; a batch fans out to every subscriber in parallel.
  {
    name: 'deliver-webhooks',
    context: 'webhooks',
    memoryMb: 256,
    timeoutSeconds: 60,
    permissions: ['table:read', 'table:write', 'webhook-rule:update', 'webhook-retry:send'],
    trigger: { kind: 'queue', queue: 'webhooks' },
  },
  {
    name: 'record-notification-event',
    context: 'notifications',
    memoryMb: 256,
    timeoutSeconds: 30,
    permissions: ['table:read', 'table:write', 'email:send', 'sms:send'],
    trigger: { kind: 'queue', queue: 'notifications' },
  },
  api('notifications', 'list-notifications', 'GET', '/notifications', ['table:read']),
  api(
    'notifications',
    'get-notification-preferences',
    'GET',
    '/customers/{emailHash}/notification-preferences',
    ['table:read'],
  ),
  api(
    'notifications',
    'put-notification-preferences',
    'PUT',
    '/customers/{emailHash}/notification-preferences',
    ['table:write'],
  ),
  {
    name: 'authorize-request',
    context: 'auth',
    memoryMb: 256,
    timeoutSeconds: 5,
    permissions: ['apikeys:read'],
    trigger: { kind: 'authorizer' },
  },
];

/** Path of a function's handler module, relative to the repository root. */
export const handlerEntry = (spec: FunctionSpec): string =>
  `functions/${spec.context}/${spec.name}/handler.ts`;
