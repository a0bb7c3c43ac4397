import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { disputeFreightInvoice } from '../../../shared/app/freight-audit.js';
import { NotFoundError } from '../../../shared/domain/errors.js';
import { apiHandler, json, jsonBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const BodySchema = z.strictObject({
  reason: z.string().trim().min(1).max(500),
  /** Line numbers; absent: every pending line. */
  lines: z.array(z.number().int().positive()).min(1).max(2000).optional(),
});

/** POST /freight-invoices/{id}/dispute — disputes lines with a reason (approved lines: 409). Idempotent. */
export const handler = apiHandler(async (event) => {
  const id = event.pathParameters?.id ?? '';
  if (!/^fi_[0-9a-f]{20}$/.test(id)) throw new NotFoundError(`freight invoice ${id} does not exist`);
  const body = jsonBody(event, BodySchema);
  const { invoice, lines } = await disputeFreightInvoice(deps(), id, body);
  return json(200, { ...invoice, lines });
});
