import '../../../shared/runtime/aws.js';
import { PickTicketPathSchema } from '../../../shared/app/pick-input.js';
import { getPickTicket, ticketView } from '../../../shared/app/pick-tickets.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/** GET /pick-tickets/{id} — the ticket: lines in walk order, status, due time, what was picked, cartons. */
export const handler = apiHandler(async (event) => {
  const { id } = parseWith(PickTicketPathSchema, event.pathParameters ?? {});
  return json(200, ticketView(await getPickTicket(deps(), id)));
});
