import '../../../shared/runtime/aws.js';
import { PackBodySchema, PickTicketPathSchema } from '../../../shared/app/pick-input.js';
import { packPickTicket } from '../../../shared/app/pick-tickets.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json, jsonBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/** POST /pick-tickets/{id}/pack — the cartons the ticket was packed in; then its packing slip. */
export const handler = apiHandler(async (event) => {
  const { id } = parseWith(PickTicketPathSchema, event.pathParameters ?? {});
  const body = jsonBody(event, PackBodySchema);
  return json(200, await packPickTicket(deps(), { pickTicketId: id, cartons: body.cartons }));
});
