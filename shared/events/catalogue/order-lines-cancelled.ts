import { z } from 'zod';
import { defineEvent } from '../envelope.js';

/**
 * Its own event rather than `OrderCancelled` with a flag: a consumer (a merchant's webhook, marketing) that
 * reads `OrderCancelled` as "the order is gone" stays right, and the partial case carries what the customer
 * is told (the units and the new total) without widening the whole-order event.
 */
export const OrderLinesCancelled = defineEvent({
  source: 'oms.orders',
  detailType: 'OrderLinesCancelled',
  version: 1,
  description:
    'An agent cancelled some units of an order before anything was picked; the order goes on with the rest at a new total. The customer is told.',
  producers: ['cancel-order', 'change-order-lines'],
  consumers: ['notifications'],
  schema: z.object({
    orderId: z.string(),
    /** The agent action (its audit item's id): one notification per action. */
    actionId: z.string(),
    reason: z.string(),
    agentId: z.string(),
    /** The cancelled units; `name` as the order line had it (a line cancelled whole is gone from the order). */
    lines: z.array(z.object({ sku: z.string(), quantity: z.number().int(), name: z.string().optional() })),
    /** The order's grand total after the change, minor units of `currency`. */
    total: z.number().int(),
    currency: z.string(),
  }),
});

export type OrderLinesCancelledData = z.infer<typeof OrderLinesCancelled.schema>;
