import '../../../shared/runtime/aws.js';
import { PickQueueQuerySchema } from '../../../shared/app/pick-input.js';
import { listOpenPickTickets } from '../../../shared/app/pick-tickets.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/** GET /pick-tickets?locationId=&status=open — a warehouse's queue, earliest due first. */
export const handler = apiHandler(async (event) => {
  const query = parseWith(PickQueueQuerySchema, event.queryStringParameters ?? {});
  const items = await listOpenPickTickets(deps(), query.locationId);
  return json(200, { locationId: query.locationId, status: query.status, items });
});
