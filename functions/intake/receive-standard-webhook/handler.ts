import '../../../shared/runtime/aws.js';
import { receiveWebhook } from '../../../shared/app/receive-webhook.js';
import { apiHandler, header } from '../../../shared/http/api.js';
import { STANDARD_WEBHOOK_HEADERS, verifyStandardWebhook } from '../../../shared/intake/signatures.js';
import { mapStandardOrder } from '../../../shared/intake/standard.js';
import { deps } from '../../../shared/runtime/deps.js';

/** POST /webhooks/standard — any storefront sending our order schema signed per Standard Webhooks. */
export const handler = apiHandler(
  async (event) => {
    const d = deps();
    return receiveWebhook(d, event, 'standard', {
      verify: (body, secrets) =>
        verifyStandardWebhook(
          body,
          {
            id: header(event, STANDARD_WEBHOOK_HEADERS.id),
            timestamp: header(event, STANDARD_WEBHOOK_HEADERS.timestamp),
            signature: header(event, STANDARD_WEBHOOK_HEADERS.signature),
          },
          secrets,
          d.clock.now(),
        ),
      map: mapStandardOrder,
      deliveryId: header(event, STANDARD_WEBHOOK_HEADERS.id),
    });
  },
  { auth: 'signature' },
);
