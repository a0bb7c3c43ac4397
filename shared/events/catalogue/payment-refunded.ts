import { z } from 'zod';
import { defineEvent } from '../envelope.js';

export const PaymentRefunded = defineEvent({
  source: 'oms.billing',
  detailType: 'PaymentRefunded',
  version: 1,
  description:
    'Captured money was returned. The accounting consumer posts the reversal of the sale (journalEntryId) from it.',
  producers: ['cancel-payment'],
  consumers: ['accounting', 'notifications'],
  schema: z.object({
    orderId: z.string(),
    amount: z.number().int(),
    currency: z.string(),
    refundId: z.string(),
    journalEntryId: z.string(),
  }),
});

export type PaymentRefundedData = z.infer<typeof PaymentRefunded.schema>;
