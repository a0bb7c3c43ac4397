import { z } from 'zod';
import { defineEvent } from '../envelope.js';

export const PaymentVoided = defineEvent({
  source: 'oms.billing',
  detailType: 'PaymentVoided',
  version: 1,
  description: 'An uncaptured authorization was voided.',
  producers: ['cancel-payment', 'cancel-order', 'change-order-lines'],
  consumers: [],
  schema: z.object({ orderId: z.string(), authorizationId: z.string() }),
});

export type PaymentVoidedData = z.infer<typeof PaymentVoided.schema>;
