import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { refuseReturn } from '../../../shared/app/returns.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { agentActionOf, ReasonSchema } from '../../../shared/http/agent-auth.js';
import { apiHandler, json, parseJson, rawBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const PathSchema = z.object({ rmaId: z.string().min(1).max(64) });
const BodySchema = z.object({ reason: ReasonSchema }).strict();

/**
 * POST /agent/returns/{rmaId}/refusal — refuses a requested return: the customer keeps the goods and
 * nothing is refunded; 409 when the return is not `requested`.
 * `200 { return, order, duplicate }`; a retry with the same Idempotency-Key answers `duplicate: true`.
 */
export const handler = apiHandler(
  async (event) => {
    const { rmaId } = parseWith(PathSchema, event.pathParameters ?? {});
    const body = parseWith(BodySchema, parseJson(rawBody(event)));
    const action = agentActionOf(event, body.reason);
    return json(200, await refuseReturn(deps(), action, rmaId));
  },
  { auth: 'agent' },
);
