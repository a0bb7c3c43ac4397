import { GetParameterCommand, ParameterNotFound, type SSMClient } from '@aws-sdk/client-ssm';
import type { SecretStore, WebhookChannel } from '../../ports/secret-store.js';

const CACHE_MS = 5 * 60 * 1000;

/** The SecureString holding the API's bearer keys, comma-separated (two during a rotation). */
export const API_KEYS_PARAMETER = '/oms/api-keys';

/**
 * Secrets from SSM Parameter Store: one SecureString per webhook channel under the prefix, and one for the
 * API keys, each holding one or more comma-separated values (two during a rotation). Cached for five
 * minutes per container, so a rotation is picked up without a deployment.
 */
export class SsmSecretStore implements SecretStore {
  private readonly cache = new Map<string, { at: number; values: string[] }>();

  constructor(
    private readonly client: SSMClient,
    private readonly prefix: string,
    private readonly apiKeysParameter: string = API_KEYS_PARAMETER,
  ) {}

  webhookSecrets(channel: WebhookChannel): Promise<string[]> {
    return this.read(`${this.prefix}${channel}`);
  }

  apiKeys(): Promise<string[]> {
    return this.read(this.apiKeysParameter);
  }

  private async read(name: string): Promise<string[]> {
    const cached = this.cache.get(name);
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.values;
    try {
      const result = await this.client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      const values = (result.Parameter?.Value ?? '')
        .split(',')
        .map((value) => value.trim())
        .filter(Boolean);
      this.cache.set(name, { at: Date.now(), values });
      return values;
    } catch (error) {
      if (error instanceof ParameterNotFound) return [];
      throw error;
    }
  }
}
