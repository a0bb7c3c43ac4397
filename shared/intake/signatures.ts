import { createHmac, timingSafeEqual } from 'node:crypto';
import { UnauthorizedError } from '../domain/errors.js';

/**
 * Webhook signature checks for every channel. Each accepts several active secrets so a secret can be
 * rotated without dropping deliveries still signed with the old one. Comparisons are constant-time over
 * the decoded digest bytes; messages say which check failed but never echo a secret or a signature.
 */

export const SHOPIFY_SIGNATURE_HEADER = 'x-shopify-hmac-sha256';
export const WOOCOMMERCE_SIGNATURE_HEADER = 'x-wc-webhook-signature';
export const STANDARD_WEBHOOK_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

export type Body = Uint8Array | string;

const SHA256_BYTES = 32;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const STANDARD_SECRET_PREFIX = 'whsec_';

export function verifyShopify(rawBody: Body, headerValue: string | undefined, secrets: string[]): void {
  verifyHmacHeader('Shopify', SHOPIFY_SIGNATURE_HEADER, rawBody, headerValue, secrets);
}

export function verifyWooCommerce(rawBody: Body, headerValue: string | undefined, secrets: string[]): void {
  verifyHmacHeader('WooCommerce', WOOCOMMERCE_SIGNATURE_HEADER, rawBody, headerValue, secrets);
}

export function signShopify(body: Body, secret: string): string {
  return hmac(utf8(secret), [bytes(body)]).toString('base64');
}

export function signWooCommerce(body: Body, secret: string): string {
  return hmac(utf8(secret), [bytes(body)]).toString('base64');
}

export interface StandardWebhookHeaders {
  id?: string | undefined;
  timestamp?: string | undefined;
  signature?: string | undefined;
}

/**
 * Standard Webhooks (https://www.standardwebhooks.com): HMAC-SHA256 over `${id}.${timestamp}.${body}`,
 * keyed with the base64-decoded secret, sent as space-separated `v1,<base64>` entries. The timestamp
 * check bounds how long a captured delivery can be replayed.
 */
export function verifyStandardWebhook(
  rawBody: Body,
  headers: StandardWebhookHeaders,
  secrets: string[],
  now: Date,
  toleranceSeconds = 300,
): void {
  const { id, timestamp, signature } = headers;
  if (!id) throw missingHeader('Standard Webhooks', STANDARD_WEBHOOK_HEADERS.id);
  if (!timestamp) throw missingHeader('Standard Webhooks', STANDARD_WEBHOOK_HEADERS.timestamp);
  if (!signature) throw missingHeader('Standard Webhooks', STANDARD_WEBHOOK_HEADERS.signature);

  if (!/^\d{1,12}$/.test(timestamp)) {
    throw new UnauthorizedError(
      `Standard Webhooks: ${STANDARD_WEBHOOK_HEADERS.timestamp} is not integer seconds since the epoch`,
    );
  }
  const skew = Math.floor(now.getTime() / 1000) - Number(timestamp);
  if (Math.abs(skew) > toleranceSeconds) {
    const direction = skew > 0 ? 'too old' : 'in the future';
    throw new UnauthorizedError(
      `Standard Webhooks: timestamp outside tolerance (${direction} by ${Math.abs(skew)}s, tolerance ${toleranceSeconds}s)`,
    );
  }

  // Other versions (v1a is asymmetric ed25519) are skipped: an unknown scheme must not count as a match.
  const candidates = signature
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => decodeDigest(entry.slice(3)))
    .filter((digest): digest is Buffer => digest !== undefined);
  if (candidates.length === 0) {
    throw new UnauthorizedError(
      `Standard Webhooks: ${STANDARD_WEBHOOK_HEADERS.signature} has no well-formed v1 signature`,
    );
  }

  const keys = usableKeys(secrets.map(standardSecretKey), 'Standard Webhooks');
  const content = [utf8(`${id}.${timestamp}.`), bytes(rawBody)];
  for (const key of keys) {
    const expected = hmac(key, content);
    if (candidates.some((candidate) => safeEqual(candidate, expected))) return;
  }
  throw new UnauthorizedError('Standard Webhooks: bad signature (no active secret matches)');
}

export interface StandardWebhookSignInput {
  id: string;
  /** Seconds since the epoch, as sent in `webhook-timestamp`. */
  timestamp: number | string;
  body: Body;
  secret: string;
}

/** The `webhook-signature` header value for one secret: `v1,<base64>`. */
export function signStandardWebhook({ id, timestamp, body, secret }: StandardWebhookSignInput): string {
  const key = standardSecretKey(secret);
  return `v1,${hmac(key, [utf8(`${id}.${timestamp}.`), bytes(body)]).toString('base64')}`;
}

/** All three Standard Webhooks headers for a delivery, as a sender (or a test) puts them on the request. */
export function standardWebhookHeaders(input: StandardWebhookSignInput): Record<string, string> {
  return {
    [STANDARD_WEBHOOK_HEADERS.id]: input.id,
    [STANDARD_WEBHOOK_HEADERS.timestamp]: String(input.timestamp),
    [STANDARD_WEBHOOK_HEADERS.signature]: signStandardWebhook(input),
  };
}

function verifyHmacHeader(
  channel: string,
  header: string,
  rawBody: Body,
  headerValue: string | undefined,
  secrets: string[],
): void {
  if (!headerValue) throw missingHeader(channel, header);
  const provided = decodeDigest(headerValue.trim());
  if (!provided) throw new UnauthorizedError(`${channel}: ${header} is not a base64 HMAC-SHA256 digest`);
  const keys = usableKeys(secrets.map(utf8), channel);
  const body = [bytes(rawBody)];
  for (const key of keys) {
    if (safeEqual(provided, hmac(key, body))) return;
  }
  throw new UnauthorizedError(`${channel}: bad signature (no active secret matches)`);
}

/** A secret is `whsec_<base64>`; without the prefix it is still base64, as the reference libraries accept. */
function standardSecretKey(secret: string): Buffer {
  const encoded = secret.startsWith(STANDARD_SECRET_PREFIX)
    ? secret.slice(STANDARD_SECRET_PREFIX.length)
    : secret;
  return Buffer.from(encoded, 'base64');
}

/** An empty key makes the HMAC forgeable by anyone, so a blank secret is never tried. */
function usableKeys(keys: Buffer[], channel: string): Buffer[] {
  const usable = keys.filter((key) => key.length > 0);
  if (usable.length === 0) throw new UnauthorizedError(`${channel}: no webhook secret is configured`);
  return usable;
}

function decodeDigest(text: string): Buffer | undefined {
  if (!BASE64.test(text)) return undefined;
  const digest = Buffer.from(text, 'base64');
  return digest.length === SHA256_BYTES ? digest : undefined;
}

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function hmac(key: Buffer, parts: Uint8Array[]): Buffer {
  const mac = createHmac('sha256', key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

function missingHeader(channel: string, header: string): UnauthorizedError {
  return new UnauthorizedError(`${channel}: missing ${header} header`);
}

function bytes(body: Body): Uint8Array {
  return typeof body === 'string' ? utf8(body) : body;
}

function utf8(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}
