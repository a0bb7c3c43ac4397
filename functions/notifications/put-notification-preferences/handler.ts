import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { PreferenceBodySchema, putNotificationPreference } from '../../../shared/app/notifications.js';
import { EMAIL_HASH } from '../../../shared/domain/email-hash.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json, jsonBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const PathSchema = z.object({
  emailHash: z
    .string()
    .regex(EMAIL_HASH, 'SHA-256 (64 lower-case hex digits) of the email, trimmed and lower case'),
});

/**
 * PUT /customers/{emailHash}/notification-preferences — `{ channel: 'email' | 'sms' | 'none', phone? }`. SMS
 * goes to this phone, else the order's; without either the customer gets email.
 */
export const handler = apiHandler(async (event) => {
  const { emailHash } = parseWith(PathSchema, event.pathParameters ?? {});
  const body = jsonBody(event, PreferenceBodySchema);
  return json(200, await putNotificationPreference(deps(), emailHash, body));
});
