import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { confirmPick } from '../../../shared/app/confirm-pick.js';
import { BUSINESS_METRICS } from '../../../shared/config/monitoring.js';
import { OrderLineSchema } from '../../../shared/domain/order.js';
import { apiHandler, json, jsonBody } from '../../../shared/http/api.js';
import { countMetric } from '../../../shared/observability.js';
import { deps } from '../../../shared/runtime/deps.js';

const BodySchema = z.object({
  lines: z
    .array(z.object({ sku: OrderLineSchema.shape.sku, quantity: z.number().int().min(0).max(10_000) }))
    .min(1)
    .max(100),
});

/** POST /pick-tickets/{id}/confirm — the quantities picked; fewer than asked is a short pick. */
export const handler = apiHandler(async (event) => {
  const body = jsonBody(event, BodySchema);
  const result = await confirmPick(deps(), {
    pickTicketId: event.pathParameters?.id ?? '',
    lines: body.lines,
  });
  if (result.status === 'short' && !result.duplicate) countMetric(BUSINESS_METRICS.pickShort);
  return json(200, result);
});
