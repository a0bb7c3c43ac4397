import { z } from 'zod';
import { defineEvent } from '../envelope.js';

export const OrderCompleted = defineEvent({
  source: 'oms.orders',
  detailType: 'OrderCompleted',
  version: 1,
  description: 'Shipped, billed and notified: nothing is left to do for the order.',
  producers: ['notify-customer'],
  consumers: ['marketing'],
  schema: z.object({ orderId: z.string() }),
});

export type OrderCompletedData = z.infer<typeof OrderCompleted.schema>;
