import { z } from 'zod';
import { defineEvent } from '../envelope.js';

export const PurchaseOrderSent = defineEvent({
  source: 'oms.purchasing',
  detailType: 'PurchaseOrderSent',
  version: 1,
  description:
    'A purchase order went to its supplier (by email through the SupplierOrders port); its lines are on order ' +
    'until received. Written on the purchase order item by the send.',
  producers: ['send-purchase-order', 'propose-reorders', 'run-reorder'],
  consumers: [],
  schema: z.object({
    purchaseOrderId: z.string(),
    supplierId: z.string(),
    origin: z.enum(['manual', 'reorder-job']),
    currency: z.string(),
    /** Σ quantity × unit cost, minor units of `currency`. */
    total: z.number().int().nonnegative(),
    /** `YYYY-MM-DD`: the day sent plus the supplier's mean lead time. */
    expectedBy: z.string(),
    messageId: z.string(),
    lines: z.array(
      z.object({
        sku: z.string(),
        locationId: z.string(),
        quantity: z.number().int().positive(),
        unitCost: z.number().int().nonnegative(),
      }),
    ),
  }),
});

export type PurchaseOrderSentData = z.infer<typeof PurchaseOrderSent.schema>;
