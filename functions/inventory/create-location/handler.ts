import '../../../shared/runtime/aws.js';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { LocationBodySchema, LocationIdSchema } from '../../../shared/app/location-input.js';
import { ConflictError } from '../../../shared/domain/errors.js';
import { apiHandler, json, jsonBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';
import { putLocation } from '../../../shared/store/locations.js';

const BodySchema = LocationBodySchema.extend({ id: LocationIdSchema });

/** POST /locations — a new warehouse or store; 409 when the id is taken. */
export const handler = apiHandler(async (event) => {
  const location = jsonBody(event, BodySchema);
  try {
    await putLocation(deps(), location, { create: true });
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) {
      throw new ConflictError(`location ${location.id} already exists`, { field: 'id' });
    }
    throw error;
  }
  return json(201, location);
});
