import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SecretStore, WebhookChannel } from '../../shared/ports/secret-store.js';

export type LocalSecrets = Record<WebhookChannel, string[]>;

const ENV: Record<WebhookChannel, string> = {
  shopify: 'OMS_SHOPIFY_SECRET',
  woocommerce: 'OMS_WOOCOMMERCE_SECRET',
  standard: 'OMS_STANDARD_WEBHOOK_SECRET',
};

/** Comma-separated, so two can be active during a rotation. */
const list = (value: string | undefined): string[] | undefined =>
  value
    ?.split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);

/**
 * Webhook secrets for the embedded runtime: from the environment when set (comma-separated, so two can be
 * active during a rotation), otherwise generated once and kept in the data dir so they survive restarts.
 */
export function loadLocalSecrets(file: string, env: NodeJS.ProcessEnv = process.env): LocalSecrets {
  let stored: Partial<LocalSecrets> = {};
  if (existsSync(file)) stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalSecrets>;
  const generated: LocalSecrets = {
    shopify: stored.shopify ?? [randomBytes(24).toString('hex')],
    woocommerce: stored.woocommerce ?? [randomBytes(24).toString('hex')],
    standard: stored.standard ?? [`whsec_${randomBytes(24).toString('base64')}`],
  };
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(generated, null, 2), { mode: 0o600 });
  }
  const fromEnv = (channel: WebhookChannel) => list(env[ENV[channel]]);
  return {
    shopify: fromEnv('shopify') ?? generated.shopify,
    woocommerce: fromEnv('woocommerce') ?? generated.woocommerce,
    standard: fromEnv('standard') ?? generated.standard,
  };
}

/**
 * API keys come from OMS_API_KEYS only, read once when the runtime starts: left unset, the local demo's API
 * is open (the HTTP layer warns once), and nothing is generated because a key nobody knows locks users out.
 */
export class LocalSecretStore implements SecretStore {
  private readonly keys: string[];

  constructor(
    private readonly secrets: LocalSecrets,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.keys = list(env.OMS_API_KEYS) ?? [];
  }

  async webhookSecrets(channel: WebhookChannel): Promise<string[]> {
    return this.secrets[channel];
  }

  async apiKeys(): Promise<string[]> {
    return this.keys;
  }
}
