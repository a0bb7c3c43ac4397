import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { listNotifications } from '../../../shared/app/notifications.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const QuerySchema = z.object({ orderId: z.string().min(1).max(100) });

/** GET /notifications?orderId= — the order's notifications (recipients masked); unknown order 404. */
export const handler = apiHandler(async (event) => {
  const { orderId } = parseWith(QuerySchema, event.queryStringParameters ?? {});
  return json(200, await listNotifications(deps(), orderId));
});
