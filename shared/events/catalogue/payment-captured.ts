import { z } from 'zod';
import { defineEvent } from '../envelope.js';

export const PaymentCaptured = defineEvent({
  source: 'oms.billing',
  detailType: 'PaymentCaptured',
  version: 1,
  description: 'Money was captured and the sale posted to the ledger.',
  producers: ['bill-order'],
  consumers: ['accounting'],
  schema: z.object({
    orderId: z.string(),
    amount: z.number().int(),
    currency: z.string(),
    captureId: z.string(),
    journalEntryId: z.string(),
  }),
});

export type PaymentCapturedData = z.infer<typeof PaymentCaptured.schema>;
