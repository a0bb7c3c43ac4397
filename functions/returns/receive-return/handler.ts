import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { receiveReturn } from '../../../shared/app/returns.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { agentActionOf, ReasonSchema } from '../../../shared/http/agent-auth.js';
import { apiHandler, json, parseJson, rawBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const PathSchema = z.object({ rmaId: z.string().min(1).max(64) });
const BodySchema = z
  .object({
    reason: ReasonSchema,
    lines: z
      .array(
        z
          .object({
            sku: z.string().min(1).max(64),
            quantity: z.number().int().positive().max(10_000),
            condition: z.enum(['sellable', 'damaged', 'defective']),
            disposition: z.enum(['restock', 'write_off']).optional(),
            locationId: z
              .string()
              .regex(/^[A-Za-z0-9._-]{1,64}$/, 'not a location id')
              .optional(),
          })
          .strict(),
      )
      .min(1)
      .max(100),
  })
  .strict();

/**
 * POST /agent/returns/{rmaId}/receipt — books the returned parcel of an authorized return: per row a
 * quantity, a condition and a disposition (default from the policy); restocked rows add on-hand at their
 * location (default the return location), written-off rows add nothing. `200 { return, order, duplicate }`.
 */
export const handler = apiHandler(
  async (event) => {
    const { rmaId } = parseWith(PathSchema, event.pathParameters ?? {});
    const body = parseWith(BodySchema, parseJson(rawBody(event)));
    const action = agentActionOf(event, body.reason);
    return json(200, await receiveReturn(deps(), action, rmaId, body.lines));
  },
  { auth: 'agent' },
);
