import { z } from 'zod';
import { defineEvent } from '../envelope.js';

export const CarrierSelected = defineEvent({
  source: 'oms.fulfillment',
  detailType: 'CarrierSelected',
  version: 1,
  description: 'A carrier service was chosen by rate shopping and its label bought.',
  producers: ['select-carrier'],
  consumers: [],
  schema: z.object({
    orderId: z.string(),
    shipmentId: z.string(),
    carrier: z.string(),
    service: z.string(),
    trackingNumber: z.string(),
    cost: z.number().int(),
    currency: z.string(),
  }),
});

export type CarrierSelectedData = z.infer<typeof CarrierSelected.schema>;
