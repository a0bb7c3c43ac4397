import { z } from 'zod';
import { defineEvent } from '../envelope.js';

export const CustomerNotified = defineEvent({
  source: 'oms.notifications',
  detailType: 'CustomerNotified',
  version: 1,
  description: 'A status notification was recorded for the customer.',
  producers: ['notify-customer'],
  consumers: [],
  schema: z.object({ orderId: z.string(), template: z.string(), channel: z.enum(['email', 'sms']) }),
});

export type CustomerNotifiedData = z.infer<typeof CustomerNotified.schema>;
