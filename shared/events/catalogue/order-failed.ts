import { z } from 'zod';
import { defineEvent } from '../envelope.js';

export const OrderFailed = defineEvent({
  source: 'oms.orders',
  detailType: 'OrderFailed',
  version: 1,
  description: 'The workflow gave up; payment was voided or refunded and stock released.',
  producers: ['mark-order-failed'],
  consumers: ['notifications'],
  schema: z.object({ orderId: z.string(), error: z.string(), cause: z.string() }),
});

export type OrderFailedData = z.infer<typeof OrderFailed.schema>;
