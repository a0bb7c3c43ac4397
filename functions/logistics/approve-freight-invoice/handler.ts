import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { approveFreightInvoice } from '../../../shared/app/freight-audit.js';
import { NotFoundError } from '../../../shared/domain/errors.js';
import { apiHandler, json, jsonBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const BodySchema = z.strictObject({
  /** Line numbers; absent: every pending line. */
  lines: z.array(z.number().int().positive()).min(1).max(2000).optional(),
  /** Required when a line to approve has audit flags. */
  overrideReason: z.string().trim().min(1).max(500).optional(),
});

/**
 * POST /freight-invoices/{id}/approve — approves lines for payment; flagged lines need an overrideReason
 * (422 otherwise). Idempotent: approved lines stay approved and announce nothing again.
 */
export const handler = apiHandler(async (event) => {
  const id = event.pathParameters?.id ?? '';
  if (!/^fi_[0-9a-f]{20}$/.test(id)) throw new NotFoundError(`freight invoice ${id} does not exist`);
  const body = event.body ? jsonBody(event, BodySchema) : {};
  const { invoice, lines } = await approveFreightInvoice(deps(), id, body);
  return json(200, { ...invoice, lines });
});
