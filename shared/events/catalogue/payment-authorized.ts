import { z } from 'zod';
import { defineEvent } from '../envelope.js';

export const PaymentAuthorized = defineEvent({
  source: 'oms.billing',
  detailType: 'PaymentAuthorized',
  version: 1,
  description: 'The gateway approved an authorization for the order total.',
  producers: ['allocate-order', 'change-order-lines'],
  consumers: [],
  schema: z.object({
    orderId: z.string(),
    amount: z.number().int(),
    currency: z.string(),
    authorizationId: z.string(),
  }),
});

export type PaymentAuthorizedData = z.infer<typeof PaymentAuthorized.schema>;
