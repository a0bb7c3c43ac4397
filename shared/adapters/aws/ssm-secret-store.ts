import { GetParameterCommand, ParameterNotFound, type SSMClient } from '@aws-sdk/client-ssm';
import type { SecretStore, WebhookChannel } from '../../ports/secret-store.js';

const CACHE_MS = 5 * 60 * 1000;

/**
 * Webhook secrets from SSM Parameter Store: one SecureString per channel under the prefix, holding one or
 * more comma-separated secrets (two during a rotation). Cached for five minutes per container.
 */
export class SsmSecretStore implements SecretStore {
  private readonly cache = new Map<WebhookChannel, { at: number; secrets: string[] }>();

  constructor(
    private readonly client: SSMClient,
    private readonly prefix: string,
  ) {}

  async webhookSecrets(channel: WebhookChannel): Promise<string[]> {
    const cached = this.cache.get(channel);
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.secrets;
    try {
      const result = await this.client.send(
        new GetParameterCommand({ Name: `${this.prefix}${channel}`, WithDecryption: true }),
      );
      const secrets = (result.Parameter?.Value ?? '')
        .split(',')
        .map((secret) => secret.trim())
        .filter(Boolean);
      this.cache.set(channel, { at: Date.now(), secrets });
      return secrets;
    } catch (error) {
      if (error instanceof ParameterNotFound) return [];
      throw error;
    }
  }
}
