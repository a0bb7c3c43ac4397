import { z } from 'zod';
import { defineEvent } from '../envelope.js';

export const PickEscalated = defineEvent({
  source: 'oms.fulfillment',
  detailType: 'PickEscalated',
  version: 1,
  description:
    'A pick ticket was not confirmed by its due time: its stock was released and re-routed to other locations (new tickets) or backordered.',
  producers: ['reconcile-orders'],
  consumers: [],
  schema: z.object({
    orderId: z.string(),
    pickTicketId: z.string(),
    locationId: z.string(),
    dueAt: z.string(),
    /** Tickets opened elsewhere for the units. */
    reroutedTo: z.array(z.string()),
    /** Units no location could take: the order waits for stock for them. */
    backordered: z.array(z.object({ sku: z.string(), quantity: z.number().int() })),
  }),
});

export type PickEscalatedData = z.infer<typeof PickEscalated.schema>;
