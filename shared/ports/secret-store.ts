export type WebhookChannel = 'shopify' | 'woocommerce' | 'standard';

/**
 * Webhook signing secrets and API keys. Several of each may be active at once so one can be rotated
 * without dropping deliveries signed with the old secret or requests sent with the old key.
 */
export interface SecretStore {
  webhookSecrets(channel: WebhookChannel): Promise<string[]>;
  /** Bearer keys accepted on every non-webhook route; none configured means the API is open. */
  apiKeys(): Promise<string[]>;
}
