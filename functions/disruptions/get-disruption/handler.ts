import '../../../shared/runtime/aws.js';
import { getDisruptionView } from '../../../shared/app/disruptions.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/** GET /disruptions/{id} — the disruption with its counts and (the first 200) affected orders. */
export const handler = apiHandler(async (event) =>
  json(200, await getDisruptionView(deps(), event.pathParameters?.id ?? '')),
);
