import '../../../shared/runtime/aws.js';
import { confirmPick } from '../../../shared/app/confirm-pick.js';
import { ConfirmPickBodySchema } from '../../../shared/app/pick-input.js';
import { BUSINESS_METRICS } from '../../../shared/config/monitoring.js';
import { withCartonIds } from '../../../shared/domain/pick.js';
import { apiHandler, json, jsonBody } from '../../../shared/http/api.js';
import { countMetric } from '../../../shared/observability.js';
import { deps } from '../../../shared/runtime/deps.js';

/**
 * POST /pick-tickets/{id}/confirm — the quantities picked (and, optionally, the cartons packed); fewer than
 * asked is a short pick: the rest is re-routed or backordered and what was picked ships.
 */
export const handler = apiHandler(async (event) => {
  const body = jsonBody(event, ConfirmPickBodySchema);
  const result = await confirmPick(deps(), {
    pickTicketId: event.pathParameters?.id ?? '',
    lines: body.lines,
    ...(body.cartons ? { cartons: withCartonIds(body.cartons) } : {}),
  });
  if (result.status === 'short' && !result.duplicate) countMetric(BUSINESS_METRICS.pickShort);
  return json(200, result);
});
