import '../../../shared/runtime/aws.js';
import { cancelPurchaseOrder } from '../../../shared/app/purchasing.js';
import {
  CancelBodySchema,
  optionalJsonBody,
  PurchaseOrderIdSchema,
} from '../../../shared/app/purchasing-input.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/** POST /purchase-orders/{id}/cancel — a draft or sent order with nothing received; otherwise 409. */
export const handler = apiHandler(async (event) => {
  const id = parseWith(PurchaseOrderIdSchema, event.pathParameters?.id, 'id');
  const { reason } = optionalJsonBody(event, CancelBodySchema);
  const { purchaseOrder, duplicate } = await cancelPurchaseOrder(deps(), id, reason);
  return json(200, { ...purchaseOrder, duplicate });
});
