import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { customerInterest } from '../../../shared/app/marketing.js';
import { EMAIL_HASH } from '../../../shared/domain/email-hash.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const PathSchema = z.object({
  emailHash: z
    .string()
    .regex(EMAIL_HASH, 'SHA-256 (64 lower-case hex digits) of the email, trimmed and lower case'),
});

/**
 * GET /marketing/customers/{emailHash}/interest — a customer's carts, abandoned carts, orders and recoveries,
 * by the hash of the email (the email itself never travels in the URL). Zeros for a customer never seen.
 */
export const handler = apiHandler(async (event) => {
  const { emailHash } = parseWith(PathSchema, event.pathParameters ?? {});
  return json(200, await customerInterest(deps(), emailHash));
});
