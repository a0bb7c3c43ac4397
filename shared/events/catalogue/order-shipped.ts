import { z } from 'zod';
import { defineEvent } from '../envelope.js';

export const OrderShipped = defineEvent({
  source: 'oms.fulfillment',
  detailType: 'OrderShipped',
  version: 1,
  description: 'The order left the building: stock left on-hand and reserved.',
  producers: ['bill-order'],
  consumers: [],
  schema: z.object({
    orderId: z.string(),
    shipments: z.array(z.object({ carrier: z.string(), service: z.string(), trackingNumber: z.string() })),
  }),
});

export type OrderShippedData = z.infer<typeof OrderShipped.schema>;
