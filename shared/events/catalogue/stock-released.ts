import { z } from 'zod';
import { defineEvent } from '../envelope.js';

export const StockReleased = defineEvent({
  source: 'oms.inventory',
  detailType: 'StockReleased',
  version: 1,
  description: "An order's held reservations were returned to available stock.",
  producers: ['release-allocation', 'cancel-order', 'change-order-lines'],
  consumers: [],
  schema: z.object({
    orderId: z.string(),
    lines: z.array(z.object({ locationId: z.string(), sku: z.string(), quantity: z.number().int() })),
  }),
});

export type StockReleasedData = z.infer<typeof StockReleased.schema>;
