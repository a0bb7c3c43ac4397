import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { agentAudit } from '../../../shared/app/agent-actions.js';
import { parseWith, validationErrorFrom } from '../../../shared/domain/validation.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const instant = z.iso.datetime({ offset: true }).transform((value) => new Date(value).toISOString());

const QuerySchema = z.object({
  agentId: z.string().trim().min(1).max(128),
  from: instant.optional(),
  to: instant.optional(),
});

/**
 * GET /agent/audit?agentId=&from=&to= — what one agent did between two instants (ISO 8601, both optional),
 * oldest first, for supervisors only. The range is on the action's time; `to` is inclusive.
 */
export const handler = apiHandler(
  async (event) => {
    const query = parseWith(QuerySchema, event.queryStringParameters ?? {});
    if (query.from && query.to && query.to < query.from) {
      throw validationErrorFrom([{ field: 'to', message: 'must not be before from' }]);
    }
    // Sort keys are `<at>#<actionId>`: `~` sorts after `#`, so every action of the `to` instant is in. A key
    // condition takes no empty string, hence `0` for "from the start".
    const actions = await agentAudit(deps(), query.agentId, [query.from ?? '0', `${query.to ?? '9999'}~`]);
    return json(200, { actions });
  },
  { auth: 'supervisor' },
);
