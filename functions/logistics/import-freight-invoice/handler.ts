import '../../../shared/runtime/aws.js';
import { importFreightInvoices } from '../../../shared/app/freight-audit.js';
import { ValidationError } from '../../../shared/domain/errors.js';
import { apiHandler, header, json, rawBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/**
 * POST /freight-invoices — imports a carrier invoice CSV (text/csv; columns in docs/freight-audit.md) and
 * audits every line. 201 when an invoice is new, 200 when every invoice in the file was imported before.
 */
export const handler = apiHandler(async (event) => {
  const contentType = (header(event, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'text/csv' && contentType !== 'text/plain') {
    throw new ValidationError('the body must be a CSV file (content-type: text/csv)', [
      { field: 'content-type', message: `expected text/csv, got ${contentType || 'none'}` },
    ]);
  }
  const results = await importFreightInvoices(deps(), rawBody(event).toString('utf8'));
  const created = results.some((result) => result.created);
  return json(created ? 201 : 200, {
    invoices: results.map(({ created: isNew, invoice, lines }) => ({ created: isNew, ...invoice, lines })),
  });
});
