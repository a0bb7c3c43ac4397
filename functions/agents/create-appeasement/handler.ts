import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { type AppeasementRequest, createAppeasement } from '../../../shared/app/appeasements.js';
import { parseWith, validationErrorFrom } from '../../../shared/domain/validation.js';
import { agentActionOf, ReasonSchema } from '../../../shared/http/agent-auth.js';
import { apiHandler, json, parseJson, rawBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const PathSchema = z.object({ id: z.string().regex(/^ord_[0-9a-f]{24}$/, 'not an order id') });

const minor = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

const BodySchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('refund'), reason: ReasonSchema, amount: minor }),
  z.strictObject({
    kind: z.literal('coupon'),
    reason: ReasonSchema,
    amount: minor.optional(),
    percentOff: z.number().int().min(1).max(100).optional(),
  }),
]);

/**
 * POST /agent/orders/{id}/appeasements — a goodwill gesture: `{ kind: 'refund', amount }` (minor units, back
 * on the card) or `{ kind: 'coupon', amount | percentOff }` (a single-use code for a next order), within the
 * agent's role limits (403 naming the limit; a supervisor's are higher). The `Idempotency-Key` header names
 * it: a retry answers 200 with the same refund or code and `duplicate: true`.
 */
export const handler = apiHandler(
  async (event) => {
    const { id } = parseWith(PathSchema, event.pathParameters ?? {});
    const body = parseWith(BodySchema, parseJson(rawBody(event)));
    let request: AppeasementRequest;
    if (body.kind === 'refund') {
      request = { kind: 'refund', amount: body.amount };
    } else if ((body.amount === undefined) === (body.percentOff === undefined)) {
      throw validationErrorFrom([
        { field: 'amount', message: 'a coupon takes amount or percentOff, not both' },
      ]);
    } else {
      request =
        body.amount !== undefined
          ? { kind: 'coupon', amount: body.amount }
          : { kind: 'coupon', percentOff: body.percentOff ?? 0 };
    }
    const result = await createAppeasement(deps(), agentActionOf(event, body.reason), {
      orderId: id,
      request,
    });
    return json(result.duplicate ? 200 : 201, result);
  },
  { auth: 'agent' },
);
