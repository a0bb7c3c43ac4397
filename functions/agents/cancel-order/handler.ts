import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { cancelOrder } from '../../../shared/app/order-changes.js';
import { toOrderView } from '../../../shared/app/order-view.js';
import { OrderLineSchema } from '../../../shared/domain/order.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { agentActionOf, ReasonSchema } from '../../../shared/http/agent-auth.js';
import { apiHandler, json, parseJson, rawBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const PathSchema = z.object({ id: z.string().regex(/^ord_[0-9a-f]{24}$/, 'not an order id') });

const BodySchema = z
  .object({
    reason: ReasonSchema,
    lines: z
      .array(z.object({ sku: OrderLineSchema.shape.sku, quantity: OrderLineSchema.shape.quantity }).strict())
      .min(1)
      .max(100)
      .optional(),
  })
  .strict();

/**
 * POST /agent/orders/{id}/cancellation — an agent cancels the whole order (no `lines`) or some units of its
 * lines, before anything is picked: stock back to available, pick tickets shrunk or cancelled, the card's
 * amount reduced or its authorization voided (docs/customer-service.md, order changes). `201` when done,
 * `200` with `duplicate: true` for a retry with the same Idempotency-Key; `409` once a unit is picked or the
 * order ended (returns handle shipped goods), `422` naming a line the order does not have.
 */
export const handler = apiHandler(
  async (event) => {
    const { id } = parseWith(PathSchema, event.pathParameters ?? {});
    const body = parseWith(BodySchema, parseJson(rawBody(event)));
    const result = await cancelOrder(deps(), agentActionOf(event, body.reason), {
      orderId: id,
      ...(body.lines ? { lines: body.lines } : {}),
    });
    const { whole, cancelled, released, payment } = result.outcome;
    return json(result.duplicate ? 200 : 201, {
      order: toOrderView(result.aggregate),
      whole,
      cancelled,
      released,
      payment,
      duplicate: result.duplicate,
    });
  },
  { auth: 'agent' },
);
