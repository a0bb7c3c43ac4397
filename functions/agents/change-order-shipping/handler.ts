import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { changeOrderShipping } from '../../../shared/app/order-shipping-change.js';
import { AddressSchema, FulfillmentSchema } from '../../../shared/domain/order.js';
import { parseWith, validationErrorFrom } from '../../../shared/domain/validation.js';
import { agentActionOf, ReasonSchema } from '../../../shared/http/agent-auth.js';
import { apiHandler, json, parseJson, rawBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const PathSchema = z.object({ id: z.string().regex(/^ord_[0-9a-f]{24}$/, 'not an order id') });

const BodySchema = z
  .object({
    reason: ReasonSchema,
    address: AddressSchema.strict().optional(),
    fulfillment: FulfillmentSchema.optional(),
  })
  .strict();

/**
 * PUT /agent/orders/{id}/shipping — an agent changes where the order goes (`address`) and/or how
 * (`fulfillment`: ship, or pick up at a store) before anything is picked; the order is re-quoted and, when the
 * sourcing rules now choose other locations, re-sourced. The customer's shipping charge is not changed.
 * `Idempotency-Key` names the change: a retry answers 200 with `duplicate: true` and changes nothing again.
 */
export const handler = apiHandler(
  async (event) => {
    const { id } = parseWith(PathSchema, event.pathParameters ?? {});
    const body = parseWith(BodySchema, parseJson(rawBody(event)));
    if (!body.address && !body.fulfillment) {
      throw validationErrorFrom([{ field: 'address', message: 'send address, fulfillment or both' }]);
    }
    const result = await changeOrderShipping(deps(), agentActionOf(event, body.reason), {
      orderId: id,
      change: {
        ...(body.address ? { address: body.address } : {}),
        ...(body.fulfillment ? { fulfillment: body.fulfillment } : {}),
      },
    });
    return json(200, result);
  },
  { auth: 'agent' },
);
