import '../../../shared/runtime/aws.js';
import { receiveWebhook } from '../../../shared/app/receive-webhook.js';
import { apiHandler, header, json, rawBody } from '../../../shared/http/api.js';
import { verifyWooCommerce, WOOCOMMERCE_SIGNATURE_HEADER } from '../../../shared/intake/signatures.js';
import { isWooCommercePing, mapWooCommerceOrder } from '../../../shared/intake/woocommerce.js';
import { deps } from '../../../shared/runtime/deps.js';

/** POST /webhooks/woocommerce — WooCommerce `order.created`, plus the unsigned ping sent on creation. */
export const handler = apiHandler(
  async (event) => {
    if (isWooCommercePing(header(event, 'content-type'), rawBody(event).toString('utf8'))) {
      return json(200, { ping: true });
    }
    return receiveWebhook(deps(), event, 'woocommerce', {
      verify: (body, secrets) =>
        verifyWooCommerce(body, header(event, WOOCOMMERCE_SIGNATURE_HEADER), secrets),
      map: mapWooCommerceOrder,
      deliveryId: header(event, 'x-wc-webhook-delivery-id'),
    });
  },
  { auth: 'signature' },
);
