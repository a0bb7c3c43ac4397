import { z } from 'zod';
import { defineEvent } from '../envelope.js';

export const StockReceived = defineEvent({
  source: 'oms.inventory',
  detailType: 'StockReceived',
  version: 1,
  description:
    'On-hand stock of a SKU grew at a location (a receipt or an upward count); backorders may now fill.',
  producers: ['adjust-stock', 'set-stock'],
  consumers: ['backorders'],
  schema: z.object({
    sku: z.string(),
    locationId: z.string(),
    quantity: z.number().int().positive(),
    onHand: z.number().int(),
    reason: z.string(),
  }),
});

export type StockReceivedData = z.infer<typeof StockReceived.schema>;
