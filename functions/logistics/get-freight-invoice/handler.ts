import '../../../shared/runtime/aws.js';
import { getFreightInvoice } from '../../../shared/app/freight-audit.js';
import { NotFoundError } from '../../../shared/domain/errors.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/** GET /freight-invoices/{id} — the invoice, its audit figures and its lines with their flags. */
export const handler = apiHandler(async (event) => {
  const id = event.pathParameters?.id ?? '';
  if (!/^fi_[0-9a-f]{20}$/.test(id)) throw new NotFoundError(`freight invoice ${id} does not exist`);
  const { invoice, lines } = await getFreightInvoice(deps(), id);
  return json(200, { ...invoice, lines });
});
