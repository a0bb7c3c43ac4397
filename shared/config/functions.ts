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
  | 'webhook-retry:send'
  /**
   * Put documents with a per-object S3 Object Lock retention (s3:PutObjectRetention besides bucket:write's
   * s3:PutObject); the bucket needs Object Lock enabled (docs/paperwork.md#on-aws).
   */
  | 'bucket:retain'
  /** Sign agents in with the console's Cognito app client (its id in the environment; no IAM action). */
  | 'agents:sign-in';

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
  // bucket:*: a confirmation with cartons issues the ticket's packing slip (docs/fulfillment.md#packing).
  api('fulfillment', 'confirm-pick', 'POST', '/pick-tickets/{id}/confirm', [
    'table:read',
    'table:write',
    'workflow:callback',
    'shipping:start',
    'bucket:read',
    'bucket:write',
    'bucket:retain',
  ]),
  task('inventory', 'allocate-order', 'AllocateOrderFunctionArn', ['table:read', 'table:write']),
  task('inventory', 'release-allocation', 'ReleaseAllocationFunctionArn', ['table:read', 'table:write']),
  // Bucket: the commercial invoice of a cross-border shipment (docs/paperwork.md); domestic ones write nothing.
  task('fulfillment', 'select-carrier', 'SelectCarrierFunctionArn', [
    'table:read',
    'table:write',
    'bucket:read',
    'bucket:write',
    'bucket:retain',
  ]),
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
    // workflow:callback: an escalated first-wave ticket answers the Standard workflow's wait.
    permissions: [
      'table:read',
      'table:write',
      'workflow:start',
      'workflow:read',
      'workflow:callback',
      'shipping:start',
    ],
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
    permissions: ['table:read', 'table:write', 'bucket:write'],
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
  api('shipping', 'get-freight-class', 'POST', '/shipping/freight-class', []),
  api('shipping', 'quote-shipping', 'POST', '/shipping/quotes', ['table:read']),
  api('shipping', 'put-sku-dimensions', 'PUT', '/skus/{sku}/dimensions', ['table:write']),
  // Agents sign in here (no API key, no token yet): the function checks the password with Cognito.
  api('agents', 'create-agent-session', 'POST', '/agent/session', ['agents:sign-in']),
  api('agents', 'get-agent-session', 'GET', '/agent/session', []),
  api('agents', 'search-orders', 'GET', '/agent/orders', ['table:read']),
  api('agents', 'get-agent-order', 'GET', '/agent/orders/{id}', ['table:read']),
  api('agents', 'list-agent-order-documents', 'GET', '/agent/orders/{id}/documents', ['table:read']),
  api('agents', 'get-agent-inventory', 'GET', '/agent/inventory/{sku}', ['table:read']),
  api('agents', 'get-agent-metrics', 'GET', '/agent/metrics/live', ['table:read', 'queues:read']),
  api('coupons', 'create-coupon', 'POST', '/coupons', ['table:write']),
  api('coupons', 'get-coupon', 'GET', '/coupons/{code}', ['table:read']),
  api('coupons', 'update-coupon', 'PUT', '/coupons/{code}', ['table:read', 'table:write']),
  api('coupons', 'preview-discounts', 'POST', '/discounts/preview', ['table:read']),
  // Ledger exports read a whole period and stream every format at once: the reports' memory and time.
  {
    ...api('billing', 'create-ledger-export', 'POST', '/ledger/exports', [
      'table:read',
      'table:write',
      'bucket:write',
    ]),
    memoryMb: 1024,
    timeoutSeconds: 29,
  },
  api('billing', 'list-ledger-exports', 'GET', '/ledger/exports', ['table:read']),
  // Paperwork (docs/paperwork.md) and freight audit (docs/freight-audit.md).
  api('logistics', 'list-order-documents', 'GET', '/orders/{id}/documents', ['table:read']),
  api('logistics', 'get-order-document', 'GET', '/orders/{id}/documents/{documentId}', [
    'table:read',
    'bucket:read',
  ]),
  api('logistics', 'issue-order-document', 'POST', '/orders/{id}/documents', [
    'table:read',
    'table:write',
    'bucket:read',
    'bucket:write',
    'bucket:retain',
  ]),
  {
    ...api('logistics', 'import-freight-invoice', 'POST', '/freight-invoices', ['table:read', 'table:write']),
    timeoutSeconds: 29,
  },
  api('logistics', 'get-freight-invoice', 'GET', '/freight-invoices/{id}', ['table:read']),
  api('logistics', 'approve-freight-invoice', 'POST', '/freight-invoices/{id}/approve', [
    'table:read',
    'table:write',
  ]),
  api('logistics', 'dispute-freight-invoice', 'POST', '/freight-invoices/{id}/dispute', [
    'table:read',
    'table:write',
  ]),
  api('logistics', 'get-freight-audit-report', 'GET', '/freight-audit/report', ['table:read']),
  // Pick tickets: the warehouse's queue, the printable ticket, packing, bins (docs/fulfillment.md).
  api('fulfillment', 'list-pick-tickets', 'GET', '/pick-tickets', ['table:read']),
  api('fulfillment', 'get-pick-ticket', 'GET', '/pick-tickets/{id}', ['table:read']),
  api('fulfillment', 'get-pick-ticket-pdf', 'GET', '/pick-tickets/{id}/pdf', ['table:read']),
  // Packing issues the ticket's packing slip (write-once, retained): the same rights as issue-order-document.
  api('fulfillment', 'pack-pick-ticket', 'POST', '/pick-tickets/{id}/pack', [
    'table:read',
    'table:write',
    'bucket:read',
    'bucket:write',
    'bucket:retain',
  ]),
  api('inventory', 'put-bin', 'PUT', '/locations/{id}/bins/{sku}', ['table:read', 'table:write']),
  api('payouts', 'create-payout', 'POST', '/payouts', ['table:read', 'table:write']),
  api('payouts', 'list-payouts', 'GET', '/payouts', ['table:read']),
  api('payouts', 'create-ach-file', 'POST', '/payouts/ach-files', [
    'table:read',
    'table:write',
    'bucket:write',
  ]),
  api('billing', 'refund-order', 'POST', '/orders/{id}/refunds', ['table:read', 'table:write']),
  api('accounting', 'list-ledger-entries', 'GET', '/ledger/entries', ['table:read']),
  // A trial balance and a reconciliation read a whole period of entries: more time and memory than a lookup.
  {
    ...api('accounting', 'get-trial-balance', 'GET', '/ledger/trial-balance', ['table:read']),
    memoryMb: 512,
    timeoutSeconds: 29,
  },
  {
    ...api('accounting', 'get-reconciliation', 'GET', '/ledger/reconciliation', ['table:read']),
    memoryMb: 512,
    timeoutSeconds: 29,
  },
  // Moving an order's stock may cancel the tickets the Standard workflow waits on: it answers that wait.
  api('agents', 'change-order-shipping', 'PUT', '/agent/orders/{id}/shipping', [
    'table:read',
    'table:write',
    'workflow:callback',
  ]),
  // Returns (docs/customer-service.md#returns): restocking writes stock, resolving refunds through the gateway.
  api('returns', 'create-return', 'POST', '/agent/orders/{id}/returns', ['table:read', 'table:write']),
  api('returns', 'list-order-returns', 'GET', '/agent/orders/{id}/returns', ['table:read']),
  api('returns', 'get-return', 'GET', '/agent/returns/{rmaId}', ['table:read']),
  api('returns', 'authorize-return', 'POST', '/agent/returns/{rmaId}/authorization', [
    'table:read',
    'table:write',
  ]),
  api('returns', 'refuse-return', 'POST', '/agent/returns/{rmaId}/refusal', ['table:read', 'table:write']),
  api('returns', 'receive-return', 'POST', '/agent/returns/{rmaId}/receipt', ['table:read', 'table:write']),
  // An exchange places its replacement order through the normal intake, which starts the order's workflow.
  api('returns', 'resolve-return', 'POST', '/agent/returns/{rmaId}/resolution', [
    'table:read',
    'table:write',
    'workflow:start',
  ]),
  // Appeasements refund through the payment gateway or create a coupon; audits read the order's or an agent's.
  api('agents', 'create-appeasement', 'POST', '/agent/orders/{id}/appeasements', [
    'table:read',
    'table:write',
  ]),
  api('agents', 'get-order-audit', 'GET', '/agent/orders/{id}/audit', ['table:read']),
  api('agents', 'list-agent-audit', 'GET', '/agent/audit', ['table:read']),
  // Order changes before the pick (docs/customer-service.md, order changes): a whole cancellation answers
  // the workflow's wait (callback); the gateway is a port, no IAM action.
  api('agents', 'cancel-order', 'POST', '/agent/orders/{id}/cancellation', [
    'table:read',
    'table:write',
    'workflow:callback',
  ]),
  api('agents', 'change-order-lines', 'POST', '/agent/orders/{id}/lines', [
    'table:read',
    'table:write',
    'workflow:callback',
  ]),
  {
    name: 'authorize-request',
    context: 'auth',
    memoryMb: 256,
    timeoutSeconds: 5,
    permissions: ['apikeys:read'],
    trigger: { kind: 'authorizer' },
  },
];

/**
 * How the callers of a route authenticate, by its path: sales channels sign webhooks (checked in the
 * handler), call-center agents send a Cognito token on `/agent/...` (API Gateway's JWT authorizer on AWS),
 * `POST /agent/session` is where they get it, and every other caller sends an API key.
 */
export type RouteAccess = 'signature' | 'agent' | 'sign-in' | 'api-key';
export function routeAccess(route: { method: string; path: string }): RouteAccess {
  if (route.path.startsWith('/webhooks/')) return 'signature';
  if (route.method === 'POST' && route.path === '/agent/session') return 'sign-in';
  if (route.path.startsWith('/agent/')) return 'agent';
  return 'api-key';
}

/** Path of a function's handler module, relative to the repository root. */
export const handlerEntry = (spec: FunctionSpec): string =>
  `functions/${spec.context}/${spec.name}/handler.ts`;
