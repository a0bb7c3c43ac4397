import { z } from 'zod';
import { defineEvent } from '../envelope.js';

export const PaymentRefunded = defineEvent({
  source: 'oms.billing',
  detailType: 'PaymentRefunded',
  version: 1,
  description:
    'Captured money was returned, in full or in part, from one or more captures. The accounting consumer posts the reversal (journalEntryId) from it.',
  producers: ['cancel-payment', 'refund-order'],
  consumers: ['accounting', 'notifications'],
  schema: z.object({
    orderId: z.string(),
    amount: z.number().int(),
    currency: z.string(),
    /** The OMS refund id (one per refund request), or the gateway's for a compensation refund. */
    refundId: z.string(),
    journalEntryId: z.string(),
    /**
     * What each capture returned, oldest capture first, with the gateway's refund id; added within version 1,
     * so absent on older events (which refunded the order's single sale in full).
     */
    captures: z
      .array(
        z.object({
          captureId: z.string(),
          refundId: z.string(),
          amount: z.number().int(),
          /** What earlier refunds had returned from this capture: the reversal scales from there. */
          refundedBefore: z.number().int().optional(),
        }),
      )
      .optional(),
    /** Why, as the caller said (added within version 1). */
    reason: z.string().optional(),
  }),
});

export type PaymentRefundedData = z.infer<typeof PaymentRefunded.schema>;
