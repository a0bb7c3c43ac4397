import { z } from 'zod';
import { defineEvent } from '../envelope.js';

export const PickConfirmed = defineEvent({
  source: 'oms.fulfillment',
  detailType: 'PickConfirmed',
  version: 1,
  description: 'The warehouse confirmed what it picked; short picks carry the missing quantities.',
  producers: ['confirm-pick'],
  consumers: [],
  schema: z.object({
    orderId: z.string(),
    pickTicketId: z.string(),
    short: z.boolean(),
    lines: z.array(z.object({ sku: z.string(), ordered: z.number().int(), picked: z.number().int() })),
  }),
});

export type PickConfirmedData = z.infer<typeof PickConfirmed.schema>;
