import { z } from 'zod';
import { OrderLineSchema } from '../domain/order.js';

/**
 * Inches and pounds from a thousandth up: smaller means nothing for a carton, and DynamoDB cannot store a
 * magnitude below 1e-130 (5e-324 would fail the write with a 500 instead of a 400 on the field).
 */
const positive = (max: number) => z.number().min(0.001, 'at least 0.001').max(max);

/** One packed carton: inches and pounds, positive; `id` optional (`ctn_<n>` by position), lines optional. */
export const CartonSchema = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, dot, dash and underscore, up to 64')
    .optional(),
  lengthIn: positive(120),
  widthIn: positive(120),
  heightIn: positive(120),
  weightLb: positive(2_000),
  lines: z
    .array(z.object({ sku: OrderLineSchema.shape.sku, quantity: z.number().int().positive().max(10_000) }))
    .max(100)
    .optional(),
});

export const CartonsSchema = z.array(CartonSchema).min(1).max(50);

export const PackBodySchema = z.object({ cartons: CartonsSchema });

export const ConfirmPickBodySchema = z.object({
  lines: z
    .array(z.object({ sku: OrderLineSchema.shape.sku, quantity: z.number().int().min(0).max(10_000) }))
    .min(1)
    .max(100),
  cartons: CartonsSchema.optional(),
});

export const PickTicketPathSchema = z.object({
  id: z.string().regex(/^pt_[0-9a-f]+_\d+$/, 'not a pick ticket id'),
});

export const PickQueueQuerySchema = z.object({
  locationId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'not a location id'),
  /** Only the open queue is indexed (answered tickets leave it); see docs/fulfillment.md. */
  status: z.literal('open').default('open'),
});

export const BinPathSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'not a location id'),
  sku: OrderLineSchema.shape.sku,
});

export const BinBodySchema = z.object({
  bin: z
    .string()
    .min(1)
    .max(40)
    .regex(/^[A-Za-z0-9 ._/-]+$/, 'letters, digits, space, dot, dash, underscore and slash'),
});
