import { z } from 'zod';
import { ABANDON_CAUSES } from '../../domain/carts.js';
import { defineEvent } from '../envelope.js';

export const CartAbandoned = defineEvent({
  source: 'oms.carts',
  detailType: 'CartAbandoned',
  version: 1,
  description:
    'A storefront cart went quiet for the quiet period (10 hours by default) without completing its checkout; ' +
    'the likely cause and the evidence for it come with it. Correlation id: the cart id.',
  producers: ['detect-abandoned-carts'],
  consumers: ['marketing'],
  schema: z.object({
    cartId: z.string(),
    cause: z.enum(ABANDON_CAUSES),
    /** Every cause rule that held, not only the one that won (docs/carts-and-marketing.md). */
    signals: z.object({
      outOfStock: z
        .array(z.object({ sku: z.string(), quantity: z.number().int(), available: z.number().int() }))
        .optional(),
      deliveryDate: z.object({ requested: z.string(), earliestOffered: z.string().optional() }).optional(),
      shippingCost: z
        .object({ cheapest: z.number().int(), subtotal: z.number().int(), percent: z.number() })
        .optional(),
      checkoutStartedAt: z.string().optional(),
    }),
    abandonedAt: z.string(),
    lastActivityAt: z.string(),
    currency: z.string().optional(),
    /** Minor units of `currency`. */
    subtotal: z.number().int(),
    lines: z.array(z.object({ sku: z.string(), quantity: z.number().int(), unitPrice: z.number().int() })),
    /** The customer as marketing keys them (SHA-256 of the email); absent when the storefront sent no email. */
    emailHash: z.string().optional(),
  }),
});

export type CartAbandonedData = z.infer<typeof CartAbandoned.schema>;
