import '../../../shared/runtime/aws.js';
import { PickTicketPathSchema } from '../../../shared/app/pick-input.js';
import { pickTicketPdf } from '../../../shared/app/pick-tickets.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, binary } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/** GET /pick-tickets/{id}/pdf — the printable ticket (application/pdf, base64 through API Gateway). */
export const handler = apiHandler(async (event) => {
  const { id } = parseWith(PickTicketPathSchema, event.pathParameters ?? {});
  const bytes = await pickTicketPdf(deps(), id);
  return binary(200, bytes, 'application/pdf', { 'content-disposition': `inline; filename="${id}.pdf"` });
});
