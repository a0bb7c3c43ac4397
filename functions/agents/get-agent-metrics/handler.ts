import '../../../shared/runtime/aws.js';
import { liveMetrics } from '../../../shared/app/live-metrics.js';
import { LIVE_METRICS } from '../../../shared/config/monitoring.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/** GET /agent/metrics/live — the live metrics of GET /metrics/live with their defaults, for the console. */
export const handler = apiHandler(
  async () =>
    json(
      200,
      await liveMetrics(deps(), {
        windowMinutes: LIVE_METRICS.defaultWindowMinutes,
        skus: [],
        lowStockThreshold: LIVE_METRICS.defaultLowStockThreshold,
      }),
    ),
  { auth: 'agent' },
);
