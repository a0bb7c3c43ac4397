import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { refundOrder } from '../../../shared/app/payments.js';
import { ValidationError } from '../../../shared/domain/errors.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, header, json, parseJson, rawBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{8,100}$/;

const PathSchema = z.object({ id: z.string().regex(/^ord_[0-9a-f]{24}$/, 'not an order id') });

const BodySchema = z
  .object({
    amount: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
    lines: z
      .array(
        z.object({
          sku: z.string().min(1).max(64),
          quantity: z.number().int().positive().max(10_000),
        }),
      )
      .min(1)
      .max(100)
      .optional(),
    reason: z.string().trim().min(1).max(500),
    idempotencyKey: z
      .string()
      .regex(IDEMPOTENCY_KEY, '8-100 letters, digits, ".", "_", ":" or "-"')
      .optional(),
  })
  .strict();

/**
 * POST /orders/{id}/refunds — returns captured money, all of it (no amount), an `amount` of minor units or
 * the worth of some `lines`; never more than captured less refunded. The body's `idempotencyKey` or an
 * `Idempotency-Key` header names the refund: a retry refunds nothing twice (`200` with `duplicate: true`).
 */
export const handler = apiHandler(async (event) => {
  const { id } = parseWith(PathSchema, event.pathParameters ?? {});
  const body = parseWith(BodySchema, parseJson(rawBody(event)));
  const key = header(event, 'idempotency-key') ?? body.idempotencyKey;
  if (key === undefined || !IDEMPOTENCY_KEY.test(key)) {
    throw new ValidationError('send an Idempotency-Key header (or idempotencyKey in the body)', [
      { field: 'Idempotency-Key', message: key === undefined ? 'required' : 'invalid format' },
    ]);
  }
  if (body.idempotencyKey && header(event, 'idempotency-key') && body.idempotencyKey !== key) {
    throw new ValidationError('the Idempotency-Key header and the body idempotencyKey differ', [
      { field: 'idempotencyKey', message: 'differs from the header' },
    ]);
  }
  const result = await refundOrder(deps(), {
    orderId: id,
    reason: body.reason,
    idempotencyKey: key,
    ...(body.amount !== undefined ? { amount: body.amount } : {}),
    ...(body.lines ? { lines: body.lines } : {}),
  });
  const { requestHash: _hash, ...refund } = result.refund;
  return json(result.duplicate ? 200 : 201, { refund, duplicate: result.duplicate });
});
