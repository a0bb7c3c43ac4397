import type { ScheduleName } from './functions.js';

/**
 * Schedules, declared once: EventBridge Scheduler on AWS (infra/constructs/jobs.ts) and the local
 * scheduler (local/scheduler.ts) read the same expressions. Times are UTC.
 */
export interface ScheduleSpec {
  name: ScheduleName;
  /** An EventBridge Scheduler expression: `cron(min hour day-of-month month day-of-week year)` or `rate(n unit)`. */
  expression: string;
  description: string;
}

export const schedules: readonly ScheduleSpec[] = [
  {
    name: 'reorder',
    expression: 'cron(0 5 * * ? *)',
    description: 'Propose purchase orders for stock at or below its reorder point',
  },
  {
    name: 'reporting',
    expression: 'cron(0 6 * * ? *)',
    description:
      "Write the previous day's report: sales, SKU trends and stages, inventory health, carts, fulfillment, disruptions",
  },
  {
    name: 'reconcile',
    expression: 'rate(15 minutes)',
    description: 'Finish or compensate orders whose workflow made no progress past its timeout',
  },
  {
    name: 'abandoned-carts',
    expression: 'rate(15 minutes)',
    description: 'Mark carts quiet for the quiet period (10 hours) abandoned, with their likely cause',
  },
  {
    name: 'ledger-export',
    expression: 'cron(30 0 * * ? *)',
    description: "Export the previous day's journal entries for finance",
  },
];
