import '../../../shared/runtime/aws.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';
import { listSuppliers } from '../../../shared/store/purchasing.js';

/** GET /suppliers — every supplier, by id. */
export const handler = apiHandler(async () => json(200, { items: await listSuppliers(deps()) }));
