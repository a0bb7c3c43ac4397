import { z } from 'zod';
import { defineEvent } from '../envelope.js';

export const PaymentCaptured = defineEvent({
  source: 'oms.billing',
  detailType: 'PaymentCaptured',
  version: 1,
  description:
    'Money was captured when the goods shipped. The accounting consumer posts the sale (journalEntryId) from it.',
  producers: ['bill-order'],
  consumers: ['accounting'],
  schema: z.object({
    orderId: z.string(),
    amount: z.number().int(),
    currency: z.string(),
    captureId: z.string(),
    journalEntryId: z.string(),
    /** What the sale entry posts; added within version 1, so absent on older events. */
    totals: z
      .object({
        subtotal: z.number().int(),
        discount: z.number().int(),
        shipping: z.number().int(),
        tax: z.number().int(),
        grand: z.number().int(),
      })
      .optional(),
    /**
     * The shipment this capture bills (captures are per shipment; `totals` are then this capture's share).
     * Added within version 1: absent on captures of the whole order made before partial shipments.
     */
    shipmentId: z.string().optional(),
  }),
});

export type PaymentCapturedData = z.infer<typeof PaymentCaptured.schema>;
