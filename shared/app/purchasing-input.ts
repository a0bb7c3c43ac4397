import { z } from 'zod';
import { isKnownCurrency } from '../domain/money.js';
import { PURCHASE_ORDER_STATUSES } from '../domain/purchasing.js';
import { MAX_SERVICE_LEVEL, MIN_SERVICE_LEVEL } from '../domain/replenishment.js';
import { parseWith } from '../domain/validation.js';
import { type ApiEvent, jsonBody, rawBody } from '../http/api.js';
import { LocationIdSchema, SkuSchema } from './location-input.js';

/** Request shapes of the purchasing routes (functions/purchasing/*, functions/jobs/run-reorder). */

export const SupplierIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, dot, dash and underscore only');
export const PurchaseOrderIdSchema = z.string().regex(/^po_[0-9A-Z]{26}$/, 'a purchase order id (po_…)');

/**
 * Fractional days and service levels are kept to a few decimals: more would be noise, and DynamoDB cannot
 * store a magnitude below 1e-130 (such a value would fail the write instead of meaning 0).
 */
const decimal = (min: number, max: number, digits: number) =>
  z
    .number()
    .min(min)
    .max(max)
    .transform((value) => Math.round(value * 10 ** digits) / 10 ** digits || 0);

const money = z.number().int().min(0).max(1_000_000_000_000);
const serviceLevel = decimal(MIN_SERVICE_LEVEL, MAX_SERVICE_LEVEL, 4);

export const SupplierBodySchema = z.strictObject({
  name: z.string().min(1).max(200),
  email: z.email().max(254),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'an ISO 4217 code, upper case')
    .refine(isKnownCurrency, 'a currency the OMS knows (USD, EUR, JPY…)'),
  leadTimeDays: decimal(0, 365, 2),
  leadTimeStdDevDays: decimal(0, 365, 2).default(0),
  minimumOrderQuantity: z.number().int().min(1).max(1_000_000).default(1),
  packSize: z.number().int().min(1).max(100_000).default(1),
  orderCost: money.optional(),
  serviceLevel: serviceLevel.optional(),
  autoSend: z.boolean().default(true),
});

export const SkuSupplierBodySchema = z.strictObject({
  supplierId: SupplierIdSchema,
  unitCost: money.min(1),
  packSize: z.number().int().min(1).max(100_000).optional(),
  minimumOrderQuantity: z.number().int().min(1).max(1_000_000).optional(),
  holdingCost: money.min(1).optional(),
  serviceLevel: serviceLevel.optional(),
});

const quantity = z.number().int().min(1).max(10_000_000);

export const PurchaseOrderBodySchema = z.strictObject({
  supplierId: SupplierIdSchema,
  lines: z
    .array(
      z.strictObject({
        sku: SkuSchema,
        locationId: LocationIdSchema,
        quantity,
        unitCost: money.optional(),
      }),
    )
    .min(1)
    .max(100),
});

export const ReceiptBodySchema = z.strictObject({
  /** The delivery's own reference (delivery note, ASN): the same id again is the same receipt. */
  receiptId: z.string().regex(/^[A-Za-z0-9._:-]{1,100}$/, '1–100 of A-Z a-z 0-9 . _ : -'),
  lines: z
    .array(z.strictObject({ sku: SkuSchema, locationId: LocationIdSchema, quantity }))
    .min(1)
    .max(100),
});

export const CancelBodySchema = z.strictObject({ reason: z.string().min(1).max(500).optional() });
export const SendBodySchema = z.strictObject({});
export const ReorderBodySchema = z.strictObject({
  /** Send the drafts now (true) or leave them for a buyer (false); absent: each supplier's `autoSend`. */
  send: z.boolean().optional(),
});

export const PurchaseOrderQuerySchema = z.object({
  status: z.enum(PURCHASE_ORDER_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(2000).optional(),
});

/** A body that may be left out: none (or an empty one) reads as `{}`, anything sent must fit the schema. */
export function optionalJsonBody<T>(event: ApiEvent, schema: z.ZodType<T>): T {
  return rawBody(event).length === 0 ? parseWith(schema, {}) : jsonBody(event, schema);
}
