import '../../../shared/runtime/aws.js';
import { PurchaseOrderQuerySchema } from '../../../shared/app/purchasing-input.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';
import { listPurchaseOrders } from '../../../shared/store/purchasing.js';

/** GET /purchase-orders?status=&limit=&cursor= — newest first, all or in one status. */
export const handler = apiHandler(async (event) => {
  const query = parseWith(PurchaseOrderQuerySchema, event.queryStringParameters ?? {});
  const page = await listPurchaseOrders(deps(), {
    limit: query.limit,
    ...(query.status ? { status: query.status } : {}),
    ...(query.cursor ? { cursor: query.cursor } : {}),
  });
  return json(200, {
    items: page.items.map(({ timeline: _timeline, ...order }) => order),
    nextCursor: page.nextCursor ?? null,
  });
});
