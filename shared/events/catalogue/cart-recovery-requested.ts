import { z } from 'zod';
import { defineEvent } from '../envelope.js';

export const CartRecoveryRequested = defineEvent({
  source: 'oms.marketing',
  detailType: 'CartRecoveryRequested',
  version: 1,
  description:
    'Marketing asks for an abandoned cart to be won back with a single-use coupon (recorded on the cart and ' +
    'created as a real coupon in the same write): once per cart, when the cause suggests a coupon helps. ' +
    'Correlation id: the cart id.',
  producers: ['record-marketing-event'],
  consumers: [],
  schema: z.object({
    cartId: z.string(),
    customer: z.object({ email: z.string() }),
    couponCode: z.string(),
    reason: z.enum(['shipping-cost', 'checkout-abandoned']),
    currency: z.string().optional(),
    /** Minor units of `currency`: what the cart was worth when abandoned. */
    subtotal: z.number().int(),
    /**
     * The coupon the code stands for, created with this event (docs/coupons.md#cart-recovery): percentage off
     * in basis points (1 000 = 10 %), valid until `endsAt`, single use. Added in v1 (optional).
     */
    coupon: z.object({ basisPoints: z.number().int(), endsAt: z.string() }).optional(),
  }),
});

export type CartRecoveryRequestedData = z.infer<typeof CartRecoveryRequested.schema>;
