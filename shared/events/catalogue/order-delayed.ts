import { z } from 'zod';
import { defineEvent } from '../envelope.js';

export const OrderDelayed = defineEvent({
  source: 'oms.disruptions',
  detailType: 'OrderDelayed',
  version: 1,
  description:
    'A disruption (weather, a carrier outage) moved the date promised to the customer; the customer is told.',
  producers: ['create-disruption'],
  consumers: ['notifications'],
  schema: z.object({
    orderId: z.string(),
    disruptionId: z.string(),
    kind: z.enum(['weather', 'carrier-outage']),
    severity: z.enum(['low', 'medium', 'high', 'severe']),
    reason: z.string(),
    /** The promise before and after, `YYYY-MM-DD`. */
    previousPromise: z.string(),
    newPromise: z.string(),
  }),
});

export type OrderDelayedData = z.infer<typeof OrderDelayed.schema>;
