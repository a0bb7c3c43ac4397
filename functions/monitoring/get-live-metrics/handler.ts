import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { liveMetrics } from '../../../shared/app/live-metrics.js';
import { SkuSchema } from '../../../shared/app/location-input.js';
import { LIVE_METRICS } from '../../../shared/config/monitoring.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const QuerySchema = z.object({
  windowMinutes: z.coerce
    .number()
    .int()
    .min(1)
    .max(LIVE_METRICS.maxWindowMinutes)
    .default(LIVE_METRICS.defaultWindowMinutes),
  // Comma-separated, which is also how API Gateway passes a repeated `sku=`.
  sku: z
    .string()
    .max(2000)
    .optional()
    .transform((value) => (value === undefined ? [] : value.split(',')))
    .pipe(z.array(SkuSchema).max(LIVE_METRICS.maxSkus)),
  lowStockThreshold: z.coerce
    .number()
    .int()
    .min(0)
    .max(1_000_000)
    .default(LIVE_METRICS.defaultLowStockThreshold),
});

/**
 * GET /metrics/live?windowMinutes=&sku=&lowStockThreshold= — orders by status, throughput in the window,
 * allocation failures, stuck workflows, dead-letter queue depths and low stock (docs/monitoring.md).
 */
export const handler = apiHandler(async (event) => {
  const query = parseWith(QuerySchema, event.queryStringParameters ?? {});
  return json(
    200,
    await liveMetrics(deps(), {
      windowMinutes: query.windowMinutes,
      skus: query.sku,
      lowStockThreshold: query.lowStockThreshold,
    }),
  );
});
