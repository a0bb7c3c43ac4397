import { z } from 'zod';
import { defineEvent } from '../envelope.js';

export const OrderCancelled = defineEvent({
  source: 'oms.orders',
  detailType: 'OrderCancelled',
  version: 1,
  description:
    'An agent cancelled the order before anything was picked; its stock was released, its open pick tickets cancelled and its authorization voided. The customer is told.',
  producers: ['cancel-order', 'change-order-lines'],
  consumers: ['notifications'],
  schema: z.object({
    orderId: z.string(),
    reason: z.string(),
    agentId: z.string(),
    lines: z.array(z.object({ sku: z.string(), quantity: z.number().int() })),
  }),
});

export type OrderCancelledData = z.infer<typeof OrderCancelled.schema>;
