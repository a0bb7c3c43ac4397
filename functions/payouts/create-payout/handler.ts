import '../../../shared/runtime/aws.js';
import { createPayout } from '../../../shared/app/payouts.js';
import { apiHandler, json, parseJson, rawBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/**
 * POST /payouts — a supplier or seller payout, pending until a NACHA file takes it. A routing number that
 * fails the ABA check digit is a 400 on `payee.routingNumber`; the same id again 200 `duplicate`.
 */
export const handler = apiHandler(async (event) => {
  const { payout, duplicate } = await createPayout(deps(), parseJson(rawBody(event)));
  return json(duplicate ? 200 : 201, { payout, duplicate });
});
