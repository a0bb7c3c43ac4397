import { z } from 'zod';
import { defineEvent } from '../envelope.js';

export const OrderAllocated = defineEvent({
  source: 'oms.inventory',
  detailType: 'OrderAllocated',
  version: 1,
  description: 'Stock was reserved for every line of the order at the listed locations.',
  producers: ['allocate-order'],
  consumers: ['notifications'],
  schema: z.object({
    orderId: z.string(),
    allocations: z.array(
      z.object({
        locationId: z.string(),
        reason: z.string(),
        lines: z.array(z.object({ sku: z.string(), quantity: z.number().int() })),
      }),
    ),
  }),
});

export type OrderAllocatedData = z.infer<typeof OrderAllocated.schema>;
