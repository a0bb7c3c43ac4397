import { z } from 'zod';
import { defineEvent } from '../envelope.js';

const orderRef = { orderId: z.string(), channel: z.string(), externalId: z.string() };

export const OrderPlaced = defineEvent({
  source: 'oms.orders',
  detailType: 'OrderPlaced',
  version: 1,
  description: 'A new order was accepted from a channel and its workflow started.',
  producers: ['receive-*-webhook', 'create-order'],
  consumers: ['marketing'],
  schema: z.object({
    ...orderRef,
    currency: z.string(),
    grandTotal: z.number().int(),
    lineCount: z.number().int(),
    skus: z.array(z.string()),
    /**
     * The customer as marketing keys them: SHA-256 of the email (shared/domain/email-hash.ts), never the email.
     * Added within version 1, so absent on older events.
     */
    emailHash: z.string().optional(),
  }),
});

export type OrderPlacedData = z.infer<typeof OrderPlaced.schema>;
