import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';
import { stockForSku } from '../../../shared/store/inventory.js';

const PathSchema = z.object({ sku: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'not a valid SKU') });

/** GET /inventory/{sku} — on-hand, reserved and available per location. */
export const handler = apiHandler(async (event) => {
  const { sku } = parseWith(PathSchema, event.pathParameters ?? {});
  const rows = await stockForSku(deps(), sku);
  return json(200, {
    sku,
    locations: rows.map(({ locationId, onHand, reserved, available }) => ({
      locationId,
      onHand,
      reserved,
      available,
    })),
    totals: {
      onHand: rows.reduce((sum, row) => sum + row.onHand, 0),
      reserved: rows.reduce((sum, row) => sum + row.reserved, 0),
      available: rows.reduce((sum, row) => sum + row.available, 0),
    },
  });
});
