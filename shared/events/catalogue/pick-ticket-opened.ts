import { z } from 'zod';
import { defineEvent } from '../envelope.js';

export const PickTicketOpened = defineEvent({
  source: 'oms.fulfillment',
  detailType: 'PickTicketOpened',
  version: 1,
  description: 'A location was asked to pick the allocated lines.',
  producers: ['allocate-order', 'change-order-lines', 'change-order-shipping'],
  consumers: [],
  schema: z.object({ orderId: z.string(), pickTicketId: z.string(), locationId: z.string() }),
});

export type PickTicketOpenedData = z.infer<typeof PickTicketOpened.schema>;
