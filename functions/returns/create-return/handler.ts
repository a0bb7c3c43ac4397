import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { requestReturn } from '../../../shared/app/returns.js';
import { RETURN_RESOLUTIONS } from '../../../shared/domain/returns.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { agentActionOf, ReasonSchema } from '../../../shared/http/agent-auth.js';
import { apiHandler, json, parseJson, rawBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const PathSchema = z.object({ id: z.string().regex(/^ord_[0-9a-f]{24}$/, 'not an order id') });

const BodySchema = z
  .object({
    reason: ReasonSchema,
    lines: z
      .array(
        z
          .object({
            sku: z.string().min(1).max(64),
            quantity: z.number().int().positive().max(10_000),
            reason: ReasonSchema.optional(),
          })
          .strict(),
      )
      .min(1)
      .max(100),
    resolution: z.enum(RETURN_RESOLUTIONS),
    exchange: z
      .array(
        z
          .object({ sku: z.string().min(1).max(64), quantity: z.number().int().positive().max(10_000) })
          .strict(),
      )
      .min(1)
      .max(100)
      .optional(),
  })
  .strict();

/**
 * POST /agent/orders/{id}/returns — opens a return of shipped goods (`requested`), checked against the
 * returns policy (422 naming the rule: window, non-returnable SKU, more than shipped). Resolution `exchange`
 * needs `exchange` lines: SKUs of the order worth no more than the returned units at the order's unit
 * prices (422 naming the field).
 * `201 { return, order }`; a retry with the same Idempotency-Key answers `200` with `duplicate: true`.
 */
export const handler = apiHandler(
  async (event) => {
    const { id } = parseWith(PathSchema, event.pathParameters ?? {});
    const body = parseWith(BodySchema, parseJson(rawBody(event)));
    const action = agentActionOf(event, body.reason);
    const outcome = await requestReturn(deps(), action, {
      orderId: id,
      lines: body.lines,
      resolution: body.resolution,
      ...(body.exchange ? { exchange: body.exchange } : {}),
    });
    return json(outcome.duplicate ? 200 : 201, outcome);
  },
  { auth: 'agent' },
);
