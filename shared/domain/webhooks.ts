import { createHash, randomBytes } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { type WebhookPolicy, webhookLimits } from '../config/webhooks.js';
import { eventCatalogue } from '../events/catalogue.js';
import { STANDARD_WEBHOOK_HEADERS, signStandardWebhook } from '../intake/signatures.js';
import { ValidationError } from './errors.js';

/**
 * Outbound webhooks' rules, with no I/O: which endpoints may be called, what is sent and how it is signed,
 * when a failed delivery is tried again and when a failing endpoint is switched off.
 */

/** Every detail-type of the event catalogue: what a subscription may ask for. */
export const subscribableEventTypes: readonly string[] = eventCatalogue.map((event) => event.detailType);

// ----- Endpoints ---------------------------------------------------------------------------------------

export interface UrlRules {
  /** http and loopback hosts accepted (the local runtime, or OMS_ALLOW_HTTP_WEBHOOKS=true). */
  allowHttpLoopback: boolean;
}

/** Names that only mean something inside a network, never a merchant's public endpoint. */
const PRIVATE_SUFFIXES = ['localhost', 'local', 'internal', 'intranet', 'lan', 'home.arpa', 'arpa'];
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

const refuse = (message: string) => new ValidationError(`url: ${message}`, [{ field: 'url', message }]);

/**
 * The endpoint as it will be called, or a ValidationError on `url`. https only, to a public host: no
 * credentials, no fragment, no IP literal in a private, loopback, link-local or reserved range, no
 * single-label or intranet name. With `allowHttpLoopback`, also http(s) to localhost, 127.0.0.0/8 and ::1.
 * The sender checks the address it actually connects to again (a public name can resolve to a private one).
 */
export function parseWebhookUrl(text: string, rules: UrlRules): string {
  if (text.length > webhookLimits.maxUrlLength)
    throw refuse(`at most ${webhookLimits.maxUrlLength} characters`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw refuse('not an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw refuse('must be an https URL');
  if (url.username !== '' || url.password !== '') throw refuse('must not carry a user name or password');
  if (url.hash !== '') throw refuse('must not have a fragment');
  const host = hostOf(url);
  if (isLoopbackHost(host)) {
    if (!rules.allowHttpLoopback) throw refuse('must not point at this machine');
    return url.href;
  }
  if (url.protocol !== 'https:') {
    throw refuse(rules.allowHttpLoopback ? 'must be https (http only to localhost)' : 'must be an https URL');
  }
  if (isIPv4(host) || isIPv6(host)) {
    if (!isPublicAddress(host)) throw refuse('must not point at a private, link-local or reserved address');
    return url.href;
  }
  const labels = host.split('.');
  if (labels.length < 2 || !labels.every((label) => LABEL.test(label))) {
    throw refuse('must name a public host (a domain name with a dot, or a public IP address)');
  }
  if (PRIVATE_SUFFIXES.some((suffix) => host === suffix || host.endsWith(`.${suffix}`))) {
    throw refuse('must name a public host, not an intranet or reserved name');
  }
  return url.href;
}

/** The URL's host without IPv6 brackets (the URL parser has already lower-cased and normalized it). */
export const hostOf = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  return isLoopbackAddress(host);
}

export function isLoopbackAddress(address: string): boolean {
  if (isIPv4(address)) return inRange(ipv4(address), ...v4('127.0.0.0', 8));
  const mapped = mappedIpv4(address);
  if (mapped !== undefined) return inRange(mapped, ...v4('127.0.0.0', 8));
  return isIPv6(address) && ipv6(address) === 1n;
}

type Range = readonly [network: bigint, bits: number, width: number];

const v4 = (address: string, bits: number): Range => [ipv4(address), bits, 32];
const v6 = (address: string, bits: number): Range => [ipv6(address), bits, 128];

/** Special-purpose ranges (IANA registries): none of them is a merchant's public endpoint. */
const BLOCKED_V4: readonly Range[] = [
  v4('0.0.0.0', 8),
  v4('10.0.0.0', 8),
  v4('100.64.0.0', 10),
  v4('127.0.0.0', 8),
  v4('169.254.0.0', 16),
  v4('172.16.0.0', 12),
  v4('192.0.0.0', 24),
  v4('192.0.2.0', 24),
  v4('192.88.99.0', 24),
  v4('192.168.0.0', 16),
  v4('198.18.0.0', 15),
  v4('198.51.100.0', 24),
  v4('203.0.113.0', 24),
  v4('224.0.0.0', 4),
  v4('240.0.0.0', 4),
];
const BLOCKED_V6: readonly Range[] = [
  v6('::', 128),
  v6('::1', 128),
  v6('100::', 64),
  v6('2001::', 23),
  v6('2001:db8::', 32),
  v6('2002::', 16),
  v6('fc00::', 7),
  v6('fe80::', 10),
  v6('fec0::', 10),
  v6('ff00::', 8),
];

/** Whether an IP address is one a webhook may be sent to: public unicast, IPv4 inside IPv6 judged as IPv4. */
export function isPublicAddress(address: string): boolean {
  if (isIPv4(address)) {
    const value = ipv4(address);
    return !BLOCKED_V4.some((range) => inRange(value, ...range));
  }
  if (!isIPv6(address)) return false;
  const embedded = mappedIpv4(address);
  if (embedded !== undefined) return isPublicAddress(bigintToIpv4(embedded));
  const value = ipv6(address);
  // Only global unicast (2000::/3) is routed on the internet.
  if (value >> 125n !== 1n) return false;
  return !BLOCKED_V6.some((range) => inRange(value, ...range));
}

function inRange(value: bigint, network: bigint, bits: number, width: number): boolean {
  const shift = BigInt(width - bits);
  return value >> shift === network >> shift;
}

function ipv4(address: string): bigint {
  return address.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

const bigintToIpv4 = (value: bigint): string =>
  [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');

function ipv6(address: string): bigint {
  let text = address.split('%')[0] ?? '';
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const low = ipv4(dotted[1]);
    text = `${text.slice(0, dotted.index)}${(low >> 16n).toString(16)}:${(low & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const missing = tail === undefined ? 0 : 8 - headParts.length - tailParts.length;
  const hextets = [...headParts, ...Array<string>(missing).fill('0'), ...tailParts];
  return hextets.reduce((acc, hextet) => (acc << 16n) | BigInt(Number.parseInt(hextet || '0', 16)), 0n);
}

/** The IPv4 address inside an IPv4-mapped (::ffff:0:0/96) or NAT64 (64:ff9b::/96) IPv6 address. */
function mappedIpv4(address: string): bigint | undefined {
  if (!isIPv6(address)) return undefined;
  const value = ipv6(address);
  const prefix = value >> 32n;
  if (prefix === 0xffffn || prefix === 0x64ff9b0000000000000000n) return value & 0xffffffffn;
  return undefined;
}

// ----- What is sent ------------------------------------------------------------------------------------

export interface WebhookEvent {
  detailType: string;
  idempotencyKey: string;
  occurredAt: string;
  data: unknown;
}

/**
 * `webhook-id`: the same for every attempt and every republish of one event (the outbox publishes at least
 * once, each time with a new EventBridge id), so an endpoint deduplicates on it.
 */
export function webhookMessageId(detailType: string, idempotencyKey: string): string {
  const digest = createHash('sha256').update(`${detailType}\n${idempotencyKey}`, 'utf8').digest('hex');
  return `msg_${digest.slice(0, 32)}`;
}

/** The body: Standard Webhooks' `{type, timestamp, data}`, with the event's own time and data. */
export function webhookPayload(event: WebhookEvent): string {
  return JSON.stringify({ type: event.detailType, timestamp: event.occurredAt, data: event.data });
}

/** A new signing secret: `whsec_` and 32 random bytes in base64, as Standard Webhooks libraries expect. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * The Standard Webhooks headers of one attempt: a fresh timestamp each time (receivers refuse old ones), and
 * one `v1,` signature per active secret, so an endpoint keeps verifying across a secret rotation.
 */
export function signedHeaders(input: {
  messageId: string;
  timestamp: number;
  body: string;
  secrets: readonly string[];
}): Record<string, string> {
  if (input.secrets.length === 0) throw new Error('a webhook subscription without a secret cannot sign');
  return {
    [STANDARD_WEBHOOK_HEADERS.id]: input.messageId,
    [STANDARD_WEBHOOK_HEADERS.timestamp]: String(input.timestamp),
    [STANDARD_WEBHOOK_HEADERS.signature]: input.secrets
      .map((secret) =>
        signStandardWebhook({ id: input.messageId, timestamp: input.timestamp, body: input.body, secret }),
      )
      .join(' '),
  };
}

// ----- Retries and disabling ---------------------------------------------------------------------------

/**
 * The wait before the next attempt after `attemptsMade` attempts failed, with jitter; undefined once the
 * schedule is spent (the delivery is given up).
 */
export function retryDelayMs(
  attemptsMade: number,
  policy: Pick<WebhookPolicy, 'retryDelaysMs' | 'jitter'>,
  random: () => number = Math.random,
): number | undefined {
  const base = policy.retryDelaysMs[attemptsMade - 1];
  if (base === undefined) return undefined;
  return Math.max(0, Math.round(base * (1 - policy.jitter + 2 * policy.jitter * random())));
}

export interface FailureStreak {
  consecutiveFailures: number;
  /** The first failed attempt since the last success. */
  failingSince?: string | undefined;
}

/** Whether an endpoint has failed long enough, and often enough, to be switched off. */
export function shouldDisable(
  streak: FailureStreak,
  now: Date,
  policy: Pick<WebhookPolicy, 'disableAfter'>,
): boolean {
  if (streak.consecutiveFailures < policy.disableAfter.failures) return false;
  const since = streak.failingSince ? Date.parse(streak.failingSince) : Number.NaN;
  return Number.isFinite(since) && now.getTime() - since >= policy.disableAfter.ms;
}

/** A 2xx answer is a delivery; anything else (3xx included: redirects are not followed) is a failure. */
export const delivered = (statusCode: number | undefined): boolean =>
  statusCode !== undefined && statusCode >= 200 && statusCode < 300;
