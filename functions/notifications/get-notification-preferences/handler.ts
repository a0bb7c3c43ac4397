import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { getNotificationPreference } from '../../../shared/app/notifications.js';
import { EMAIL_HASH } from '../../../shared/domain/email-hash.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const PathSchema = z.object({
  emailHash: z
    .string()
    .regex(EMAIL_HASH, 'SHA-256 (64 lower-case hex digits) of the email, trimmed and lower case'),
});

/** GET /customers/{emailHash}/notification-preferences — the customer's channel; email when never set. */
export const handler = apiHandler(async (event) => {
  const { emailHash } = parseWith(PathSchema, event.pathParameters ?? {});
  return json(200, await getNotificationPreference(deps(), emailHash));
});
