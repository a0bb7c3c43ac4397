import { z } from 'zod';
import { defineEvent } from '../envelope.js';

export const FreightInvoiceApproved = defineEvent({
  source: 'oms.logistics',
  detailType: 'FreightInvoiceApproved',
  version: 1,
  description:
    'Lines of a carrier freight invoice were approved for payment after the audit (docs/freight-audit.md): ' +
    'one event per approval, carrying only the lines that approval moved. Written on the invoice item in the ' +
    'same transaction as the lines. The ledger posts the carrier cost from it.',
  producers: ['approve-freight-invoice'],
  consumers: ['accounting'],
  schema: z.object({
    invoiceId: z.string(),
    invoiceNumber: z.string(),
    /** Upper case, as on the invoice. */
    carrier: z.string(),
    currency: z.string(),
    /** Σ of the lines' amounts, minor units of `currency`. */
    amount: z.number().int(),
    lines: z.array(
      z.object({
        /** Position of the line in its invoice (1-based). */
        line: z.number().int().positive(),
        shipmentId: z.string().optional(),
        orderId: z.string().optional(),
        /** The billed amount approved, minor units of `currency`. */
        amount: z.number().int(),
      }),
    ),
  }),
});

export type FreightInvoiceApprovedData = z.infer<typeof FreightInvoiceApproved.schema>;
