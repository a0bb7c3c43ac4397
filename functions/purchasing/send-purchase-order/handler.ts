import '../../../shared/runtime/aws.js';
import { sendPurchaseOrder } from '../../../shared/app/purchasing.js';
import {
  optionalJsonBody,
  PurchaseOrderIdSchema,
  SendBodySchema,
} from '../../../shared/app/purchasing-input.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/** POST /purchase-orders/{id}/send — emails a draft to its supplier; an order already sent answers duplicate. */
export const handler = apiHandler(async (event) => {
  const id = parseWith(PurchaseOrderIdSchema, event.pathParameters?.id, 'id');
  optionalJsonBody(event, SendBodySchema);
  const { purchaseOrder, duplicate } = await sendPurchaseOrder(deps(), id);
  return json(200, { ...purchaseOrder, duplicate });
});
