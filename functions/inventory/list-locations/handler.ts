import '../../../shared/runtime/aws.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';
import { listLocations } from '../../../shared/store/inventory.js';

/** GET /locations */
export const handler = apiHandler(async () => json(200, await listLocations(deps())));
