export type WebhookChannel = 'shopify' | 'woocommerce' | 'standard';

/**
 * Webhook signing secrets. Several may be active at once so a secret can be rotated without dropping
 * deliveries signed with the old one.
 */
export interface SecretStore {
  webhookSecrets(channel: WebhookChannel): Promise<string[]>;
}
