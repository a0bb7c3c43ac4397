import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { exportLedger } from '../../../shared/app/jobs.js';
import { exportLedgerPeriod } from '../../../shared/app/ledger-export.js';
import { parseTask } from '../../../shared/app/task-input.js';
import { EXPORT_FORMATS } from '../../../shared/domain/ledger-export.js';
import { taskHandler } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const InputSchema = z
  .object({
    day: z.iso.date().optional(),
    from: z.iso.date().optional(),
    to: z.iso.date().optional(),
    formats: z.array(z.enum(EXPORT_FORMATS)).min(1).optional(),
  })
  .catch({});

/**
 * Scheduled daily: yesterday's journal as the CSV of `exports/ledger/<day>.csv` and in every finance format
 * (docs/exports.md). On demand: `{ "day": "YYYY-MM-DD" }` the same for that day, or
 * `{ "from", "to", "formats"? }` a longer period than the HTTP route's 29 seconds allow.
 */
export const handler = taskHandler(async (event: unknown) => {
  const input = parseTask(InputSchema, event ?? {});
  if (input.from && input.to) {
    return exportLedgerPeriod(deps(), {
      from: input.from,
      to: input.to,
      ...(input.formats ? { formats: input.formats } : {}),
    });
  }
  return exportLedger(deps(), input.day ? { day: input.day } : {});
});
