import '../../../shared/runtime/aws.js';
import { proposeReorders } from '../../../shared/app/jobs.js';
import { taskHandler } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/** Scheduled daily: drafts (and sends) purchase orders for stock at or below its reorder point. */
export const handler = taskHandler(async () => {
  const { proposals, uri, jsonUri, run } = await proposeReorders(deps());
  return { proposals, uri, jsonUri, purchaseOrders: run.purchaseOrders.map((order) => order.id) };
});
