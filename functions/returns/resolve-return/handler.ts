import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { resolveReturn } from '../../../shared/app/returns.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { agentActionOf, ReasonSchema } from '../../../shared/http/agent-auth.js';
import { apiHandler, json, parseJson, rawBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const PathSchema = z.object({ rmaId: z.string().min(1).max(64) });
const BodySchema = z.object({ reason: ReasonSchema }).strict();

/**
 * POST /agent/returns/{rmaId}/resolution — settles a received return as it was requested (a refund
 * through the payment gateway, store credit, or an exchange's no-charge replacement order) and closes it;
 * 409 when the return is not `received`, 422 naming `exchange` when the units received are worth less
 * than the exchange.
 * `200 { return, order, duplicate }`; a retry with the same Idempotency-Key answers `duplicate: true`.
 */
export const handler = apiHandler(
  async (event) => {
    const { rmaId } = parseWith(PathSchema, event.pathParameters ?? {});
    const body = parseWith(BodySchema, parseJson(rawBody(event)));
    const action = agentActionOf(event, body.reason);
    return json(200, await resolveReturn(deps(), action, rmaId));
  },
  { auth: 'agent' },
);
