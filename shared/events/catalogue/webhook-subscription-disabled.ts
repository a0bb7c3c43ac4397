import { z } from 'zod';
import { defineEvent } from '../envelope.js';

export const WebhookSubscriptionDisabled = defineEvent({
  source: 'oms.webhooks',
  detailType: 'WebhookSubscriptionDisabled',
  version: 1,
  description:
    'An outbound webhook subscription stopped receiving events: its endpoint kept failing (`failures`: ' +
    'enough failed attempts in a row over long enough, docs/outbound-webhooks.md) or it was disabled through ' +
    'the API (`manual`). Written on the subscription item; correlationId is the subscription id.',
  producers: ['deliver-webhooks', 'update-webhook-subscription'],
  consumers: [],
  schema: z.object({
    subscriptionId: z.string(),
    reason: z.enum(['failures', 'manual']),
    eventTypes: z.array(z.string()),
    consecutiveFailures: z.number().int().nonnegative(),
    /** The first failed attempt of the streak that ended in the disabling. */
    failingSince: z.string().optional(),
    lastStatusCode: z.number().int().optional(),
    lastError: z.string().optional(),
  }),
});

export type WebhookSubscriptionDisabledData = z.infer<typeof WebhookSubscriptionDisabled.schema>;
