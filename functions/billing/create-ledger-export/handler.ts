import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { exportLedgerPeriod } from '../../../shared/app/ledger-export.js';
import { EXPORT_FORMATS } from '../../../shared/domain/ledger-export.js';
import { apiHandler, json, jsonBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const BodySchema = z.strictObject({
  from: z.iso.date(),
  to: z.iso.date(),
  formats: z.array(z.enum(EXPORT_FORMATS)).min(1).optional(),
});

/**
 * POST /ledger/exports — a period's journal (UTC days, both included) as QuickBooks Online, Xero and
 * NetSuite CSVs and Parquet in the bucket: the object keys, row counts and totals per currency.
 */
export const handler = apiHandler(async (event) => {
  const body = jsonBody(event, BodySchema);
  const record = await exportLedgerPeriod(deps(), {
    from: body.from,
    to: body.to,
    ...(body.formats ? { formats: body.formats } : {}),
  });
  return json(201, record);
});
