import '../../../shared/runtime/aws.js';
import { getPurchaseOrderView } from '../../../shared/app/purchasing.js';
import { PurchaseOrderIdSchema } from '../../../shared/app/purchasing-input.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/** GET /purchase-orders/{id} — the order with its lines (and why each was proposed), receipts and timeline. */
export const handler = apiHandler(async (event) => {
  const id = parseWith(PurchaseOrderIdSchema, event.pathParameters?.id, 'id');
  return json(200, await getPurchaseOrderView(deps(), id));
});
