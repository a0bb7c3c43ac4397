import { z } from 'zod';
import { defineEvent } from '../envelope.js';

export const OrderBackordered = defineEvent({
  source: 'oms.inventory',
  detailType: 'OrderBackordered',
  version: 1,
  description: 'No location could reserve the order; it waits for stock.',
  producers: ['allocate-order'],
  consumers: [],
  schema: z.object({
    orderId: z.string(),
    missing: z.array(z.object({ sku: z.string(), quantity: z.number() })),
  }),
});

export type OrderBackorderedData = z.infer<typeof OrderBackordered.schema>;
