import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { detectAbandonedCarts } from '../../../shared/app/carts.js';
import { taskHandler } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/** A run may shorten the quiet period (a test, a manual run); the schedule sends `{}`. */
const InputSchema = z.object({ quietPeriodMinutes: z.number().positive().optional() }).catch({});

/** Scheduled every 15 minutes: carts quiet for the quiet period become `CartAbandoned`, with their cause. */
export const handler = taskHandler(async (event: unknown) =>
  detectAbandonedCarts(deps(), InputSchema.parse(event ?? {})),
);
