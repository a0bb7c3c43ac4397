import '../../../shared/runtime/aws.js';
import { LocationBodySchema, LocationIdSchema } from '../../../shared/app/location-input.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json, jsonBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';
import { putLocation } from '../../../shared/store/locations.js';

/** PUT /locations/{id} — creates or replaces a location (capacity, cut-off, ship-from-store and pickup switches). */
export const handler = apiHandler(async (event) => {
  const id = parseWith(LocationIdSchema, event.pathParameters?.id, 'id');
  const location = { id, ...jsonBody(event, LocationBodySchema) };
  await putLocation(deps(), location);
  return json(200, location);
});
