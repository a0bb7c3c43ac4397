import '../../../shared/runtime/aws.js';
import { createAchFile } from '../../../shared/app/payouts.js';
import { apiHandler, json, parseJson, rawBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/**
 * POST /payouts/ach-files — `{ id?, effectiveDate, companyId?, referenceCode? }`: one NACHA file of the
 * pending payouts due by that date, in the bucket; each payout marked included and posted to the ledger.
 */
export const handler = apiHandler(async (event) => {
  const result = await createAchFile(deps(), parseJson(rawBody(event)));
  return json(result.duplicate ? 200 : 201, result);
});
