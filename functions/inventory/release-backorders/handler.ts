import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { parseEnvelope } from '../../../shared/app/consumers.js';
import { releaseBackorders } from '../../../shared/app/release-backorders.js';
import { queueHandler } from '../../../shared/http/queue.js';
import { deps } from '../../../shared/runtime/deps.js';

/** Consumes the backorders queue: stock arrived for a SKU, so its backordered orders fill, oldest first. */
export const handler = queueHandler(async (record) => {
  const envelope = parseEnvelope(record.body);
  const sku = z.string().parse(envelope.detail.data.sku);
  return releaseBackorders(deps(), { sku });
});
