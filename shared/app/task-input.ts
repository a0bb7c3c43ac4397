import { z } from 'zod';
import { parseWith } from '../domain/validation.js';

export const OrderTaskSchema = z.object({
  orderId: z.string().min(1),
  error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
});

export const AllocateTaskSchema = z.object({ orderId: z.string().min(1), taskToken: z.string().min(1) });

export const parseTask = <T>(schema: z.ZodType<T>, event: unknown): T => parseWith(schema, event);

/** A shipping run's task: the order and the pick tickets the run ships (absent on runs started before). */
export const ShippingTaskSchema = OrderTaskSchema.extend({
  pickTicketIds: z.array(z.string().min(1)).max(100).optional(),
});
