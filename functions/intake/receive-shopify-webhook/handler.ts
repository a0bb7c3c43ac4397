import '../../../shared/runtime/aws.js';
import { receiveWebhook } from '../../../shared/app/receive-webhook.js';
import { apiHandler, header } from '../../../shared/http/api.js';
import { mapShopifyOrder } from '../../../shared/intake/shopify.js';
import { SHOPIFY_SIGNATURE_HEADER, verifyShopify } from '../../../shared/intake/signatures.js';
import { deps } from '../../../shared/runtime/deps.js';

/** POST /webhooks/shopify — Shopify `orders/create`. */
export const handler = apiHandler(
  async (event) =>
    receiveWebhook(deps(), event, 'shopify', {
      verify: (body, secrets) => verifyShopify(body, header(event, SHOPIFY_SIGNATURE_HEADER), secrets),
      map: mapShopifyOrder,
      deliveryId: header(event, 'x-shopify-webhook-id') ?? header(event, 'x-shopify-event-id'),
    }),
  { auth: 'signature' },
);
