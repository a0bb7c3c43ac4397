import '../../../shared/runtime/aws.js';
import { receivePurchaseOrder } from '../../../shared/app/purchasing.js';
import { PurchaseOrderIdSchema, ReceiptBodySchema } from '../../../shared/app/purchasing-input.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json, jsonBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/**
 * POST /purchase-orders/{id}/receipts — books a delivery: stock up by `receipt` movements (which release
 * backorders), the order partially received or received. The same receiptId again changes nothing (200,
 * duplicate); with other lines it is 409.
 */
export const handler = apiHandler(async (event) => {
  const id = parseWith(PurchaseOrderIdSchema, event.pathParameters?.id, 'id');
  const body = jsonBody(event, ReceiptBodySchema);
  const { purchaseOrder, duplicate } = await receivePurchaseOrder(deps(), id, body);
  return json(duplicate ? 200 : 201, { ...purchaseOrder, duplicate });
});
