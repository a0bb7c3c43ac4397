/**
 * Monitoring, declared once: the CloudWatch namespace and the names of the business metrics the handlers
 * record (read by the dashboard in infra/constructs/monitoring.ts), the alarm thresholds, and the defaults of
 * `GET /metrics/live`. Definitions of every figure: docs/monitoring.md.
 */

/** CloudWatch namespace of the metrics the functions record (Powertools EMF). */
export const METRICS_NAMESPACE = 'OMS';

/**
 * The `service` dimension of every business metric. Fixed, not the function's context: `OrdersPlaced` is
 * recorded by the webhooks (intake) and by `POST /orders` (orders), and the dashboard reads one series.
 */
export const METRICS_SERVICE = 'oms';

/** Counts recorded when a change is written (never for a repeat), each under `service=oms`. */
export const BUSINESS_METRICS = {
  /** A new order stored: a webhook delivery or `POST /orders` (not a duplicate). */
  ordersPlaced: 'OrdersPlaced',
  /** A webhook delivery of an order already stored. */
  duplicateDeliveries: 'DuplicateDeliveries',
  /** Stock reserved and pick tickets opened by the workflow's first step. */
  ordersAllocated: 'OrdersAllocated',
  /** The workflow's allocation found no plan that fills every line: the order is backordered. */
  backorders: 'Backorders',
  /** A pick ticket confirmed with fewer units than it asked for. */
  pickShort: 'PickShort',
  /** Payment captured and stock shipped (the order moved to `shipped`). */
  ordersShipped: 'OrdersShipped',
  /** An order moved to `failed` (by the workflow's compensation or the reconciler). */
  ordersFailed: 'OrdersFailed',
} as const;

export type BusinessMetric = (typeof BUSINESS_METRICS)[keyof typeof BUSINESS_METRICS];

/** `GET /metrics/live` */
export const LIVE_METRICS = {
  /** The throughput window when `windowMinutes` is not given. */
  defaultWindowMinutes: 15,
  /** A day: longer windows belong to the daily report (`build-daily-report`). */
  maxWindowMinutes: 24 * 60,
  /** Low stock: available-to-promise (on-hand − reserved − safety stock) at or below this. */
  defaultLowStockThreshold: 5,
  /** SKUs one request may ask about: each costs a read of its stock rows. */
  maxSkus: 20,
} as const;

/** Alarm thresholds (infra/constructs/monitoring.ts); every alarm looks at 5-minute periods. */
export const ALARMS = {
  periodMinutes: 5,
  /** Any message in a dead-letter queue: a consumer gave up on it, and it waits for a redrive. */
  deadLetterMessages: 1,
  /**
   * order-fulfillment ends in its Fail state for every order that fails for a business reason (declined
   * payment, short pick, pick timeout), so one failure is normal: the alarm is for a burst.
   */
  fulfillmentFailures: 5,
  /** order-shipping fails only when Select carrier or Bill gave up after its retries. */
  shippingFailures: 1,
  /** Neither machine sets an execution timeout; a timed-out execution is an Express run past 5 minutes. */
  executionTimeouts: 1,
  /**
   * Lambda `Errors` count unhandled errors, summed over the up to 10 functions an alarm covers. API and queue
   * functions turn every error into a response or a batch item failure, so one is a crash or a timeout;
   * workflow tasks throw by design (OutOfStockError, PaymentDeclinedError, TransientError before a retry), so
   * their alarm is for a burst.
   */
  functionErrors: 1,
  taskFunctionErrors: 5,
  /** The HTTP API answered 5xx (an unhandled error, or a dependency unavailable). */
  api5xx: 5,
  /** DynamoDB throttled reads or writes (on demand: a partition's or the account's limit). */
  tableThrottles: 1,
} as const;
