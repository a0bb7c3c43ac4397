import '../../../shared/runtime/aws.js';
import { DisruptionInputSchema } from '../../../shared/app/disruption-input.js';
import { createDisruption } from '../../../shared/app/disruptions.js';
import { ValidationError } from '../../../shared/domain/errors.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, header, json, parseJson, rawBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{8,100}$/;

/**
 * POST /disruptions — a weather event or carrier outage: flags the orders it affects, moves their promise or
 * carriers, notifies the customers whose date moves, and answers the impact. A body `id` or an
 * `Idempotency-Key` names it, so a retry applies nothing twice (`200` with `duplicate: true`).
 */
export const handler = apiHandler(async (event) => {
  const key = header(event, 'idempotency-key');
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
    throw new ValidationError('Idempotency-Key must be 8-100 letters, digits, ".", "_", ":" or "-"', [
      { field: 'Idempotency-Key', message: 'invalid format' },
    ]);
  }
  const disruption = parseWith(DisruptionInputSchema, parseJson(rawBody(event)));
  const result = await createDisruption(deps(), { disruption, ...(key ? { idempotencyKey: key } : {}) });
  return json(result.duplicate ? 200 : 201, result);
});
