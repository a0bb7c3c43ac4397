import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { changeOrderLines } from '../../../shared/app/order-changes.js';
import { toOrderView } from '../../../shared/app/order-view.js';
import { OrderLineSchema } from '../../../shared/domain/order.js';
import { parseWith, validationErrorFrom } from '../../../shared/domain/validation.js';
import { agentActionOf, ReasonSchema } from '../../../shared/http/agent-auth.js';
import { apiHandler, json, parseJson, rawBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const PathSchema = z.object({ id: z.string().regex(/^ord_[0-9a-f]{24}$/, 'not an order id') });

const units = { sku: OrderLineSchema.shape.sku, quantity: OrderLineSchema.shape.quantity };

const BodySchema = z
  .object({
    reason: ReasonSchema,
    add: z
      .array(z.object({ ...units, unitPrice: OrderLineSchema.shape.unitPrice }).strict())
      .min(1)
      .max(100)
      .optional(),
    remove: z.array(z.object(units).strict()).min(1).max(100).optional(),
  })
  .strict();

/**
 * POST /agent/orders/{id}/lines — an agent adds units (`unitPrice` in minor units; tax at the order's
 * effective rate) and/or removes units before anything is picked (docs/customer-service.md, order changes).
 * Added units are reserved and a bigger card amount is authorized first: `409` naming a SKU no location has,
 * `402` when the card declines, nothing changed either way. `201` when done, `200` with `duplicate: true` for
 * a retry with the same Idempotency-Key.
 */
export const handler = apiHandler(
  async (event) => {
    const { id } = parseWith(PathSchema, event.pathParameters ?? {});
    const body = parseWith(BodySchema, parseJson(rawBody(event)));
    if (!body.add && !body.remove) {
      throw validationErrorFrom([{ field: 'add', message: 'send add, remove or both' }]);
    }
    const result = await changeOrderLines(deps(), agentActionOf(event, body.reason), {
      orderId: id,
      ...(body.add ? { add: body.add } : {}),
      ...(body.remove ? { remove: body.remove } : {}),
    });
    const { added, cancelled, reserved, released, payment } = result.outcome;
    return json(result.duplicate ? 200 : 201, {
      order: toOrderView(result.aggregate),
      added,
      removed: cancelled,
      reserved,
      released,
      payment,
      duplicate: result.duplicate,
    });
  },
  { auth: 'agent' },
);
