import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderIdFor } from '../../shared/app/place-order.js';
import { createPurchaseOrder } from '../../shared/app/purchasing.js';
import { functions } from '../../shared/config/functions.js';
import { emailHash } from '../../shared/domain/email-hash.js';
import { MAX_BODY_BYTES } from '../../shared/http/api.js';
import {
  STANDARD_WEBHOOK_HEADERS,
  signShopify,
  signStandardWebhook,
  signWooCommerce,
} from '../../shared/intake/signatures.js';
import { MAX_BUCKETS } from '../../shared/store/inventory.js';
import { keys } from '../../shared/store/keys.js';
import { directOrder, shopifyOrder, standardOrder, TEST_SECRETS, wooOrder } from '../support/fixtures.js';
import { eventually, startTestRuntime, type TestRuntime } from '../support/runtime.js';

/**
 * Fuzzes every public route of shared/config/functions.ts over HTTP against one in-process runtime: valid
 * requests, requests broken on purpose (negative, fractional, NaN-like and huge numbers, unknown currencies,
 * wrong types, missing and extra fields, bad signatures, odd path parameters, oversized bodies) and random
 * mutations of valid ones. Webhooks are signed over the exact bytes sent, so validation is what is exercised.
 *
 * What must hold: never a 5xx; 2xx for a valid request, 4xx for one broken on purpose, 2xx or 4xx for a random
 * mutation; and a 4xx stores nothing (no order under the mapped id or the fuzz customer's email, no stock,
 * movement, receipt or location row under the names the request used, no change to stock that only ever
 * receives broken requests).
 *
 * The default run is 10,000 requests, 16 at a time, within a minute on two cores. Longer runs, and replaying
 * one (a failure names its seed):
 *   FUZZ_RUNS=100000 npx vitest run tests/e2e/fuzz.test.ts
 *   FUZZ_SEED=1234567 FUZZ_RUNS=100000 npx vitest run tests/e2e/fuzz.test.ts
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CONCURRENCY = 16;

const RUN = SEED.toString(36);
/** Every order body carries this customer, so the orders stored under it can be listed at the end. */
const FUZZ_EMAIL = `fuzz.${RUN}@example.com`;
/** Stock that only ever receives broken requests: it must end exactly as seeded. */
const GUARDED_SKU = `FUZZ-GUARDED-${RUN}`;
const GUARDED_ON_HAND = 40;

type Expectation = 'accept' | 'reject' | 'either';
type Body = string | Uint8Array | undefined;

/** What a rejected request must not have written. */
interface Untouched {
  order?: string;
  sku?: string;
  location?: string;
  cart?: string;
  /** A coupon code, upper case. */
  coupon?: string;
  payout?: string;
}

interface Case {
  route: string;
  label: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Body;
  expect: Expectation;
  untouched?: Untouched;
}

/** A case to be built with a number no other case has (ids, keys, SKUs). */
type Recipe = (n: number) => Case;

// ----- Values and edits --------------------------------------------------------------------------------

const DELETE = Symbol('delete');
/** `[path, value]`: the dotted path of a field ('' for the whole body) and its new value, or DELETE. */
type Edit = readonly [string, unknown];

const EDGE_VALUES: readonly unknown[] = [
  -1,
  0,
  -0,
  0.5,
  1e-7,
  // Below DynamoDB's smallest magnitude (1e-130).
  -1e-200,
  5e-324,
  1e21,
  1e308,
  -1e308,
  2 ** 53,
  2 ** 53 + 2,
  Number.MAX_SAFE_INTEGER,
  10_001,
  10_000_001,
  '',
  ' ',
  '0',
  '-1',
  '1.5',
  'NaN',
  'Infinity',
  '1e999',
  '٣',
  '１２',
  'usd',
  'ZZZ',
  'XXX',
  'JPY',
  'KWD',
  '\u0000',
  '\uFEFF',
  '\uD800',
  '💥'.repeat(100),
  'a'.repeat(10_000),
  '../../etc/passwd',
  '<script>alert(1)</script>',
  "'; DROP TABLE orders; --",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the text of a log4j lookup, not a template.
  '${jndi:ldap://x}',
  '__proto__',
  null,
  true,
  false,
  [],
  {},
  [[]],
];

const nasty: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...EDGE_VALUES) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

/** Sets an own property, even one named `__proto__`, as JSON.parse would. */
function setOwn(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function applyEdit(base: unknown, [path, value]: Edit): unknown {
  if (path === '') return value === DELETE ? undefined : value;
  const copy = structuredClone(base);
  const names = path.split('.');
  let parent: unknown = copy;
  for (const name of names.slice(0, -1)) parent = isObject(parent) ? parent[name] : undefined;
  const last = names[names.length - 1] as string;
  if (!isObject(parent)) throw new Error(`fuzz setup: no parent for ${path}`);
  if (value === DELETE) delete parent[last];
  else setOwn(parent, last, value);
  return copy;
}

/** Every field path of a JSON value, the value itself ('') first. */
function pathsOf(value: unknown, prefix = ''): string[] {
  if (!isObject(value)) return [prefix];
  return [
    prefix,
    ...Object.keys(value).flatMap((key) => pathsOf(value[key], prefix === '' ? key : `${prefix}.${key}`)),
  ];
}

function valueAt(base: unknown, path: string): unknown {
  if (path === '') return base;
  let current: unknown = base;
  for (const name of path.split('.')) current = isObject(current) ? current[name] : undefined;
  return current;
}

interface Mutation {
  at: number;
  op: 'delete' | 'replace' | 'add' | 'grow';
  key: string;
  value: unknown;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('delete', 'replace', 'add', 'grow'),
  key: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'id', 'extra')),
  value: nasty,
});

/** A random change to one field of a valid body; it may or may not leave the body valid. */
function mutate(base: unknown, { at, op, key, value }: Mutation): { body: unknown; label: string } {
  const paths = pathsOf(base);
  const path = paths[at % paths.length] as string;
  const label = `${op} ${path || '(body)'}`;
  const current = valueAt(base, path);
  switch (op) {
    case 'delete':
      return { body: applyEdit(base, [path, DELETE]), label };
    case 'replace':
      return { body: applyEdit(base, [path, value]), label: `${label} = ${preview(value)}` };
    case 'add': {
      if (Array.isArray(current)) return { body: applyEdit(base, [path, [...current, value]]), label };
      if (!isObject(current)) return { body: applyEdit(base, [path, { [key]: value }]), label };
      const copy = structuredClone(current);
      setOwn(copy, key, value);
      return { body: applyEdit(base, [path, copy]), label: `${label}.${preview(key)}` };
    }
    case 'grow': {
      const grown = Array.isArray(current)
        ? Array.from({ length: 101 }, () => current[0] ?? value)
        : typeof current === 'string'
          ? current.repeat(Math.ceil(5000 / Math.max(current.length, 1)))
          : typeof current === 'number'
            ? current * 1e6 + 0.5
            : value;
      return { body: applyEdit(base, [path, grown]), label };
    }
  }
}

const preview = (value: unknown): string => {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value));
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
};

// ----- Text, bytes and headers -------------------------------------------------------------------------

const NOT_JSON_NUMBERS = ['NaN', 'Infinity', '-Infinity', '0x1F', '01', '+1', '.5', '5.', '1e', '--1'];
const ODD_NUMBERS = ['1e999', '-1e999', '1e-999', '-0', '123456789012345678901234567890', '0.1e1', '1E2'];

interface Corruption {
  label: string;
  apply: (text: string) => Body;
}

const corruption: fc.Arbitrary<Corruption> = fc.oneof(
  fc.nat().map((at) => ({
    label: 'truncated',
    apply: (text: string) => text.slice(0, at % Math.max(text.length, 1)),
  })),
  fc.tuple(fc.nat(), fc.constantFrom(...NOT_JSON_NUMBERS, ...ODD_NUMBERS)).map(([at, token]) => ({
    label: `a number replaced by ${token}`,
    apply: (text: string) => {
      const numbers = [...text.matchAll(/(?<=[:[,])-?\d+(\.\d+)?(?=[,}\]])/g)];
      const match = numbers[at % Math.max(numbers.length, 1)];
      if (match?.index === undefined) return text;
      return `${text.slice(0, match.index)}${token}${text.slice(match.index + match[0].length)}`;
    },
  })),
  fc.tuple(fc.nat(), fc.string({ unit: 'binary', minLength: 1, maxLength: 3 })).map(([at, chars]) => ({
    label: `${preview(chars)} inserted`,
    apply: (text: string) => {
      const i = at % (text.length + 1);
      return `${text.slice(0, i)}${chars}${text.slice(i)}`;
    },
  })),
  fc.constantFrom<Corruption>(
    { label: 'byte order mark', apply: (text) => `\uFEFF${text}` },
    { label: 'wrapped in an array', apply: (text) => `[${text}]` },
    { label: 'trailing garbage', apply: (text) => `${text}}` },
    { label: 'duplicate currency key', apply: (text) => text.replace('{', '{"currency":"ZZZ",') },
    { label: 'latin-1 re-encoded', apply: (text) => Buffer.from(`${text.slice(0, -1)},"n":"é"}`, 'latin1') },
  ),
  fc.uint8Array({ minLength: 1, maxLength: 512 }).map((bytes) => ({
    label: 'random bytes',
    apply: () => bytes,
  })),
  fc.string({ unit: 'binary', maxLength: 200 }).map((text) => ({
    label: `random text ${preview(text)}`,
    apply: () => text,
  })),
  fc.jsonValue({ maxDepth: 3 }).map((value) => ({
    label: `random JSON ${preview(value)}`,
    apply: () => JSON.stringify(value),
  })),
  fc
    .constantFrom('', ' ', 'null', 'true', '0', '"order"', '[]', '{}', '{"a":', 'undefined')
    .map((text) => ({ label: `body ${JSON.stringify(text)}`, apply: () => text })),
);

/** A case whose expectation is settled after it was built. */
const expecting = (built: Case, expectation: Expectation): Case => ({ ...built, expect: expectation });

/** Whether the handler could parse the bytes as JSON at all; if not, nothing but a 4xx is right. */
function parsesAsJson(body: Body): boolean {
  if (body === undefined) return false;
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  if (text.length === 0) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=fuzz',
  'application/xml',
  'application/octet-stream',
  'application/json; charset=iso-8859-1',
  '*/*',
];

/** Printable ASCII (and tab): what an HTTP client lets through in a header value. */
const headerText = (maxLength: number) =>
  fc.string({ unit: 'binary-ascii', maxLength }).map((text) => text.replace(/[^\x20-\x7e\t]/g, ''));

/**
 * Content type and unrelated headers. The handlers read JSON whatever the content type says (the channels'
 * own clients are not all precise about it), so these change nothing a request is expected to get.
 */
const noiseHeaders: fc.Arbitrary<Record<string, string>> = fc
  .record({
    contentType: fc.oneof(
      { weight: 6, arbitrary: fc.constant('application/json') },
      { weight: 3, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
      { weight: 1, arbitrary: headerText(60) },
    ),
    extra: fc.dictionary(fc.stringMatching(/^x-fz-[a-z0-9-]{1,12}$/), headerText(200), { maxKeys: 3 }),
    authorization: fc.option(headerText(80), { freq: 4 }),
  })
  .map(({ contentType, extra, authorization }) => ({
    'content-type': contentType,
    ...extra,
    ...(authorization === null ? {} : { authorization }),
  }));

// ----- Path parameters ---------------------------------------------------------------------------------

const ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Percent-encodes a segment; lone surrogates (which encodeURIComponent refuses) go as their UTF-8 bytes. */
function encodeSegment(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return [...Buffer.from(text, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
  }
}

/** A path segment as sent (raw, or encoded). */
const oddSegment: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '%',
    '%zz',
    '%00',
    '%2F',
    '..%2F..%2Fetc',
    '%2e%2e',
    '%20',
    '~',
    "'",
    '%22',
    '%3Cscript%3E',
    '%F0%9F%92%A5',
    '%C0%AF',
    '%FF',
    'a'.repeat(2000),
    '%C3%BCn%C3%AF',
    'ord_',
    `ord_${'a'.repeat(41)}`,
    'ORD_ABC',
    '*',
    '$',
    '%7Bid%7D',
    'SKU%20MUG',
    'x'.repeat(65),
  ),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 80 }).map(encodeSegment),
);

/** What the runtime hands the handler for a segment: its decoding, or the segment itself when malformed. */
function decodedSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The URL parser resolves dot segments (also `%2e`), which sends the request to another path. */
const normalizes = (path: string) => new URL(path, 'http://localhost').pathname !== path.split('?')[0];

// ----- Order intake: the direct API and the three webhooks ---------------------------------------------

interface OrderRoute {
  route: string;
  channel: string;
  /** A valid order of the fuzz customer that no other case sends. */
  base(): { body: Record<string, unknown>; externalId: string };
  /** The headers that make `body` authentic: a signature over exactly these bytes, or an idempotency key. */
  auth(body: Body, n: number): Record<string, string>;
  invalid: readonly Edit[];
  badAuth: readonly (readonly [string, (body: Body, n: number) => Record<string, string>])[];
}

/** Edits that make a canonical order (the direct body, the Standard Webhooks `data`) invalid. */
const canonicalInvalid = (at: string): Edit[] => {
  const p = (path: string) => (at === '' ? path : `${at}.${path}`);
  return [
    [p('lines.0.quantity'), -1],
    [p('lines.0.quantity'), 0],
    [p('lines.0.quantity'), 0.5],
    [p('lines.0.quantity'), 10_001],
    [p('lines.0.quantity'), 1e21],
    [p('lines.0.quantity'), '2'],
    [p('lines.0.quantity'), null],
    [p('lines.0.quantity'), DELETE],
    [p('lines.0.unitPrice'), -1],
    [p('lines.0.unitPrice'), 0.5],
    [p('lines.0.unitPrice'), 2 ** 53],
    [p('lines.0.unitPrice'), 1e308],
    [p('lines.0.unitPrice'), '2500'],
    [p('lines.0.discount'), -500],
    [p('lines.0.sku'), ''],
    [p('lines.0.sku'), 'SKU MUG'],
    [p('lines.0.sku'), 'ŠKU-MUG'],
    [p('lines.0.sku'), 'S'.repeat(65)],
    [p('lines.0.sku'), 42],
    [p('lines.0'), 'SKU-MUG'],
    [p('lines'), []],
    [p('lines'), 'SKU-MUG'],
    [p('lines'), DELETE],
    [p('currency'), 'usd'],
    [p('currency'), 'ZZZ'],
    [p('currency'), 'XXX'],
    [p('currency'), 'US'],
    [p('currency'), ''],
    [p('currency'), 840],
    [p('currency'), DELETE],
    [p('total'), -1],
    [p('total'), 0.5],
    [p('total'), '68.59'],
    [p('total'), 1],
    [p('total'), 6860],
    [p('total'), 2 ** 60],
    [p('total'), DELETE],
    [p('discount'), 1_000_000],
    [p('discount'), -500],
    [p('shipping'), -599],
    [p('tax'), 5.1],
    [p('customer.email'), 'not-an-email'],
    [p('customer.email'), ''],
    [p('customer.email'), `${'a'.repeat(250)}@example.com`],
    [p('customer'), DELETE],
    [p('customer'), 'Ada'],
    [p('customer.phone'), '+1'.repeat(30)],
    [p('shippingAddress.country'), 'us'],
    [p('shippingAddress.country'), 'USA'],
    [p('shippingAddress.line1'), DELETE],
    [p('shippingAddress.line1'), ''],
    [p('shippingAddress.postalCode'), 'x'.repeat(21)],
    [p('shippingAddress'), null],
    [p('fulfillment'), { type: 'pickup', locationId: 'no-such-store' }],
    [p('fulfillment'), { type: 'pickup', locationId: 'wh-east' }],
    [p('fulfillment'), { type: 'pickup' }],
    [p('fulfillment'), { type: 'teleport' }],
    [p('placedAt'), 'yesterday'],
    [p('placedAt'), '2024-02-30T10:00:00Z'],
    [p('externalId'), ''],
    [p('externalId'), 'x'.repeat(101)],
    [p('externalId'), 42],
    [p('orderNumber'), 'n'.repeat(101)],
  ];
};

const rootInvalid: Edit[] = [
  ['', []],
  ['', null],
  ['', 'order'],
  ['', 42],
  ['', {}],
];

/** The canonical body of the direct and Standard Webhooks channels, by the fuzz customer. */
const canonicalBase = (data: ReturnType<typeof directOrder>) => ({
  ...data,
  customer: { ...data.customer, email: FUZZ_EMAIL },
});

const hmacBadAuth = (
  header: string,
  sign: (body: string | Uint8Array, secret: string) => string,
  secret: string,
): OrderRoute['badAuth'] => [
  ['no signature', () => ({})],
  ['an empty signature', () => ({ [header]: '' })],
  ['a signature that is not base64', () => ({ [header]: 'not base64!' })],
  ['a base64 signature of the wrong length', () => ({ [header]: Buffer.alloc(16, 7).toString('base64') })],
  ['a random digest', (_body, n) => ({ [header]: Buffer.alloc(32, n % 256).toString('base64') })],
  ['a hex digest', (body) => ({ [header]: Buffer.from(sign(body ?? '', secret), 'base64').toString('hex') })],
  ['a signature made with another secret', (body) => ({ [header]: sign(body ?? '', 'not-the-secret') })],
  [
    'the signature of the body before a byte changed',
    (body) => ({ [header]: sign(`${bodyText(body)}\n`, secret) }),
  ],
];

const bodyText = (body: Body) =>
  body === undefined ? '' : typeof body === 'string' ? body : Buffer.from(body).toString('utf8');

const signStandard = (
  body: Body,
  n: number,
  timestamp = Math.floor(Date.now() / 1000),
  secret: string = TEST_SECRETS.standard,
) => ({
  [STANDARD_WEBHOOK_HEADERS.id]: `msg_fz_${RUN}_${n}`,
  [STANDARD_WEBHOOK_HEADERS.timestamp]: String(timestamp),
  [STANDARD_WEBHOOK_HEADERS.signature]: signStandardWebhook({
    id: `msg_fz_${RUN}_${n}`,
    timestamp,
    body: body ?? '',
    secret,
  }),
});

const orderRoutes: OrderRoute[] = [
  {
    route: 'POST /orders',
    channel: 'direct',
    base: () => {
      const body = canonicalBase(directOrder());
      return { body, externalId: String(body.externalId) };
    },
    auth: (_body, n) => ({ 'idempotency-key': `fz-key-${RUN}-${n}` }),
    invalid: [...canonicalInvalid(''), ...rootInvalid],
    badAuth: [
      ['no Idempotency-Key', () => ({})],
      ['a short Idempotency-Key', () => ({ 'idempotency-key': 'fz-1234' })],
      ['an Idempotency-Key with a space', (_body, n) => ({ 'idempotency-key': `fz key ${n}` })],
      ['a latin-1 Idempotency-Key', (_body, n) => ({ 'idempotency-key': `clé-${n}-clé` })],
      ['an Idempotency-Key of 101 characters', () => ({ 'idempotency-key': 'k'.repeat(101) })],
    ],
  },
  {
    route: 'POST /webhooks/standard',
    channel: 'standard',
    base: () => {
      const order = standardOrder();
      const body = { ...order, data: canonicalBase(order.data) };
      return { body, externalId: order.data.externalId };
    },
    auth: (body, n) => signStandard(body, n),
    invalid: [
      ...canonicalInvalid('data'),
      ...rootInvalid,
      ['type', 'order.updated'],
      ['type', DELETE],
      ['timestamp', 'yesterday'],
      ['data', DELETE],
      ['data', []],
    ],
    badAuth: [
      ['no signature headers', () => ({})],
      ['no webhook-id', (body, n) => ({ ...signStandard(body, n), [STANDARD_WEBHOOK_HEADERS.id]: '' })],
      ['a timestamp an hour old', (body, n) => signStandard(body, n, Math.floor(Date.now() / 1000) - 3600)],
      ['a timestamp an hour ahead', (body, n) => signStandard(body, n, Math.floor(Date.now() / 1000) + 3600)],
      [
        'a timestamp that is not a number',
        (body, n) => ({ ...signStandard(body, n), [STANDARD_WEBHOOK_HEADERS.timestamp]: 'yesterday' }),
      ],
      [
        'a signature made with another secret',
        (body, n) => signStandard(body, n, undefined, 'whsec_AAAAAAAAAAAA'),
      ],
      [
        'only a v2 signature',
        (body, n) => ({ ...signStandard(body, n), [STANDARD_WEBHOOK_HEADERS.signature]: 'v2,AAAA' }),
      ],
      [
        'a garbage signature',
        (body, n) => ({ ...signStandard(body, n), [STANDARD_WEBHOOK_HEADERS.signature]: 'v1,!!!! v1,' }),
      ],
      [
        'a signature for another message id',
        (body, n) => ({ ...signStandard(body, n), [STANDARD_WEBHOOK_HEADERS.id]: `msg_other_${n}` }),
      ],
    ],
  },
  {
    route: 'POST /webhooks/shopify',
    channel: 'shopify',
    base: () => {
      const body = shopifyOrder({ email: FUZZ_EMAIL, contact_email: FUZZ_EMAIL });
      return { body, externalId: String(body.id) };
    },
    auth: (body) => ({
      'x-shopify-topic': 'orders/create',
      'x-shopify-hmac-sha256': signShopify(body ?? '', TEST_SECRETS.shopify),
    }),
    invalid: [
      ...rootInvalid,
      ['id', -1],
      ['id', 1.5],
      ['id', 'abc'],
      ['id', DELETE],
      ['line_items.0.quantity', -1],
      ['line_items.0.quantity', 0],
      ['line_items.0.quantity', 0.5],
      ['line_items.0.quantity', '2'],
      ['line_items.0.quantity', 10_001],
      ['line_items.0.price', '25.005'],
      ['line_items.0.price', 'abc'],
      ['line_items.0.price', '1e3'],
      ['line_items.0.price', 'NaN'],
      ['line_items.0.price', '9'.repeat(30)],
      ['line_items.0.price', true],
      ['line_items.0.sku', ''],
      ['line_items.0.sku', null],
      ['line_items.0.sku', DELETE],
      ['line_items.0.sku', 'SKU MUG'],
      ['line_items', []],
      ['line_items', DELETE],
      ['currency', 'ZZZ'],
      ['currency', 'usd'],
      ['currency', 'JPY'],
      ['currency', DELETE],
      ['total_price', '68.60'],
      ['total_price', '-68.59'],
      ['total_price', DELETE],
      ['total_tax', '5.1000001'],
      ['email', 'not-an-email'],
      ['shipping_address', null],
      ['shipping_address.country_code', 'usa'],
      ['shipping_address.address1', ''],
      ['taxes_included', true],
    ],
    badAuth: hmacBadAuth('x-shopify-hmac-sha256', signShopify, TEST_SECRETS.shopify),
  },
  {
    route: 'POST /webhooks/woocommerce',
    channel: 'woocommerce',
    base: () => {
      const body = wooOrder();
      body.billing = { ...body.billing, email: FUZZ_EMAIL };
      return { body, externalId: String(body.id) };
    },
    auth: (body) => ({
      'x-wc-webhook-topic': 'order.created',
      'x-wc-webhook-signature': signWooCommerce(body ?? '', TEST_SECRETS.woocommerce),
    }),
    invalid: [
      ...rootInvalid,
      ['id', -1],
      ['id', 1.5],
      ['id', 'abc'],
      ['id', DELETE],
      ['line_items.0.quantity', -1],
      ['line_items.0.quantity', 0],
      ['line_items.0.quantity', 0.5],
      ['line_items.0.subtotal', 'abc'],
      ['line_items.0.subtotal', '50.001'],
      ['line_items.0.total', '-45.00'],
      ['line_items.0.sku', ''],
      ['line_items', []],
      ['currency', 'ZZZ'],
      ['currency', 'eur'],
      ['total', '68.60'],
      ['total', 'NaN'],
      ['total', DELETE],
      ['billing', DELETE],
      ['billing.email', 'not-an-email'],
      ['shipping.country', 'usa'],
    ],
    badAuth: hmacBadAuth('x-wc-webhook-signature', signWooCommerce, TEST_SECRETS.woocommerce),
  },
];

/**
 * Orders accepted by the run come from a few external ids per channel (a valid request repeats one exactly and
 * is answered as a duplicate): every accepted order runs its workflow in the background, and thousands would
 * make the run about them. Requests broken on purpose each carry an id of their own, so the check that a
 * rejection stored nothing looks at a name no other request used.
 */
const ORDER_POOL = 3;
const pooled = new Map<string, { body: Record<string, unknown>; externalId: string }>();

function orderCase(
  spec: OrderRoute,
  label: string,
  expectation: Expectation,
  build: (base: Record<string, unknown>) => Body,
  headers: Record<string, string>,
  authOf?: (body: Body, n: number) => Record<string, string>,
): Recipe {
  return (n) => {
    const slot = `${spec.route} ${expectation} ${n % ORDER_POOL}`;
    const own = expectation === 'reject';
    const { body: base, externalId } = own ? spec.base() : (pooled.get(slot) ?? spec.base());
    if (!own && !pooled.has(slot)) pooled.set(slot, { body: base, externalId });
    const body = build(structuredClone(base));
    const [method, path] = spec.route.split(' ') as [string, string];
    return {
      route: spec.route,
      label,
      method,
      path,
      headers: { ...headers, ...(authOf ?? spec.auth)(body, n) },
      body,
      expect: expectation,
      ...(own ? { untouched: { order: orderIdFor(spec.channel, externalId) } } : {}),
    };
  };
}

const serialize = (value: unknown): Body => (value === undefined ? undefined : JSON.stringify(value));

function orderRecipes(spec: OrderRoute): fc.Arbitrary<Recipe> {
  return fc.oneof(
    {
      weight: 1,
      arbitrary: noiseHeaders.map((headers) =>
        orderCase(spec, 'valid', 'accept', (base) => serialize(base), headers),
      ),
    },
    {
      weight: 5,
      arbitrary: fc
        .tuple(fc.constantFrom(...spec.invalid), noiseHeaders)
        .map(([edit, headers]) =>
          orderCase(
            spec,
            `${edit[0] || '(body)'} = ${preview(edit[1])}`,
            'reject',
            (base) => serialize(applyEdit(base, edit)) ?? '',
            headers,
          ),
        ),
    },
    {
      weight: 4,
      arbitrary: fc.tuple(mutation, noiseHeaders).map(([m, headers]) => (n: number) => {
        let label = '';
        const recipe = orderCase(
          spec,
          '',
          'either',
          (base) => {
            const mutated = mutate(base, m);
            label = mutated.label;
            return serialize(mutated.body) ?? '';
          },
          headers,
        );
        const built = recipe(n);
        return expecting({ ...built, label }, parsesAsJson(built.body) ? 'either' : 'reject');
      }),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(corruption, noiseHeaders).map(([c, headers]) => (n: number) => {
        const built = orderCase(spec, c.label, 'either', (base) => c.apply(JSON.stringify(base)), headers)(n);
        return expecting(built, parsesAsJson(built.body) ? 'either' : 'reject');
      }),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(...spec.badAuth), noiseHeaders)
        .map(([[label, authOf], headers]) =>
          orderCase(spec, label, 'reject', (base) => serialize(base), headers, authOf),
        ),
    },
  );
}

// ----- Routes with a JSON body: locations and inventory ------------------------------------------------

interface BodyRoute {
  route: string;
  /** A valid request no other case sends (fresh ids and SKUs), and what a rejection must leave unwritten. */
  /**
   * A valid request: `n` varies its content, `id` names what it writes (its own for valid and broken requests,
   * one of a few shared names for random ones, which then also meet each other's writes).
   */
  valid(n: number, id: string): { params: Record<string, string>; body: unknown; untouched?: Untouched };
  /** A repeated valid request is answered as the first was (a PUT that replaces): its valid requests may share names. */
  idempotent?: boolean;
  invalid: readonly Edit[];
  /** Path parameters that make an otherwise valid request fail (an unknown location: 404). */
  invalidParams?: readonly Record<string, string>[];
  /** Stock only ever sent broken requests, so it must end as it started. */
  guarded?: Record<string, string>;
  /**
   * Headers every request of the route carries (an agent's token, an Idempotency-Key). With `auth`, a valid
   * request is also sent with its credentials missing or broken, and must be refused (401).
   */
  headers?: () => Record<string, string>;
  auth?: boolean;
}

const fillPath = (template: string, params: Record<string, string>) =>
  template.replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? `{${name}}`);

const validLocation = (n: number) => ({
  kind: n % 2 === 0 ? 'warehouse' : 'store',
  name: `Fuzz location ${n}`,
  address: {
    line1: `${n} Fuzz St`,
    city: 'Testville',
    region: 'NY',
    postalCode: '10001',
    country: 'US',
    ...(n % 3 === 0 ? { coordinates: { lat: 40.7, lon: -74 } } : {}),
  },
  // Never a location that ships or offers pickup: the fuzz orders' allocation should not see it.
  shipsToHome: false,
  pickup: false,
  dailyCapacity: n % 1000,
  cutoffTime: '18:30',
});

const locationInvalid: Edit[] = [
  ['kind', 'depot'],
  ['kind', DELETE],
  ['name', ''],
  ['name', 'n'.repeat(201)],
  ['name', 42],
  ['address', DELETE],
  ['address', 'somewhere'],
  ['address.country', 'us'],
  ['address.country', 'USA'],
  ['address.line1', ''],
  ['address.postalCode', 'x'.repeat(21)],
  ['address.coordinates', { lat: 91, lon: 0 }],
  ['address.coordinates', { lat: 0, lon: -181 }],
  ['address.coordinates', { lat: '40.7', lon: -74 }],
  ['address.extra', 'field'],
  ['shipsToHome', 'yes'],
  ['pickup', DELETE],
  ['dailyCapacity', -1],
  ['dailyCapacity', 0.5],
  ['dailyCapacity', 1_000_001],
  ['cutoffTime', '24:00'],
  ['cutoffTime', '7pm'],
  ['cutoffTime', '9:30'],
  ['unexpected', true],
  ...rootInvalid,
];

const fresh = (prefix: string, id: number | string) => `fz-${prefix}-${RUN}-${id}`;

/** How many names the valid and the random requests of a route share. */
const NAME_POOL = 6;

/**
 * Webhook subscriptions the fuzz creates: an address that never resolves (.invalid), for an event no fuzz
 * request causes (no pick waits long enough to be escalated), so the runtime never calls out.
 * Loopback endpoints are valid here (the local runtime allows them), so none is among the broken URLs.
 */
function validSubscription(n: number) {
  return {
    url: `https://hooks-${n}.example.invalid/fuzz`,
    eventTypes: ['PickEscalated'],
    ...(n % 3 === 0 ? { description: `fuzz ${n}` } : {}),
  };
}

const subscriptionInvalid: Edit[] = [
  ['url', 'http://hooks.example.com/x'],
  ['url', 'https://10.0.0.1/x'],
  ['url', 'https://169.254.169.254/latest'],
  ['url', 'https://erp.internal/x'],
  ['url', 'https://user:pw@hooks.example.com/x'],
  ['url', 'not a url'],
  ['url', ''],
  ['url', 42],
  ['url', DELETE],
  ['url', `https://hooks.example.com/${'a'.repeat(2100)}`],
  ['eventTypes', []],
  ['eventTypes', ['OrderTeleported']],
  ['eventTypes', 'PaymentRefunded'],
  ['eventTypes', DELETE],
  ['description', 'd'.repeat(501)],
  ['description', 42],
  ['unexpected', true],
  ...rootInvalid,
];

const bodyRoutes: BodyRoute[] = [
  // Pick tickets (docs/fulfillment.md): cartons on the open ticket (it stays open), bins on fresh SKUs.
  {
    route: 'POST /pick-tickets/{id}/pack',
    valid: (n) => ({
      params: { id: ctx.ticketId },
      body: {
        cartons: [
          {
            ...(n % 2 === 0 ? { id: `box-${n % 7}` } : {}),
            lengthIn: 6 + (n % 30),
            widthIn: 4 + (n % 20),
            heightIn: 2.5,
            weightLb: 0.5 + (n % 40),
            ...(n % 3 === 0 ? { lines: [{ sku: 'SKU-MUG', quantity: 1 }] } : {}),
          },
        ],
      },
    }),
    invalid: [
      ['cartons', []],
      ['cartons', DELETE],
      ['cartons', 'box'],
      ['cartons.0.weightLb', 0],
      ['cartons.0.lengthIn', -1],
      ['cartons.0.widthIn', 121],
      ['cartons.0.heightIn', '8'],
      // Positive, but below what DynamoDB can store.
      ['cartons.0.heightIn', 5e-324],
      ['cartons.0.id', ''],
      ['cartons.0.id', 'a b'],
      ['cartons.0.lines', [{ sku: 'SKU MUG', quantity: 1 }]],
      ['cartons.0.lines', [{ sku: 'SKU-MUG', quantity: 0 }]],
      ...rootInvalid,
    ],
    invalidParams: [{ id: 'pt_ffffffffffffffffffffffff_9' }, { id: 'not-a-ticket' }],
  },
  {
    route: 'PUT /locations/{id}/bins/{sku}',
    idempotent: true,
    valid: (n, id) => ({
      params: { id: 'wh-east', sku: fresh('bin', id) },
      body: { bin: `A-${n % 50}` },
      untouched: { sku: fresh('bin', id) },
    }),
    invalid: [
      ['bin', ''],
      ['bin', 'x'.repeat(41)],
      ['bin', 42],
      ['bin', DELETE],
      ['bin', 'A#1'],
      ...rootInvalid,
    ],
    invalidParams: [{ id: fresh('nowhere', 0), sku: 'SKU-MUG' }],
    guarded: { id: 'wh-east' },
  },
  {
    route: 'POST /carts/{id}/events',
    valid: (n, id) => ({
      params: { id: fresh('cart', id) },
      body: {
        eventId: `ev-${RUN}-${n}`,
        occurredAt: new Date().toISOString(),
        type: 'item-added',
        sku: n % 2 ? 'SKU-MUG' : fresh('sku', n),
        quantity: 1 + (n % 5),
        unitPrice: 2500,
        currency: 'USD',
        ...(n % 3 === 0 ? { customer: { email: FUZZ_EMAIL } } : {}),
      },
      untouched: { cart: fresh('cart', id) },
    }),
    invalid: [
      ['type', 'item-viewed'],
      ['type', DELETE],
      ['eventId', ''],
      ['eventId', 'e v'],
      ['eventId', 'e'.repeat(101)],
      ['occurredAt', 'yesterday'],
      ['occurredAt', '2999-01-01T00:00:00Z'],
      ['occurredAt', DELETE],
      ['sku', ''],
      ['sku', 'SKU MUG'],
      ['quantity', 0],
      ['quantity', -1],
      ['quantity', 1.5],
      ['quantity', 10_001],
      ['unitPrice', -1],
      ['unitPrice', 0.5],
      ['unitPrice', '2500'],
      ['currency', 'usd'],
      ['currency', 'ZZZ'],
      ['currency', DELETE],
      ['customer', { email: 'not-an-email' }],
      ['extra', 1],
      ...rootInvalid,
    ],
  },
  {
    route: 'POST /locations',
    valid: (n, id) => ({
      params: {},
      body: { id: fresh('loc', id), ...validLocation(n) },
      untouched: { location: fresh('loc', id) },
    }),
    invalid: [
      ...locationInvalid,
      ['id', 'bad id'],
      ['id', ''],
      ['id', 'x'.repeat(65)],
      ['id', DELETE],
      ['id', 'wh-east'],
    ],
  },
  {
    route: 'PUT /locations/{id}',
    idempotent: true,
    valid: (n, id) => ({
      params: { id: fresh('loc', id) },
      body: validLocation(n),
      untouched: { location: fresh('loc', id) },
    }),
    invalid: [...locationInvalid, ['id', 'wh-east']],
  },
  {
    route: 'PUT /inventory/{locationId}/{sku}',
    valid: (n, id) => ({
      params: { locationId: n % 2 === 0 ? 'wh-east' : 'wh-west', sku: fresh('sku', id) },
      body:
        n % 3 === 0
          ? { safetyStock: n % 50 }
          : n % 3 === 1
            ? { onHand: n % 500 }
            : { onHand: 9, safetyStock: 2 },
      untouched: { sku: fresh('sku', id) },
    }),
    invalid: [
      ['onHand', -1],
      ['onHand', 0.5],
      ['onHand', 10_000_001],
      ['onHand', 1e21],
      ['onHand', '5'],
      ['onHand', null],
      ['safetyStock', -2],
      ['safetyStock', 'NaN'],
      ['', { onHand: 5, reserved: 3 }],
      ['', {}],
      ...rootInvalid,
    ],
    invalidParams: [{ locationId: 'no-such-location' }],
    guarded: { locationId: 'wh-east' },
  },
  {
    route: 'POST /inventory/{locationId}/{sku}/adjustments',
    valid: (n, id) => ({
      params: { locationId: 'wh-east', sku: fresh('sku', id) },
      body: {
        type: (['receipt', 'count', 'correction'] as const)[n % 3],
        quantity: n % 1000,
        reason: `fuzz ${n}`,
        ...(n % 2 === 0 ? { reference: `PO-${n}` } : {}),
      },
      untouched: { sku: fresh('sku', id) },
    }),
    invalid: [
      ['type', 'theft'],
      ['type', DELETE],
      ['quantity', -1],
      ['quantity', 0.5],
      ['quantity', 10_000_001],
      ['quantity', '3'],
      ['quantity', DELETE],
      ['reason', ''],
      ['reason', 'r'.repeat(501)],
      ['reason', DELETE],
      ['reference', 'r'.repeat(201)],
      ['sku', 'SKU-MUG'],
      ...rootInvalid,
    ],
    invalidParams: [{ locationId: 'no-such-location' }],
    guarded: { locationId: 'wh-east' },
  },
  {
    route: 'POST /inventory/{locationId}/{sku}/scheduled-receipts',
    valid: (n, id) => ({
      params: { locationId: 'wh-west', sku: fresh('sku', id) },
      body: { quantity: 1 + (n % 1000), dueDate: '2030-01-15', ...(n % 2 ? { reference: `PO-${n}` } : {}) },
      untouched: { sku: fresh('sku', id) },
    }),
    invalid: [
      ['quantity', 0],
      ['quantity', -1],
      ['quantity', 0.5],
      ['quantity', 10_000_001],
      ['dueDate', '2030-13-01'],
      ['dueDate', 'tomorrow'],
      ['dueDate', '2030-1-5'],
      ['dueDate', DELETE],
      ['reference', 'r'.repeat(201)],
      ['extra', 1],
      ...rootInvalid,
    ],
    invalidParams: [{ locationId: 'no-such-location' }],
    guarded: { locationId: 'wh-east' },
  },
  {
    route: 'PUT /customers/{emailHash}/notification-preferences',
    // Customers of their own: the fuzz orders keep the default channel.
    valid: (n, id) => ({
      params: { emailHash: emailHash(`${fresh('pref', id)}@example.com`) },
      body: [
        { channel: 'email' },
        { channel: 'sms', phone: `+1212555${String(n % 10_000).padStart(4, '0')}` },
        { channel: 'sms' },
        { channel: 'none' },
      ][n % 4],
    }),
    idempotent: true,
    invalid: [
      ['channel', 'fax'],
      ['channel', 'SMS'],
      ['channel', DELETE],
      ['phone', '2125550147'],
      ['phone', '+0123'],
      ['phone', 12125550147],
      ['extra', 1],
      ...rootInvalid,
    ],
  },
  {
    route: 'PUT /skus/{sku}/stock-buckets',
    valid: (n, id) => ({
      params: { sku: fresh('sku', id) },
      body: { buckets: 1 + (n % MAX_BUCKETS) },
      untouched: { sku: fresh('sku', id) },
    }),
    invalid: [
      ['buckets', 0],
      ['buckets', -1],
      ['buckets', 1.5],
      ['buckets', MAX_BUCKETS + 1],
      ['buckets', '2'],
      ['buckets', DELETE],
      ['extra', 1],
      ...rootInvalid,
    ],
    guarded: {},
  },
  {
    route: 'POST /disruptions',
    // Windows in 2030 over postal codes and places no order has: each is applied to every open order and
    // affects none, so the fuzz orders keep their promises and carriers.
    valid: (n, id) => ({
      params: {},
      body: {
        id: fresh('dis', id),
        kind: n % 2 === 0 ? 'weather' : 'carrier-outage',
        severity: (['low', 'medium', 'high', 'severe'] as const)[n % 4],
        startsAt: `2030-01-${String(1 + (n % 28)).padStart(2, '0')}T00:00:00Z`,
        endsAt: `2030-01-${String(2 + (n % 28)).padStart(2, '0')}T12:00:00+02:00`,
        area:
          n % 3 === 0
            ? { center: { lat: -77.85, lon: 166.67 }, radiusKm: 1 + (n % 50) }
            : { postalPrefixes: ['00000', `Z${n % 10}`] },
        ...(n % 2 === 1 ? { carriers: ['SIMPOST'] } : {}),
        ...(n % 10 === 0 ? { locations: ['wh-east'], description: `fuzz ${n}` } : {}),
      },
    }),
    invalid: [
      ['id', 'bad id'],
      ['id', 'x'.repeat(65)],
      ['id', DELETE],
      ['kind', 'volcano'],
      ['severity', 'extreme'],
      ['severity', DELETE],
      ['startsAt', '2030-01-01'],
      ['startsAt', 'tomorrow'],
      ['endsAt', '2029-12-31T00:00:00Z'],
      ['endsAt', '2030-06-01T00:00:00Z'],
      ['endsAt', DELETE],
      ['area', {}],
      ['area', DELETE],
      ['area', { postalPrefixes: [] }],
      ['area', { postalPrefixes: [''] }],
      ['area', { center: { lat: 0, lon: 0 }, radiusKm: 0 }],
      ['area', { center: { lat: 0, lon: 0 }, radiusKm: -1 }],
      ['area', { center: { lat: 91, lon: 0 }, radiusKm: 1 }],
      ['area', { radiusKm: 5 }],
      ['area', { postalPrefixes: ['1'], center: { lat: 0, lon: 0 }, radiusKm: 1 }],
      ['carriers', ['NOPE']],
      ['locations', ['no-such-location']],
      ['description', 'd'.repeat(501)],
      ['unexpected', true],
      ...rootInvalid,
    ],
  },
  {
    route: 'POST /webhook-subscriptions',
    valid: (n) => ({ params: {}, body: validSubscription(n) }),
    invalid: subscriptionInvalid,
  },
  {
    route: 'PUT /webhook-subscriptions/{id}',
    idempotent: true,
    valid: (n) => ({
      params: { id: ctx.webhookSubscriptionId },
      body: { ...validSubscription(n), enabled: n % 2 === 0 },
    }),
    invalid: [...subscriptionInvalid, ['enabled', 'yes'], ['enabled', DELETE]],
    invalidParams: [{ id: 'whs_00000000000000000000000000' }],
  },
  {
    route: 'POST /webhook-subscriptions/{id}/rotate-secret',
    idempotent: true,
    valid: (n) => ({
      params: { id: ctx.webhookSubscriptionId },
      body: n % 2 === 0 ? {} : { overlapSeconds: n % 3600 },
    }),
    invalid: [
      ['overlapSeconds', -1],
      ['overlapSeconds', 1.5],
      ['overlapSeconds', 604_801],
      ['overlapSeconds', '60'],
      ['overlapSeconds', null],
      ['extra', 1],
      ['', []],
      ['', null],
      ['', 'rotate'],
      ['', 42],
    ],
    invalidParams: [{ id: 'whs_00000000000000000000000000' }],
  },
];

function bodyRecipes(spec: BodyRoute): fc.Arbitrary<Recipe> {
  const [method, template] = spec.route.split(' ') as [string, string];
  const names = [...template.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string);
  const build = (
    n: number,
    label: string,
    expectation: Expectation,
    headers: Record<string, string>,
    change: {
      body?: (base: unknown) => Body;
      params?: Record<string, string>;
      raw?: Record<string, string>;
      credentials?: Record<string, string>;
    },
  ): Case => {
    // Valid requests racing on one name could rightly be answered 409 (retry); random ones may be.
    const own = expectation === 'reject' || (expectation === 'accept' && spec.idempotent !== true);
    const valid = spec.valid(n, own ? String(n) : `p${n % NAME_POOL}`);
    const params = Object.fromEntries(
      Object.entries({ ...valid.params, ...change.params }).map(([name, value]) => [
        name,
        encodeSegment(value),
      ]),
    );
    const path = fillPath(template, { ...params, ...change.raw });
    const body = change.body ? change.body(valid.body) : serialize(valid.body);
    // The names a rejection must leave unwritten are the ones the request used.
    const renamed = change.raw !== undefined || change.params?.sku !== undefined;
    const untouched = own && !renamed ? valid.untouched : undefined;
    return {
      route: spec.route,
      label,
      method,
      path,
      // The noise headers stay; a route's own headers replace theirs (credentials replace them again).
      headers: { ...headers, ...spec.headers?.(), ...change.credentials },
      body,
      expect: expectation,
      ...(untouched ? { untouched } : {}),
    };
  };
  return fc.oneof(
    {
      // Valid writes are the expensive requests (stock growth is announced, backorders re-driven).
      weight: 1,
      arbitrary: noiseHeaders.map((headers) => (n: number) => build(n, 'valid', 'accept', headers, {})),
    },
    {
      weight: 5,
      arbitrary: fc.tuple(fc.constantFrom(...spec.invalid), noiseHeaders, fc.boolean()).map(
        ([edit, headers, onGuarded]) =>
          (n: number) =>
            build(n, `${edit[0] || '(body)'} = ${preview(edit[1])}`, 'reject', headers, {
              body: (base) => serialize(applyEdit(base, edit)) ?? '',
              ...(onGuarded && spec.guarded ? { params: { ...spec.guarded, sku: GUARDED_SKU } } : {}),
            }),
      ),
    },
    ...(spec.invalidParams
      ? [
          {
            weight: 1,
            arbitrary: fc.tuple(fc.constantFrom(...spec.invalidParams), noiseHeaders).map(
              ([params, headers]) =>
                (n: number) =>
                  build(n, `path ${JSON.stringify(params)}`, 'reject', headers, { params }),
            ),
          },
        ]
      : []),
    {
      weight: 4,
      arbitrary: fc.tuple(mutation, noiseHeaders).map(([m, headers]) => (n: number) => {
        let label = '';
        const built = build(n, '', 'either', headers, {
          body: (base) => {
            const mutated = mutate(base, m);
            label = mutated.label;
            return serialize(mutated.body) ?? '';
          },
        });
        return expecting({ ...built, label }, parsesAsJson(built.body) ? 'either' : 'reject');
      }),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(corruption, noiseHeaders).map(([c, headers]) => (n: number) => {
        const built = build(n, c.label, 'either', headers, { body: (base) => c.apply(JSON.stringify(base)) });
        return expecting(built, parsesAsJson(built.body) ? 'either' : 'reject');
      }),
    },
    ...(spec.auth
      ? [
          {
            weight: 1,
            arbitrary: brokenCredentials.map(
              ([kind, authorization]) =>
                (n: number) =>
                  // An empty header value is a header the fetch sends without a credential in it.
                  build(n, `authorization ${kind}`, 'reject', {}, { credentials: { authorization } }),
            ),
          },
        ]
      : []),
    ...(names.length > 0
      ? [
          {
            weight: 2,
            arbitrary: fc
              .tuple(fc.constantFrom(...names), oddSegment, noiseHeaders)
              .map(([name, segment, headers]) => (n: number) => {
                const built = build(n, `{${name}} = ${preview(segment)}`, 'reject', headers, {
                  raw: { [name]: segment },
                });
                const plausible = ID.test(decodedSegment(segment)) || normalizes(built.path);
                return expecting(built, plausible ? 'either' : 'reject');
              }),
          },
        ]
      : []),
  );
}

// ----- Read routes -------------------------------------------------------------------------------------

interface ReadRoute {
  route: string;
  valid(n: number): { params: Record<string, string>; query: Record<string, string> };
  invalidQueries: readonly Record<string, string>[];
  /** Some reads are valid only for what exists (an order id): every other value is a 404. */
  existingOnly?: boolean;
  /** Headers a request needs to be let in (an agent's token): without them it is refused (401). */
  auth?: () => Record<string, string>;
}

/**
 * An agent's credentials gone wrong: none (an empty value), a bare scheme, a token that is not one, another
 * scheme, the agent's own token tampered with, or (read routes) whatever the noise headers carried.
 */
const brokenCredentials: fc.Arbitrary<readonly [string, string]> = fc
  .constantFrom('noise', 'none', 'Bearer', 'Bearer not-a-token', 'Basic', 'tampered')
  .map((kind) => {
    const token = more.agentToken;
    const value =
      kind === 'noise' || kind === 'none'
        ? ''
        : kind === 'tampered'
          ? `Bearer ${token.slice(0, -12)}${token.slice(-12).split('').reverse().join('')}x`
          : kind === 'Basic'
            ? `Basic ${Buffer.from('fuzz-agent:secret').toString('base64')}`
            : kind;
    return [kind, value] as const;
  });

const readRoutes: ReadRoute[] = [
  {
    route: 'GET /pick-tickets',
    valid: (n) => ({
      params: {},
      query: (n % 2 === 0 ? { locationId: 'wh-east' } : { locationId: 'wh-east', status: 'open' }) as Record<
        string,
        string
      >,
    }),
    invalidQueries: [
      {},
      { locationId: 'wh-east', status: 'closed' },
      { locationId: 'a b' },
      { locationId: fresh('nowhere', 1) },
    ],
  },
  {
    route: 'GET /pick-tickets/{id}',
    valid: () => ({ params: { id: ctx.ticketId }, query: {} }),
    invalidQueries: [],
    existingOnly: true,
  },
  {
    route: 'GET /pick-tickets/{id}/pdf',
    valid: () => ({ params: { id: ctx.ticketId }, query: {} }),
    invalidQueries: [],
    existingOnly: true,
  },
  {
    route: 'GET /marketing/abandoned-carts',
    valid: (n) => ({
      params: {},
      query: [{}, { date: new Date().toISOString().slice(0, 10) }, { date: '2030-01-15', limit: '5' }][
        n % 3
      ] as Record<string, string>,
    }),
    invalidQueries: [
      { date: 'yesterday' },
      { date: '2030-13-01' },
      { limit: '0' },
      { limit: '101' },
      { limit: 'ten' },
      { cursor: 'not-a-cursor' },
      { cursor: Buffer.from('{"a":"b"}').toString('base64url') },
      {
        cursor: Buffer.from('{"pk":"ORDER#x","sk":"ORDER","gsi2pk":"x","gsi2sk":"y"}').toString('base64url'),
      },
    ],
  },
  {
    route: 'GET /marketing/products/{sku}/interest',
    valid: (n) => ({ params: { sku: n % 2 ? 'SKU-MUG' : fresh('sku', n) }, query: {} }),
    invalidQueries: [],
  },
  {
    route: 'GET /marketing/customers/{emailHash}/interest',
    valid: () => ({ params: { emailHash: emailHash(FUZZ_EMAIL) }, query: {} }),
    invalidQueries: [],
  },
  {
    route: 'GET /orders/{id}',
    valid: () => ({ params: { id: ctx.knownOrderId }, query: {} }),
    invalidQueries: [],
    existingOnly: true,
  },
  {
    route: 'GET /notifications',
    valid: () => ({ params: {}, query: { orderId: ctx.knownOrderId } }),
    invalidQueries: [{}, { orderId: '' }, { orderId: 'x'.repeat(101) }],
  },
  {
    route: 'GET /customers/{emailHash}/notification-preferences',
    valid: (n) => ({
      params: { emailHash: emailHash(n % 2 ? FUZZ_EMAIL : `${fresh('pref', n)}@example.com`) },
      query: {},
    }),
    invalidQueries: [],
  },
  {
    route: 'GET /orders',
    valid: (n) => ({
      params: {},
      query: [
        { status: 'placed' },
        { email: FUZZ_EMAIL },
        { status: 'picking', email: FUZZ_EMAIL, limit: '5' },
      ][n % 3] as Record<string, string>,
    }),
    invalidQueries: [
      {},
      { limit: '10' },
      { status: 'lost' },
      { status: 'PLACED' },
      { email: 'not-an-email' },
      { status: 'placed', limit: '0' },
      { status: 'placed', limit: '101' },
      { status: 'placed', limit: '1.5' },
      { status: 'placed', limit: 'ten' },
      { status: 'placed', limit: '-1' },
      { status: 'placed', cursor: 'not-a-cursor' },
      { status: 'placed', cursor: 'c'.repeat(2001) },
      { status: 'placed', cursor: Buffer.from('{"pk":"ORDER#x"}').toString('base64url') },
      { status: 'placed', cursor: Buffer.from('{"gsi2pk":1,"gsi2sk":{}}').toString('base64url') },
      { status: 'placed', cursor: Buffer.from('{"a":"b"}').toString('base64url') },
      { email: FUZZ_EMAIL, cursor: Buffer.from('{"pk":"","sk":""}').toString('base64url') },
    ],
  },
  { route: 'GET /locations', valid: () => ({ params: {}, query: {} }), invalidQueries: [] },
  {
    route: 'GET /inventory/{sku}',
    valid: (n) => ({
      params: { sku: ['SKU-MUG', 'SKU-TSHIRT-M', fresh('sku', n)][n % 3] as string },
      query: {},
    }),
    invalidQueries: [],
  },
  {
    route: 'GET /inventory/{sku}/movements',
    valid: (n) => ({
      params: { sku: n % 2 ? 'SKU-MUG' : fresh('sku', n) },
      query: n % 3 ? { locationId: 'wh-east' } : ({} as Record<string, string>),
    }),
    invalidQueries: [{ locationId: 'bad id' }, { locationId: '' }, { locationId: 'x'.repeat(65) }],
  },
  {
    route: 'GET /availability',
    valid: (n) => ({
      params: {},
      query: {
        sku: n % 2 ? 'SKU-MUG' : fresh('sku', n),
        ...(n % 3 === 0 ? { fulfillment: 'pickup' } : {}),
        ...(n % 4 === 0 ? { postalCode: '10001' } : {}),
        ...(n % 5 === 0 ? { date: '2030-02-01' } : {}),
      },
    }),
    invalidQueries: [
      {},
      { sku: '' },
      { sku: 'SKU MUG' },
      { sku: 'x'.repeat(65) },
      { sku: 'SKU-MUG', fulfillment: 'drone' },
      { sku: 'SKU-MUG', postalCode: '' },
      { sku: 'SKU-MUG', postalCode: 'x'.repeat(21) },
      { sku: 'SKU-MUG', date: '2030-13-01' },
      { sku: 'SKU-MUG', date: 'today' },
    ],
  },
  {
    route: 'GET /metrics/live',
    valid: (n) => ({
      params: {},
      query: {
        ...(n % 2 ? { windowMinutes: String((n % 1440) + 1) } : {}),
        ...(n % 3 === 0 ? { sku: `SKU-MUG,${fresh('sku', n)}` } : {}),
        ...(n % 5 === 0 ? { lowStockThreshold: String(n % 100) } : {}),
      },
    }),
    invalidQueries: [
      { windowMinutes: '0' },
      { windowMinutes: '1441' },
      { windowMinutes: '1.5' },
      { windowMinutes: 'soon' },
      { windowMinutes: '' },
      { sku: '' },
      { sku: 'SKU MUG' },
      { sku: 'SKU-MUG,,SKU-TSHIRT-M' },
      { sku: Array.from({ length: 21 }, (_, i) => `SKU-${i}`).join(',') },
      { lowStockThreshold: '-1' },
      { lowStockThreshold: 'many' },
    ],
  },
  {
    // Past days only: a past day's report is built once and then read from the bucket.
    route: 'GET /reports/daily',
    valid: (n) => ({
      params: {},
      query: [{}, { date: '2025-01-15' }, { date: '2024-02-29' }][n % 3] as Record<string, string>,
    }),
    invalidQueries: [
      { date: '' },
      { date: 'yesterday' },
      { date: '2025-02-30' },
      { date: '2025-13-01' },
      { date: '15/01/2025' },
      { date: '2999-01-01' },
      { date: '1999-12-31' },
    ],
  },
  {
    route: 'GET /reports/daily/{date}/trend.svg',
    valid: (n) => ({ params: { date: ['2025-01-15', '2024-02-29'][n % 2] as string }, query: {} }),
    invalidQueries: [],
  },
  {
    route: 'GET /disruptions',
    valid: (n) => ({
      params: {},
      query: [
        {},
        { from: '2030-01-01', to: '2030-03-01' },
        { from: '2030-01-01T00:00:00Z', to: '2030-01-15T00:00:00+02:00', limit: '5' },
      ][n % 3] as Record<string, string>,
    }),
    invalidQueries: [
      { from: 'yesterday' },
      { to: '2030-13-01' },
      { from: '2030-02-01', to: '2030-01-01' },
      { from: '2020-01-01', to: '2030-01-01' },
      { from: '1999-12-31', to: '2000-01-02' },
      { limit: '0' },
      { limit: '101' },
      { limit: '1.5' },
      { cursor: 'not-a-cursor' },
      { cursor: Buffer.from('{"pk":"DISRUPTION#x"}').toString('base64url') },
      {
        cursor: Buffer.from(
          '{"pk":"DISRUPTION#x","sk":"DISRUPTION","gsi1pk":"DISRUPTIONS","gsi1sk":"1999-01-01#x"}',
        ).toString('base64url'),
      },
    ],
  },
  {
    route: 'GET /disruptions/{id}',
    valid: () => ({ params: { id: fresh('dis', 'known') }, query: {} }),
    invalidQueries: [],
    existingOnly: true,
  },
  { route: 'GET /webhook-subscriptions', valid: () => ({ params: {}, query: {} }), invalidQueries: [] },
  {
    route: 'GET /webhook-subscriptions/{id}',
    valid: () => ({ params: { id: ctx.webhookSubscriptionId }, query: {} }),
    invalidQueries: [],
    existingOnly: true,
  },
  {
    route: 'GET /webhook-subscriptions/{id}/deliveries',
    valid: (n) => ({
      params: { id: ctx.webhookSubscriptionId },
      query: (n % 2 === 0 ? {} : { limit: String(1 + (n % 100)) }) as Record<string, string>,
    }),
    invalidQueries: [
      { limit: '0' },
      { limit: '101' },
      { limit: '1.5' },
      { limit: 'ten' },
      { cursor: 'not-a-cursor' },
      { cursor: Buffer.from('{"pk":"WEBHOOK#whs_x","sk":"DELIVERY#"}').toString('base64url') },
      { cursor: Buffer.from('{"pk":"ORDER#x","sk":"ORDER"}').toString('base64url') },
    ],
    existingOnly: true,
  },
];

/** Filled in once the runtime is up: an order that exists. */
const ctx = { knownOrderId: '', ticketId: '', ticketOrderId: '', webhookSubscriptionId: '' };

function readRecipes(spec: ReadRoute): fc.Arbitrary<Recipe> {
  const [method, template] = spec.route.split(' ') as [string, string];
  const names = [...template.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string);
  const build = (
    n: number,
    label: string,
    expectation: Expectation,
    headers: Record<string, string>,
    change: {
      query?: Record<string, string>;
      extra?: Record<string, string>;
      raw?: Record<string, string>;
      anonymous?: boolean;
    },
  ): Case => {
    const valid = spec.valid(n);
    const params = Object.fromEntries(
      Object.entries(valid.params).map(([name, value]) => [name, encodeSegment(value)]),
    );
    const query = new URLSearchParams({ ...(change.query ?? valid.query), ...change.extra }).toString();
    const path = `${fillPath(template, { ...params, ...change.raw })}${query ? `?${query}` : ''}`;
    // The noise headers stay; a route's own auth headers replace theirs.
    const sent = change.anonymous ? headers : { ...headers, ...spec.auth?.() };
    return { route: spec.route, label, method, path, headers: sent, body: undefined, expect: expectation };
  };
  const queryValue = fc.oneof(
    fc.constantFrom(...(EDGE_VALUES.filter((v) => typeof v === 'string') as string[])),
    fc.string({ unit: 'binary', maxLength: 30 }),
  );
  return fc.oneof(
    {
      // Valid reads (and random queries, mostly valid) each query the table; broken ones mostly do not.
      weight: 1,
      arbitrary: noiseHeaders.map((headers) => (n: number) => build(n, 'valid', 'accept', headers, {})),
    },
    ...(spec.invalidQueries.length > 0
      ? [
          {
            weight: 3,
            arbitrary: fc.tuple(fc.constantFrom(...spec.invalidQueries), noiseHeaders).map(
              ([query, headers]) =>
                (n: number) =>
                  build(n, `?${new URLSearchParams(query)}`, 'reject', headers, { query }),
            ),
          },
        ]
      : []),
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.dictionary(fc.string({ maxLength: 12 }), queryValue, { maxKeys: 4 }), noiseHeaders)
        .map(
          ([extra, headers]) =>
            (n: number) =>
              build(n, `query ${preview(extra)}`, 'either', headers, { extra: lossless(extra) }),
        ),
    },
    ...(spec.auth
      ? [
          {
            // A valid request without the route's credentials: none, a random header, or a token tampered with.
            weight: 1,
            arbitrary: fc
              .tuple(brokenCredentials, noiseHeaders)
              .map(([[kind, authorization], { authorization: noise, ...headers }]) => (n: number) => {
                const sent = kind === 'noise' ? noise : authorization;
                return build(
                  n,
                  `authorization ${kind}`,
                  'reject',
                  sent === undefined || sent === '' ? headers : { ...headers, authorization: sent },
                  { anonymous: true },
                );
              }),
          },
        ]
      : []),
    ...(names.length > 0
      ? [
          {
            weight: 3,
            arbitrary: fc
              .tuple(fc.constantFrom(...names), oddSegment, noiseHeaders)
              .map(([name, segment, headers]) => (n: number) => {
                const built = build(n, `{${name}} = ${preview(segment)}`, 'reject', headers, {
                  raw: { [name]: segment },
                });
                const plausible =
                  (!spec.existingOnly && ID.test(decodedSegment(segment))) || normalizes(built.path);
                return expecting(built, plausible ? 'either' : 'reject');
              }),
          },
        ]
      : []),
  );
}

/** Query strings carry UTF-8: lone surrogates cannot be sent and are dropped from the random ones. */
const lossless = (query: Record<string, string>) =>
  Object.fromEntries(Object.entries(query).map(([k, v]) => [k.toWellFormed(), v.toWellFormed()]));

// ----- Pick confirmation -------------------------------------------------------------------------------

const confirmInvalid: Edit[] = [
  ['lines', []],
  ['lines', DELETE],
  ['lines', 'all'],
  ['lines.0.quantity', -1],
  ['lines.0.quantity', 0.5],
  ['lines.0.quantity', 10_001],
  ['lines.0.quantity', '1'],
  ['lines.0.quantity', 99],
  ['lines.0.sku', 'NOT-ON-THE-TICKET'],
  ['lines.0.sku', 'SKU MUG'],
  ['lines.0', null],
  ...rootInvalid,
];

const confirmRecipes: fc.Arbitrary<Recipe> = fc.oneof(
  {
    // The real open ticket, with lines it cannot take: it must stay open.
    weight: 3,
    arbitrary: fc.tuple(fc.constantFrom(...confirmInvalid), noiseHeaders).map(([edit, headers]) => () => ({
      route: 'POST /pick-tickets/{id}/confirm',
      label: `open ticket, ${edit[0] || '(body)'} = ${preview(edit[1])}`,
      method: 'POST',
      path: `/pick-tickets/${ctx.ticketId}/confirm`,
      headers,
      body: serialize(applyEdit({ lines: [{ sku: 'SKU-MUG', quantity: 1 }] }, edit)) ?? '',
      expect: 'reject' as const,
    })),
  },
  {
    // Tickets that do not exist, with any body at all.
    weight: 3,
    arbitrary: fc
      .tuple(fc.oneof(oddSegment, fc.constant('pt_01HZZZZZZZZZZZZZZZZZZZZZZZ')), mutation, noiseHeaders)
      .map(([segment, m, headers]) => () => {
        const { body, label } = mutate({ lines: [{ sku: 'SKU-MUG', quantity: 1 }] }, m);
        const path = `/pick-tickets/${segment}/confirm`;
        return {
          route: 'POST /pick-tickets/{id}/confirm',
          label: `ticket ${preview(segment)}, ${label}`,
          method: 'POST',
          path,
          headers,
          body: serialize(body) ?? '',
          expect: normalizes(path) ? ('either' as const) : ('reject' as const),
        };
      }),
  },
);

// ----- Fixed cases: sizes, methods, paths --------------------------------------------------------------

function fixedCases(): Case[] {
  const cases: Case[] = [];
  // Shopify lets unknown fields through, so padding keeps a body valid: exactly the limit is accepted,
  // one byte more is not.
  for (const [extra, expectation] of [
    [0, 'accept'],
    [1, 'reject'],
    [4096, 'reject'],
  ] as const) {
    const order = shopifyOrder({ email: FUZZ_EMAIL });
    const empty = JSON.stringify({ ...order, note: '' });
    const body = JSON.stringify({
      ...order,
      note: 'x'.repeat(MAX_BODY_BYTES - Buffer.byteLength(empty) + extra),
    });
    cases.push({
      route: 'POST /webhooks/shopify',
      label: `body of ${Buffer.byteLength(body)} bytes`,
      method: 'POST',
      path: '/webhooks/shopify',
      headers: {
        'content-type': 'application/json',
        'x-shopify-hmac-sha256': signShopify(body, TEST_SECRETS.shopify),
      },
      body,
      expect: expectation,
      untouched: { order: orderIdFor('shopify', String(order.id)) },
    });
  }
  // Every route with a body, sent more than the limit (a quarter over, and beyond the API's own 10 MB).
  const writeRoutes = functions.flatMap((spec) =>
    spec.trigger.kind === 'http' && spec.trigger.method !== 'GET' ? [spec.trigger] : [],
  );
  for (const trigger of writeRoutes) {
    const sizes = [MAX_BODY_BYTES + MAX_BODY_BYTES / 4];
    // Beyond API Gateway's 10 MB: one route is enough, the refusal comes before any handler.
    if (trigger.path === '/orders') sizes.push(10 * 1024 * 1024 + 1);
    for (const size of sizes) {
      const body = JSON.stringify({ pad: 'x'.repeat(size) });
      cases.push({
        route: `${trigger.method} ${trigger.path}`,
        label: `body of ${size} bytes`,
        method: trigger.method,
        path: fillPath(trigger.path, { id: 'wh-east', locationId: 'wh-east', sku: GUARDED_SKU }),
        headers: {
          'content-type': 'application/json',
          'idempotency-key': `fz-big-${RUN}-${size}`,
          'x-shopify-hmac-sha256': signShopify(body, TEST_SECRETS.shopify),
          'x-wc-webhook-signature': signWooCommerce(body, TEST_SECRETS.woocommerce),
          ...signStandard(body, size),
        },
        body,
        expect: 'reject',
      });
    }
  }
  // Methods no route has, and paths no route has.
  for (const spec of functions) {
    if (spec.trigger.kind !== 'http') continue;
    const path = fillPath(spec.trigger.path, { id: 'wh-east', locationId: 'wh-east', sku: 'SKU-MUG' });
    for (const method of ['PATCH', 'DELETE', spec.trigger.method === 'GET' ? 'POST' : 'GET']) {
      if (
        functions.some(
          (other) =>
            other.trigger.kind === 'http' &&
            other.trigger.method === method &&
            new RegExp(`^${other.trigger.path.replace(/\{\w+\}/g, '[^/]+')}$`).test(path),
        )
      )
        continue;
      cases.push({
        route: `${spec.trigger.method} ${spec.trigger.path}`,
        label: `${method} instead`,
        method,
        path,
        headers: {},
        body: method === 'GET' ? undefined : '{}',
        expect: 'reject',
      });
    }
  }
  cases.push(
    {
      route: 'GET /inventory/{sku}',
      label: 'a 20 kB path',
      method: 'GET',
      path: `/inventory/${'s'.repeat(20_000)}`,
      headers: {},
      body: undefined,
      expect: 'reject',
    },
    {
      route: 'GET /orders',
      label: 'an unknown path',
      method: 'GET',
      path: '/orderz',
      headers: {},
      body: undefined,
      expect: 'reject',
    },
    {
      route: 'GET /orders',
      label: 'a trailing slash',
      method: 'GET',
      path: '/orders/',
      headers: {},
      body: undefined,
      expect: 'reject',
    },
    {
      route: 'GET /orders',
      label: 'a double slash',
      method: 'GET',
      path: '//orders?status=placed',
      headers: {},
      body: undefined,
      expect: 'either',
    },
  );
  return cases;
}

// ----- Running -----------------------------------------------------------------------------------------

interface Outcome {
  case: Case;
  status: number;
  text: string;
}

let oms: TestRuntime;

async function send(c: Case): Promise<Outcome> {
  const response = await fetch(`${oms.url}${c.path}`, {
    method: c.method,
    headers: c.headers,
    ...(c.body === undefined ? {} : { body: c.body }),
  });
  return { case: c, status: response.status, text: await response.text() };
}

/**
 * The partitions of the table, from one scan at the end: cheaper than a read after every rejection, and it
 * also catches a write a rejected request might have left to happen after its answer.
 */
async function storedPartitions(): Promise<Set<string>> {
  const partitions = new Set<string>();
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await oms.deps.db.send(
      new ScanCommand({
        TableName: oms.tableName,
        ProjectionExpression: '#pk',
        ExpressionAttributeNames: { '#pk': 'pk' },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) partitions.add(String(item.pk));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return partitions;
}

/** What a rejected request left stored under the names it used, if anything. */
function written(untouched: Untouched, partitions: Set<string>, skus: Set<string>): string | undefined {
  if (untouched.order && partitions.has(keys.orderPartition(untouched.order)))
    return `order ${untouched.order} was stored`;
  if (untouched.location && partitions.has(keys.location(untouched.location).pk))
    return `location ${untouched.location} was stored`;
  if (untouched.sku && skus.has(untouched.sku)) return `rows were stored for SKU ${untouched.sku}`;
  if (untouched.cart && partitions.has(keys.cart(untouched.cart).pk))
    return `cart ${untouched.cart} was stored`;
  if (untouched.coupon && partitions.has(keys.coupon(untouched.coupon).pk))
    return `coupon ${untouched.coupon} was stored`;
  if (untouched.payout && partitions.has(keys.payout(untouched.payout).pk))
    return `payout ${untouched.payout} was stored`;
  return undefined;
}

function verdict(outcome: Outcome): string | undefined {
  const { status } = outcome;
  if (status >= 500) return `${status}: a server error`;
  if (status < 200 || (status >= 300 && status < 400))
    return `${status}: neither a success nor a client error`;
  if (outcome.case.expect === 'accept' && status >= 300) return `${status}: a valid request was refused`;
  if (outcome.case.expect === 'reject' && status < 300) return `${status}: an invalid request was accepted`;
  return undefined;
}

async function runAll(cases: Case[], onOutcome: (outcome: Outcome) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const c = cases[next] as Case;
      next += 1;
      await onOutcome(await send(c));
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

const describeCase = (c: Case) =>
  `${c.method} ${c.path.length > 120 ? `${c.path.slice(0, 120)}…` : c.path} [${c.label}] expect ${c.expect}`;

// ----- Purchasing: suppliers, purchase orders, receipts, the reorder job ------------------------------

/** Filled in once the runtime is up: a supplier, and purchase orders in each state the routes care about. */
const po = {
  supplierId: `fz-acme-${RUN}`,
  sku: `FUZZ-PO-${RUN}`,
  /** Sent, with more outstanding than any run can receive: valid receipts always fit. */
  openId: '',
  receivedId: '',
  cancelledId: '',
};
const UNKNOWN_PO = 'po_00000000000000000000000000';

async function setUpPurchasing() {
  const created = await oms.request('POST', '/suppliers', {
    id: po.supplierId,
    name: 'Fuzz supplier',
    email: 'orders@fuzz.example',
    currency: 'USD',
    leadTimeDays: 7,
    autoSend: false,
  });
  expect(created.status, created.text).toBe(201);
  const linked = await oms.request('PUT', `/skus/${po.sku}/supplier`, {
    supplierId: po.supplierId,
    unitCost: 250,
  });
  expect(linked.status, linked.text).toBe(200);
  // More than the API lets a buyer order (10 000 000 a line): created through the use case.
  po.openId = (
    await createPurchaseOrder(oms.deps, {
      supplierId: po.supplierId,
      lines: [{ sku: po.sku, locationId: 'wh-east', quantity: 2 ** 40 }],
    })
  ).id;
  const order = (quantity: number) =>
    oms.request('POST', '/purchase-orders', {
      supplierId: po.supplierId,
      lines: [{ sku: po.sku, locationId: 'wh-east', quantity }],
    });
  po.receivedId = (await order(1)).body.id;
  po.cancelledId = (await order(1)).body.id;
  for (const id of [po.openId, po.receivedId]) {
    expect((await oms.request('POST', `/purchase-orders/${id}/send`)).status).toBe(200);
  }
  const receipt = {
    receiptId: `fz-closed-${RUN}`,
    lines: [{ sku: po.sku, locationId: 'wh-east', quantity: 1 }],
  };
  expect((await oms.request('POST', `/purchase-orders/${po.receivedId}/receipts`, receipt)).status).toBe(201);
  expect((await oms.request('POST', `/purchase-orders/${po.cancelledId}/cancel`, {})).status).toBe(200);
}

const validSupplier = (n: number) => ({
  name: `Fuzz supplier ${n}`,
  email: `supplier.${n}@fuzz.example`,
  currency: (['USD', 'EUR', 'JPY', 'KWD'] as const)[n % 4],
  leadTimeDays: (n % 60) / 2,
  ...(n % 2 ? { leadTimeStdDevDays: n % 5 } : {}),
  ...(n % 3 ? { minimumOrderQuantity: 1 + (n % 100), packSize: 1 + (n % 24) } : {}),
  ...(n % 5 === 0 ? { orderCost: n % 10_000, serviceLevel: 0.9 } : {}),
  autoSend: n % 2 === 0,
});

const supplierInvalid: Edit[] = [
  ['name', ''],
  ['name', DELETE],
  ['email', 'not-an-email'],
  ['email', DELETE],
  ['currency', 'usd'],
  ['currency', 'ZZZ'],
  ['currency', 'constructor'],
  ['currency', DELETE],
  ['leadTimeDays', -1],
  ['leadTimeDays', 366],
  ['leadTimeDays', '7'],
  ['leadTimeDays', DELETE],
  ['leadTimeStdDevDays', -0.5],
  ['minimumOrderQuantity', 0],
  ['minimumOrderQuantity', 1.5],
  ['packSize', 0],
  ['packSize', 100_001],
  ['orderCost', -1],
  ['orderCost', 0.5],
  ['serviceLevel', 0.4],
  ['serviceLevel', 1],
  ['autoSend', 'yes'],
  ['unexpected', true],
  ...rootInvalid,
];

/** Bodies a route that takes an optional `{}` must refuse. */
const notAnObject: Edit[] = [
  ['', []],
  ['', null],
  ['', 'order'],
  ['', 42],
];

bodyRoutes.push(
  {
    route: 'POST /suppliers',
    valid: (n, id) => ({ params: {}, body: { id: fresh('sup', id), ...validSupplier(n) } }),
    invalid: [...supplierInvalid, ['id', 'bad id'], ['id', ''], ['id', DELETE], ['id', 'x'.repeat(65)]],
  },
  {
    route: 'PUT /suppliers/{id}',
    idempotent: true,
    valid: (n, id) => ({ params: { id: fresh('sup', id) }, body: validSupplier(n) }),
    invalid: supplierInvalid,
  },
  {
    route: 'PUT /skus/{sku}/supplier',
    idempotent: true,
    valid: (n, id) => ({
      params: { sku: fresh('sku', id) },
      body: {
        supplierId: po.supplierId,
        unitCost: 1 + (n % 10_000),
        ...(n % 2 ? { packSize: 6, minimumOrderQuantity: 12 } : {}),
        ...(n % 3 ? { holdingCost: 1 + (n % 50), serviceLevel: 0.99 } : {}),
      },
      untouched: { sku: fresh('sku', id) },
    }),
    invalid: [
      ['supplierId', 'no-such-supplier'],
      ['supplierId', 'bad id'],
      ['supplierId', DELETE],
      ['unitCost', 0],
      ['unitCost', -1],
      ['unitCost', 0.5],
      ['unitCost', '250'],
      ['unitCost', DELETE],
      ['packSize', 0],
      ['holdingCost', 0],
      ['serviceLevel', 0.3],
      ['extra', 1],
      ...rootInvalid,
    ],
  },
  {
    route: 'POST /purchase-orders',
    valid: (n, id) => ({
      params: {},
      body: {
        supplierId: po.supplierId,
        lines: [
          { sku: fresh('sku', id), locationId: 'wh-east', quantity: 1 + (n % 1000), unitCost: n % 5000 },
          ...(n % 2 ? [{ sku: po.sku, locationId: 'wh-west', quantity: 12 }] : []),
        ],
      },
    }),
    invalid: [
      ['supplierId', 'no-such-supplier'],
      ['supplierId', DELETE],
      ['lines', []],
      ['lines', DELETE],
      ['lines.0.quantity', 0],
      ['lines.0.quantity', -1],
      ['lines.0.quantity', 0.5],
      ['lines.0.quantity', '1'],
      ['lines.0.quantity', 10_000_001],
      ['lines.0.locationId', 'no-such-location'],
      ['lines.0.locationId', 'bad id'],
      ['lines.0.sku', 'SKU MUG'],
      ['lines.0.unitCost', -1],
      // A SKU not linked to the supplier needs its cost.
      ['lines.0.unitCost', DELETE],
      ['lines.0.extra', 1],
      ...rootInvalid,
    ],
  },
  {
    route: 'POST /purchase-orders/{id}/receipts',
    valid: (_n, id) => ({
      params: { id: po.openId },
      body: { receiptId: `fz-rc-${RUN}-${id}`, lines: [{ sku: po.sku, locationId: 'wh-east', quantity: 1 }] },
    }),
    invalid: [
      ['receiptId', ''],
      ['receiptId', 'bad id'],
      ['receiptId', 'r'.repeat(101)],
      ['receiptId', DELETE],
      ['lines', []],
      ['lines.0.quantity', 0],
      ['lines.0.quantity', -1],
      ['lines.0.quantity', 0.5],
      ['lines.0.quantity', 10_000_001],
      ['lines.0.sku', 'NOT-ON-THE-ORDER'],
      ['lines.0.locationId', 'wh-west'],
      ['lines.0.locationId', DELETE],
      ['extra', 1],
      ...rootInvalid,
    ],
    invalidParams: [{ id: UNKNOWN_PO }, { id: 'ord_123' }],
  },
);

readRoutes.push(
  { route: 'GET /suppliers', valid: () => ({ params: {}, query: {} }), invalidQueries: [] },
  {
    // Not existing-only: a random request may link any well-formed SKU name first.
    route: 'GET /skus/{sku}/supplier',
    valid: () => ({ params: { sku: po.sku }, query: {} }),
    invalidQueries: [],
  },
  {
    route: 'GET /purchase-orders',
    valid: (n) => ({
      params: {},
      query: [{}, { status: 'sent' }, { status: 'draft', limit: '5' }][n % 3] as Record<string, string>,
    }),
    invalidQueries: [
      { status: 'open' },
      { status: 'SENT' },
      { limit: '0' },
      { limit: '101' },
      { limit: 'ten' },
      { cursor: 'not-a-cursor' },
      { status: 'sent', cursor: Buffer.from('{"a":"b"}').toString('base64url') },
      {
        cursor: Buffer.from('{"pk":"PO#x","sk":"PO","gsi2pk":"PO_STATUS#sent","gsi2sk":"x"}').toString(
          'base64url',
        ),
      },
    ],
  },
  {
    route: 'GET /purchase-orders/{id}',
    valid: (n) => ({
      params: { id: [po.openId, po.receivedId, po.cancelledId][n % 3] as string },
      query: {},
    }),
    invalidQueries: [],
    existingOnly: true,
  },
);

/**
 * Routes whose body may be left out: every empty or `{}` body is valid, so the corruptions above (which
 * count an empty body as broken) do not apply. Each gets valid requests, bodies that are not the object
 * it takes, random changes to a valid body, and ids that name no order, a malformed id or an order in the
 * wrong state.
 */
function optionalBodyRecipes(
  route: string,
  valid: { path: () => string; bodies: readonly (object | undefined)[] },
  invalid: { bodies: readonly Edit[]; paths: readonly (() => string)[] },
): fc.Arbitrary<Recipe> {
  const [method] = route.split(' ') as [string];
  const caseOf = (
    label: string,
    path: string,
    body: Body,
    expectation: Expectation,
    headers: Record<string, string>,
  ) => ({
    route,
    label,
    method,
    path,
    headers,
    body,
    expect: expectation,
  });
  return fc.oneof(
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom(...valid.bodies), noiseHeaders).map(
        ([body, headers]) =>
          () =>
            caseOf(`valid ${preview(body)}`, valid.path(), serialize(body), 'accept', headers),
      ),
    },
    {
      weight: 3,
      arbitrary: fc.tuple(fc.constantFrom(...invalid.bodies), noiseHeaders).map(
        ([edit, headers]) =>
          () =>
            caseOf(
              `${edit[0] || '(body)'} = ${preview(edit[1])}`,
              valid.path(),
              serialize(applyEdit(valid.bodies.find((b) => b !== undefined) ?? {}, edit)) ?? '',
              'reject',
              headers,
            ),
      ),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(...invalid.paths), fc.constantFrom(...valid.bodies), noiseHeaders)
        .map(
          ([path, body, headers]) =>
            () =>
              caseOf(`path ${path()}`, path(), serialize(body), 'reject', headers),
        ),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(mutation, noiseHeaders).map(([m, headers]) => () => {
        const { body, label } = mutate(valid.bodies.find((b) => b !== undefined) ?? {}, m);
        const text = serialize(body) ?? '';
        // An emptied body is a body left out: valid.
        return caseOf(label, valid.path(), text, text === '' ? 'accept' : 'either', headers);
      }),
    },
  );
}

const purchasingRecipes: [string, fc.Arbitrary<Recipe>][] = [
  [
    'POST /purchase-orders/{id}/send',
    optionalBodyRecipes(
      'POST /purchase-orders/{id}/send',
      // Sent already: answered as a duplicate, nothing sent again.
      { path: () => `/purchase-orders/${po.openId}/send`, bodies: [undefined, {}] },
      {
        bodies: [...notAnObject, ['note', 'please hurry']],
        paths: [
          () => `/purchase-orders/${UNKNOWN_PO}/send`,
          () => `/purchase-orders/${po.cancelledId}/send`,
          () => '/purchase-orders/bad-id/send',
        ],
      },
    ),
  ],
  [
    'POST /purchase-orders/{id}/cancel',
    optionalBodyRecipes(
      'POST /purchase-orders/{id}/cancel',
      // Cancelled already: answered as it is.
      {
        path: () => `/purchase-orders/${po.cancelledId}/cancel`,
        bodies: [undefined, {}, { reason: 'fuzz' }],
      },
      {
        bodies: [...notAnObject, ['reason', ''], ['reason', 42], ['reason', 'r'.repeat(501)], ['extra', 1]],
        paths: [
          () => `/purchase-orders/${UNKNOWN_PO}/cancel`,
          () => `/purchase-orders/${po.receivedId}/cancel`,
          () => `/purchase-orders/${po.openId.toLowerCase()}/cancel`,
        ],
      },
    ),
  ],
  [
    'POST /jobs/reorder',
    optionalBodyRecipes(
      'POST /jobs/reorder',
      { path: () => '/jobs/reorder', bodies: [undefined, {}, { send: false }, { send: true }] },
      {
        bodies: [...notAnObject, ['send', 'yes'], ['send', 1], ['extra', 1]],
        paths: [() => '/jobs/reorder/now'],
      },
    ),
  ],
];

// ----- Agents, coupons, freight audit, ledger, paperwork, refunds, payouts, shipping ------------------

const AGENT_USERNAME = 'fuzz-agent';
const AGENT_PASSWORD = `fz-${RUN}-Pa55word!`;
/** A coupon that exists (percentage, no currency): previews name it, PUT changes only its status and end. */
const KNOWN_COUPON = `FZ-${RUN.toUpperCase()}-KNOWN`;
const UNKNOWN_ORDER = `ord_${'0'.repeat(24)}`;
const UNKNOWN_INVOICE = `fi_${'0'.repeat(20)}`;
const TODAY = new Date().toISOString().slice(0, 10);

/** Filled in once the runtime is up. */
const more = {
  agentToken: '',
  /** Shipped and captured: its paperwork is issued and it takes refunds of one cent. */
  shippedOrderId: '',
  documentType: '',
  documentId: '',
  /** Every line approved (with an override: unmatched lines are flagged). */
  approvedInvoiceId: '',
  /** Every line disputed. */
  disputedInvoiceId: '',
  achFileId: `fz-ach-${RUN}`,
  /** The first banking day after today: the ACH file made in the set-up is due then. */
  achDate: '',
};

/** The token of a signed-in agent, sent on every agent route. */
const agentAuth = () => ({ authorization: `Bearer ${more.agentToken}` });

/** The first weekday after `day`. */
function nextBankingDay(day: string): string {
  const at = new Date(`${day}T00:00:00Z`);
  do at.setUTCDate(at.getUTCDate() + 1);
  while (at.getUTCDay() === 0 || at.getUTCDay() === 6);
  return at.toISOString().slice(0, 10);
}

readRoutes.push(
  {
    route: 'GET /agent/session',
    auth: agentAuth,
    valid: () => ({ params: {}, query: {} }),
    invalidQueries: [],
  },
  {
    route: 'GET /agent/orders',
    auth: agentAuth,
    valid: (n) => ({
      params: {},
      query: { q: [ctx.knownOrderId, FUZZ_EMAIL, `no-such-order-${n}`][n % 3] as string },
    }),
    invalidQueries: [{}, { q: '' }, { q: '   ' }, { q: 'q'.repeat(255) }],
  },
  {
    route: 'GET /agent/orders/{id}',
    auth: agentAuth,
    valid: () => ({ params: { id: ctx.knownOrderId }, query: {} }),
    invalidQueries: [],
    existingOnly: true,
  },
  {
    route: 'GET /agent/inventory/{sku}',
    auth: agentAuth,
    valid: (n) => ({
      params: { sku: ['SKU-MUG', 'SKU-TSHIRT-M', fresh('sku', n)][n % 3] as string },
      query: {},
    }),
    invalidQueries: [],
  },
  {
    route: 'GET /agent/metrics/live',
    auth: agentAuth,
    valid: () => ({ params: {}, query: {} }),
    invalidQueries: [],
  },
  {
    route: 'GET /coupons/{code}',
    valid: (n) => ({ params: { code: n % 2 ? KNOWN_COUPON : KNOWN_COUPON.toLowerCase() }, query: {} }),
    invalidQueries: [],
  },
  {
    route: 'GET /freight-audit/report',
    valid: (n) => ({
      params: {},
      query: [{}, { carrier: 'SIMPARCEL' }, { from: '2026-11-01', to: '2026-11-30', carrier: 'simparcel' }][
        n % 3
      ] as Record<string, string>,
    }),
    invalidQueries: [
      { from: '2026-12-01', to: '2026-11-01' },
      { from: '2024-01-01', to: '2026-01-01' },
      { from: 'yesterday' },
      { to: '2026-13-01' },
      { carrier: '' },
      { carrier: ' ' },
      { carrier: 'c'.repeat(65) },
    ],
  },
  {
    route: 'GET /freight-invoices/{id}',
    valid: (n) => ({ params: { id: n % 2 ? more.approvedInvoiceId : more.disputedInvoiceId }, query: {} }),
    invalidQueries: [],
    existingOnly: true,
  },
  {
    route: 'GET /ledger/entries',
    valid: (n) => ({
      params: {},
      query: [{}, { orderId: more.shippedOrderId }, { from: '2026-11-01', to: '2026-11-28', limit: '5' }][
        n % 3
      ] as Record<string, string>,
    }),
    invalidQueries: [
      { limit: '0' },
      { limit: '201' },
      { limit: '1.5' },
      { limit: 'ten' },
      { from: '2026-13-01' },
      { from: 'yesterday' },
      { from: '2026-11-02', to: '2026-11-01' },
      { from: '2000-01-01', to: '2026-01-01' },
      { orderId: 'ord_123' },
      { from: 'x'.repeat(41) },
      { cursor: 'c'.repeat(2001) },
    ],
  },
  {
    route: 'GET /ledger/exports',
    valid: (n) => ({
      params: {},
      query: [
        { from: '2026-11-01', to: '2026-11-30' },
        { from: TODAY, to: TODAY },
      ][n % 2] as Record<string, string>,
    }),
    invalidQueries: [
      {},
      { from: '2026-11-01' },
      { from: 'yesterday', to: '2026-11-30' },
      { from: '2026-11-30', to: '2026-11-01' },
      { from: '2026-02-30', to: '2026-03-01' },
    ],
  },
  {
    route: 'GET /ledger/reconciliation',
    valid: (n) => ({ params: {}, query: [{}, { from: TODAY }][n % 2] as Record<string, string> }),
    invalidQueries: [
      { from: 'yesterday' },
      { from: '2026-11-02', to: '2026-11-01' },
      { from: 'x'.repeat(41) },
      { from: '2000-01-01', to: '2026-01-01' },
    ],
  },
  {
    route: 'GET /ledger/trial-balance',
    valid: (n) => ({
      params: {},
      query: [{}, { currency: 'USD' }, { asOf: TODAY }][n % 3] as Record<string, string>,
    }),
    invalidQueries: [
      { currency: 'usd' },
      { currency: 'US' },
      { currency: 'USDX' },
      { asOf: 'yesterday' },
      { asOf: 'x'.repeat(41) },
    ],
  },
  {
    route: 'GET /orders/{id}/documents',
    valid: () => ({ params: { id: more.shippedOrderId }, query: {} }),
    invalidQueries: [],
  },
  {
    route: 'GET /orders/{id}/documents/{documentId}',
    valid: () => ({ params: { id: more.shippedOrderId, documentId: more.documentId }, query: {} }),
    invalidQueries: [],
    existingOnly: true,
  },
  {
    route: 'GET /payouts',
    valid: (n) => ({
      params: {},
      query: [{}, { status: 'included' }, { status: 'pending', limit: '5' }][n % 3] as Record<string, string>,
    }),
    invalidQueries: [
      { status: 'paid' },
      { status: 'PENDING' },
      { limit: '0' },
      { limit: '101' },
      { limit: '1.5' },
      { limit: 'ten' },
    ],
  },
);

const validCoupon = (n: number, code: string) => ({
  code,
  type: 'fixed',
  amount: 1 + (n % 5000),
  currency: (['USD', 'EUR', 'JPY', 'KWD'] as const)[n % 4],
  ...(n % 2 ? { minimumSubtotal: n % 10_000 } : {}),
  startsAt: '2030-01-01T00:00:00Z',
  endsAt: '2030-02-01T00:00:00+01:00',
  usageLimit: 10 + (n % 100),
  perCustomerLimit: 1 + (n % 10),
  ...(n % 3 === 0 ? { entitledSkus: ['SKU-MUG', fresh('sku', n)] } : {}),
  stackable: n % 2 === 0,
  description: `fuzz ${n}`,
});

const validPayout = (n: number, id: string) => ({
  id: fresh('pay', id),
  payee: {
    name: `Fuzz payee ${n}`,
    ...(n % 2 ? { type: 'business' } : {}),
    // Passes the ABA check digit (3-7-1 weights).
    routingNumber: '021000021',
    accountNumber: `${1000 + (n % 9000)}-${n % 10}`,
    accountType: n % 2 ? 'checking' : 'savings',
  },
  amount: 1 + (n % 100_000),
  currency: 'USD',
  purpose: n % 2 ? 'supplier' : 'seller',
  ...(n % 3 === 0 ? { reference: `INV-${n}` } : {}),
  ...(n % 5 === 0 ? { effectiveDate: '2030-01-15' } : {}),
});

const refundBody = (id: string) => ({
  amount: 1,
  reason: 'fuzz refund',
  idempotencyKey: `fz-refund-${RUN}-${id}`,
});

const parcel = (n: number) => ({
  lengthIn: 10 + (n % 20),
  widthIn: 8,
  heightIn: 4.5,
  weightLb: 0.5 + (n % 30),
});

bodyRoutes.push(
  {
    route: 'POST /agent/session',
    // Every sign-in hashes the password: an agent signing in again gets a fresh token.
    valid: () => ({ params: {}, body: { username: AGENT_USERNAME, password: AGENT_PASSWORD } }),
    invalid: [
      ['password', 'not-the-password'],
      ['password', `${AGENT_PASSWORD} `],
      ['password', ''],
      ['password', 'p'.repeat(257)],
      ['password', 42],
      ['password', DELETE],
      ['username', 'nobody'],
      ['username', 'FUZZ-AGENT'],
      ['username', ''],
      ['username', 'u'.repeat(129)],
      ['username', DELETE],
      ...rootInvalid,
    ],
  },
  {
    route: 'POST /coupons',
    valid: (n, id) => ({
      params: {},
      body: validCoupon(n, `fz-${RUN}-${id}`),
      untouched: { coupon: `FZ-${RUN}-${id}`.toUpperCase() },
    }),
    invalid: [
      ['code', ''],
      ['code', 'ab'],
      ['code', 'a b c'],
      ['code', 'ÇODE-1'],
      ['code', 'c'.repeat(41)],
      ['code', 42],
      ['code', DELETE],
      // Exists already, in another letter case: 409.
      ['code', KNOWN_COUPON.toLowerCase()],
      ['type', 'bogo'],
      ['type', 'percentage'],
      ['type', DELETE],
      ['amount', 0],
      ['amount', -1],
      ['amount', 0.5],
      ['amount', 2 ** 53],
      ['amount', '100'],
      ['amount', DELETE],
      ['basisPoints', 1500],
      ['currency', 'usd'],
      ['currency', 'ZZZ'],
      ['currency', DELETE],
      ['minimumSubtotal', -1],
      ['startsAt', 'tomorrow'],
      ['startsAt', '2030-01-01'],
      ['endsAt', '2029-12-31T00:00:00Z'],
      ['endsAt', '2030-01-01T00:00:00Z'],
      ['usageLimit', 0],
      ['usageLimit', 1.5],
      ['usageLimit', 100_000_001],
      ['perCustomerLimit', 0],
      ['perCustomerLimit', 1000],
      ['perCustomerLimit', 1001],
      ['entitledSkus', []],
      ['entitledSkus', ['SKU MUG']],
      ['entitledSkus', ['SKU-MUG', 'SKU-MUG']],
      ['stackable', 'yes'],
      ['description', 'd'.repeat(501)],
      ['unexpected', true],
      ...rootInvalid,
    ],
  },
  {
    route: 'PUT /coupons/{code}',
    idempotent: true,
    valid: (n) => ({
      params: { code: n % 2 ? KNOWN_COUPON : KNOWN_COUPON.toLowerCase() },
      body: [{ status: 'active' }, { endsAt: '2031-01-01T00:00:00Z' }, { status: 'active', endsAt: null }][
        n % 3
      ],
    }),
    invalid: [
      ['status', 'paused'],
      ['status', 42],
      ['endsAt', 'tomorrow'],
      ['endsAt', '2031-01-01'],
      // Before the coupon's start.
      ['endsAt', '2000-01-01T00:00:00Z'],
      ['amount', 100],
      ['', {}],
      ['', []],
      ['', null],
      ['', 'disable'],
      ['', 42],
    ],
    invalidParams: [{ code: `FZ-NO-SUCH-${RUN}` }, { code: 'a b' }, { code: 'ab' }],
  },
  {
    route: 'POST /discounts/preview',
    valid: (n) => ({
      params: {},
      body: {
        codes: n % 2 ? [KNOWN_COUPON] : [KNOWN_COUPON.toLowerCase(), `FZ-UNKNOWN-${n}`],
        currency: (['USD', 'EUR', 'JPY'] as const)[n % 3],
        lines: [
          { sku: 'SKU-MUG', quantity: 1 + (n % 5), unitPrice: 2500 },
          ...(n % 4 === 0 ? [{ sku: fresh('sku', n), quantity: 2, unitPrice: n % 10_000 }] : []),
        ],
        ...(n % 3 === 0 ? { customerEmail: FUZZ_EMAIL } : {}),
      },
    }),
    invalid: [
      ['codes', []],
      ['codes', DELETE],
      ['codes', 'FZ-KNOWN'],
      ['codes', ['C-1', 'C-2', 'C-3', 'C-4', 'C-5', 'C-6'].map((code) => `${code}XX`)],
      ['codes', ['DUP-1', 'dup-1']],
      ['codes', ['a']],
      ['codes', [42]],
      ['currency', 'usd'],
      ['currency', 'ZZZ'],
      ['currency', DELETE],
      ['lines', []],
      ['lines', DELETE],
      ['lines.0.quantity', 0],
      ['lines.0.quantity', 1.5],
      ['lines.0.quantity', 10_001],
      ['lines.0.unitPrice', -1],
      ['lines.0.unitPrice', 0.5],
      ['lines.0.sku', 'SKU MUG'],
      ['customerEmail', 'not-an-email'],
      ['unexpected', true],
      ...rootInvalid,
    ],
  },
  {
    route: 'POST /orders/{id}/documents',
    // Issued in the set-up: issuing again returns the same document.
    idempotent: true,
    valid: (n) => ({
      params: { id: more.shippedOrderId },
      body: { type: more.documentType, ...(n % 2 ? { specialInstructions: `fuzz ${n}` } : {}) },
    }),
    invalid: [
      ['type', 'invoice'],
      ['type', DELETE],
      ['type', 42],
      ['shipmentId', 'bad id'],
      ['pickTicketId', 'a b'],
      ['hazmatSkus', ['SKU MUG']],
      ['hazmatSkus', 'SKU-MUG'],
      ['specialInstructions', 's'.repeat(501)],
      ['incoterms', 'XYZ'],
      ['hsCodes', { 'SKU-MUG': '12' }],
      ['originCountries', { 'SKU-MUG': 'usa' }],
      ['unexpected', true],
      ...rootInvalid,
    ],
    invalidParams: [{ id: UNKNOWN_ORDER }, { id: 'ORD_ABC' }],
  },
  {
    route: 'POST /orders/{id}/refunds',
    // One cent a name. The shared names are refunded in the set-up, so a valid request is a duplicate (200)
    // and a random change under one of them a 409, never a refund of everything left.
    idempotent: true,
    valid: (_n, id) => ({ params: { id: more.shippedOrderId }, body: refundBody(id) }),
    invalid: [
      ['amount', 0],
      ['amount', -1],
      ['amount', 0.5],
      ['amount', '1'],
      // More than was captured: 422.
      ['amount', 1_000_000_000],
      ['reason', ''],
      ['reason', '   '],
      ['reason', 'r'.repeat(501)],
      ['reason', DELETE],
      ['idempotencyKey', 'short'],
      ['idempotencyKey', 'a key with spaces'],
      ['idempotencyKey', DELETE],
      ['lines', []],
      ['lines', [{ sku: 'SKU-MUG', quantity: 0 }]],
      ['unexpected', true],
      ...rootInvalid,
    ],
    invalidParams: [{ id: UNKNOWN_ORDER }, { id: 'ord_ABC' }],
  },
  {
    route: 'POST /payouts',
    valid: (n, id) => ({ params: {}, body: validPayout(n, id), untouched: { payout: fresh('pay', id) } }),
    invalid: [
      ['id', 'bad id'],
      ['id', 'x'.repeat(65)],
      ['payee', DELETE],
      ['payee.name', ''],
      ['payee.name', 'n'.repeat(101)],
      ['payee.type', 'robot'],
      ['payee.routingNumber', '021000022'],
      ['payee.routingNumber', '02100002'],
      ['payee.routingNumber', 21000021],
      ['payee.accountNumber', ''],
      ['payee.accountNumber', '1'.repeat(18)],
      ['payee.accountNumber', '12 34'],
      ['payee.accountType', 'brokerage'],
      ['payee.extra', 1],
      ['amount', 0],
      ['amount', -1],
      ['amount', 0.5],
      ['amount', 10_000_000_000],
      ['amount', '100'],
      ['amount', DELETE],
      ['currency', 'EUR'],
      ['currency', DELETE],
      ['purpose', 'refund'],
      ['purpose', DELETE],
      ['reference', ''],
      ['reference', 'r'.repeat(81)],
      ['effectiveDate', '2030-13-01'],
      ['unexpected', true],
      ...rootInvalid,
    ],
  },
  {
    route: 'POST /payouts/ach-files',
    // The file of the set-up again: answered as a duplicate.
    idempotent: true,
    valid: () => ({
      params: {},
      body: { id: more.achFileId, effectiveDate: more.achDate },
    }),
    invalid: [
      ['effectiveDate', '2030-13-01'],
      ['effectiveDate', 'tomorrow'],
      ['effectiveDate', DELETE],
      // The file exists for another date: 409.
      ['effectiveDate', '2030-01-15'],
      ['companyId', 'no-such-company'],
      ['companyId', ''],
      ['referenceCode', 'r'.repeat(9)],
      ['id', 'bad id'],
      ['id', 'x'.repeat(65)],
      ['unexpected', true],
      ...rootInvalid,
    ],
  },
  {
    route: 'POST /ledger/exports',
    // One day: the export reads and writes little.
    valid: (n) => ({
      params: {},
      body: {
        from: TODAY,
        to: TODAY,
        ...(n % 2 ? { formats: (['qbo', 'xero', 'netsuite', 'parquet'] as const).slice(n % 4) } : {}),
      },
    }),
    invalid: [
      ['from', '2026-13-01'],
      ['from', 'yesterday'],
      ['from', DELETE],
      ['to', '2000-01-01'],
      ['to', '2099-01-01'],
      ['to', DELETE],
      ['formats', []],
      ['formats', ['pdf']],
      ['formats', 'qbo'],
      ['unexpected', true],
      ...rootInvalid,
    ],
  },
  {
    route: 'POST /freight-invoices/{id}/dispute',
    // Disputed in the set-up: disputing again changes nothing.
    idempotent: true,
    valid: (n) => ({
      params: { id: more.disputedInvoiceId },
      body: { reason: 'fuzz dispute', ...(n % 2 ? { lines: [1] } : {}) },
    }),
    invalid: [
      ['reason', ''],
      ['reason', '  '],
      ['reason', 'r'.repeat(501)],
      ['reason', DELETE],
      ['lines', []],
      ['lines', [0]],
      ['lines', [1.5]],
      ['lines', 'all'],
      ['unexpected', true],
      ...rootInvalid,
    ],
    invalidParams: [{ id: UNKNOWN_INVOICE }, { id: 'fi_nope' }],
  },
  {
    route: 'POST /shipping/freight-class',
    valid: (n) => ({
      params: {},
      body: {
        weightLb: 1 + (n % 500),
        lengthIn: 48,
        widthIn: 40,
        heightIn: 10 + (n % 60),
        shipDate: ['2025-01-15', '2026-11-20', '2026-11-20T10:00:00Z'][n % 3],
        ...(n % 4 === 0 ? { scale: '11-tier' } : {}),
      },
    }),
    invalid: [
      ['weightLb', 0],
      ['weightLb', -1],
      ['weightLb', '5'],
      ['weightLb', null],
      ['weightLb', DELETE],
      ['lengthIn', 0],
      ['lengthIn', DELETE],
      ['widthIn', -0.5],
      ['heightIn', 'tall'],
      ['shipDate', 'soon'],
      ['shipDate', '2026-02-30'],
      ['shipDate', ''],
      ['shipDate', DELETE],
      ['shipDate', 20_261_120],
      ['scale', '12-tier'],
      ...rootInvalid,
    ],
  },
  {
    route: 'POST /shipping/quotes',
    valid: (n) => ({
      params: {},
      body: {
        origin:
          n % 2
            ? { locationId: 'wh-east' }
            : { postalCode: '10001', cutoffTime: '17:00', timeZone: 'America/New_York' },
        destination: { postalCode: '94105', country: 'US', ...(n % 3 === 0 ? { residential: true } : {}) },
        parcels: [parcel(n), ...(n % 4 === 0 ? [parcel(n + 1)] : [])],
        promiseDate: '2030-01-15',
        ...(n % 5 === 0 ? { avoidCarriers: ['SIMPOST'] } : {}),
      },
    }),
    invalid: [
      ['origin', { locationId: 'no-such-location' }],
      ['origin', { locationId: 'bad id' }],
      ['origin', {}],
      ['origin', { postalCode: '' }],
      ['origin', { locationId: 'wh-east', postalCode: '10001' }],
      ['origin', { postalCode: '10001', cutoffTime: '25:00' }],
      ['origin', { postalCode: '10001', timeZone: 'Mars/Olympus' }],
      ['origin', DELETE],
      ['destination.country', 'us'],
      ['destination.postalCode', ''],
      ['destination.extra', 1],
      ['destination', DELETE],
      ['parcels', []],
      ['parcels', Array.from({ length: 51 }, () => parcel(1))],
      ['parcels.0.weightLb', 0],
      ['parcels.0.weightLb', 2001],
      ['parcels.0.lengthIn', 201],
      ['parcels.0.heightIn', '4'],
      ['shipAt', 'now'],
      ['promiseDate', '2030-13-01'],
      ['promiseDate', DELETE],
      ['avoidCarriers', ['']],
      ['unexpected', true],
      ...rootInvalid,
    ],
  },
  {
    route: 'PUT /skus/{sku}/dimensions',
    idempotent: true,
    valid: (n, id) => ({
      params: { sku: fresh('dim', id) },
      body: { lengthIn: 1 + (n % 100), widthIn: 2, heightIn: 3.5, weightLb: 0.25 + (n % 50) },
      untouched: { sku: fresh('dim', id) },
    }),
    invalid: [
      ['lengthIn', 0],
      ['lengthIn', -1],
      ['lengthIn', 201],
      ['lengthIn', '5'],
      ['lengthIn', DELETE],
      ['weightLb', 2001],
      ['weightLb', null],
      ['heightIn', 5e-324],
      ['widthIn', -1e-200],
      ['unexpected', true],
      ...rootInvalid,
    ],
    guarded: {},
  },
);

// Freight invoices arrive as CSV files (docs/freight-audit.md).

const FREIGHT_COLUMNS = [
  'invoice_number',
  'carrier',
  'invoice_date',
  'tracking_number',
  'ship_date',
  'billed_amount',
  'currency',
  'accessorials',
  'weight',
] as const;
type FreightColumn = (typeof FREIGHT_COLUMNS)[number];

/** One row per line of a fresh invoice; tracking numbers no shipment has (the lines are flagged unmatched). */
function freightRows(invoice: string, n: number, lines = 1 + (n % 3)): Record<FreightColumn, string>[] {
  return Array.from({ length: lines }, (_, line) => ({
    invoice_number: invoice,
    carrier: n % 2 ? 'SIMPARCEL' : 'simparcel',
    invoice_date: '2026-11-20',
    tracking_number: `FZ${RUN}T${n}L${line}`.toUpperCase(),
    ship_date: '2026-11-18',
    billed_amount: `${10 + (n % 90)}.${String((n + line) % 100).padStart(2, '0')}`,
    currency: 'USD',
    accessorials: line % 2 ? '"LGD:5.00; FSC:1.10"' : '',
    weight: String(1 + (n % 40)),
  }));
}

const freightCsv = (rows: readonly Record<FreightColumn, string>[]) =>
  `${FREIGHT_COLUMNS.join(',')}\r\n${rows.map((row) => FREIGHT_COLUMNS.map((c) => row[c]).join(',')).join('\r\n')}\r\n`;

const CSV_TYPES = ['text/csv', 'text/csv; charset=utf-8', 'TEXT/CSV', 'text/plain'];

const freightInvalidCells: readonly (readonly [FreightColumn, string])[] = [
  ['invoice_number', ''],
  ['invoice_number', 'INV 1!'],
  ['carrier', ''],
  ['invoice_date', '2026-13-01'],
  ['invoice_date', '20/11/2026'],
  // Days that do not exist (Date.parse rolls them into the next month).
  ['invoice_date', '2026-02-30'],
  ['ship_date', '2026-11-31'],
  ['invoice_date', ''],
  ['tracking_number', ''],
  ['ship_date', 'yesterday'],
  ['billed_amount', ''],
  ['billed_amount', 'abc'],
  ['billed_amount', '1.234'],
  ['billed_amount', '1e3'],
  ['currency', 'ZZZ'],
  ['currency', 'US'],
  ['currency', ''],
  ['accessorials', 'LGD'],
  ['weight', 'heavy'],
  // Below what DynamoDB can store, and numbers that are not plain decimals.
  ['weight', '1e-200'],
  ['weight', '0x10'],
];

const freightInvalidFiles: readonly (readonly [string, (n: number) => string])[] = [
  ['an empty file', () => ''],
  ['only the header', () => `${FREIGHT_COLUMNS.join(',')}\n`],
  [
    'no header',
    (n) =>
      freightCsv(freightRows(fresh('fi', n), n))
        .split('\r\n')
        .slice(1)
        .join('\r\n'),
  ],
  ['no currency column', (n) => freightCsv(freightRows(fresh('fi', n), n)).replace('currency', 'money')],
  ['JSON', () => '{"invoice_number":"INV-1"}'],
  [
    'two currencies in an invoice',
    (n) => freightCsv(freightRows(fresh('fi', n), n, 2)).replace(',USD,', ',EUR,'),
  ],
];

const freightRecipes: fc.Arbitrary<Recipe> = (() => {
  const route = 'POST /freight-invoices';
  const caseOf = (label: string, body: Body, expectation: Expectation, headers: Record<string, string>) => ({
    route,
    label,
    method: 'POST',
    path: '/freight-invoices',
    headers,
    body,
    expect: expectation,
  });
  const csvHeaders = fc
    .tuple(noiseHeaders, fc.constantFrom(...CSV_TYPES))
    .map(([headers, type]) => ({ ...headers, 'content-type': type }));
  return fc.oneof(
    {
      weight: 1,
      arbitrary: csvHeaders.map(
        (headers) => (n: number) =>
          caseOf('valid', freightCsv(freightRows(fresh('fi', n), n)), 'accept', headers),
      ),
    },
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.constantFrom(...freightInvalidCells), fc.nat(), csvHeaders)
        .map(([[column, value], at, headers]) => (n: number) => {
          const rows = freightRows(fresh('fi', n), n);
          const row = rows[at % rows.length] as Record<FreightColumn, string>;
          row[column] = value;
          return caseOf(`${column} = ${preview(value)}`, freightCsv(rows), 'reject', headers);
        }),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.constantFrom(...freightInvalidFiles), csvHeaders).map(
        ([[label, file], headers]) =>
          (n: number) =>
            caseOf(label, file(n), 'reject', headers),
      ),
    },
    {
      // A valid file that does not say it is CSV.
      weight: 1,
      arbitrary: fc
        .tuple(noiseHeaders, fc.constantFrom('application/json', 'application/octet-stream', 'text/csvx', ''))
        .map(
          ([headers, type]) =>
            (n: number) =>
              caseOf(`content-type ${preview(type)}`, freightCsv(freightRows(fresh('fi', n), n)), 'reject', {
                ...headers,
                'content-type': type,
              }),
        ),
    },
    {
      // Random changes to the text: a byte inserted, the file cut short, random bytes or text.
      weight: 2,
      arbitrary: fc.tuple(corruption, csvHeaders).map(
        ([c, headers]) =>
          (n: number) =>
            caseOf(c.label, c.apply(freightCsv(freightRows(fresh('fi', n), n))), 'either', headers),
      ),
    },
  );
})();

const approveRecipes = optionalBodyRecipes(
  'POST /freight-invoices/{id}/approve',
  // Approved in the set-up: approving again changes nothing.
  {
    path: () => `/freight-invoices/${more.approvedInvoiceId}/approve`,
    bodies: [undefined, {}, { overrideReason: 'fuzz' }, { lines: [1], overrideReason: 'fuzz' }],
  },
  {
    bodies: [
      ...notAnObject,
      ['lines', []],
      ['lines', [0]],
      ['lines', [1.5]],
      ['lines', 'all'],
      ['overrideReason', ''],
      ['overrideReason', 'r'.repeat(501)],
      ['extra', 1],
    ],
    paths: [
      () => `/freight-invoices/${UNKNOWN_INVOICE}/approve`,
      () => '/freight-invoices/not-an-invoice/approve',
      () => `/freight-invoices/${more.approvedInvoiceId.toUpperCase()}/approve`,
    ],
  },
);

// ----- Customer service: order changes, returns, appeasements, audit -----------------------------------

/**
 * Agent actions change orders for good (a cancelled order stays cancelled), so their valid requests are the
 * set-up's own actions sent again under the same Idempotency-Key: each must be answered `200` as a duplicate,
 * and anything else under that key (a broken body, another order) must be refused without a change.
 */
const cs = {
  supervisorToken: '',
  agentId: '',
  cancelledOrderId: '',
  changedOrderId: '',
  returnOrderId: '',
  /** Requested, authorized, received and resolved: closed. */
  closedRmaId: '',
  refusedRmaId: '',
};
const SUPERVISOR_USERNAME = 'fuzz-supervisor';
const csKey = (action: string) => `fz-cs-${RUN}-${action}`;
/** An agent's token and the Idempotency-Key of one set-up action. */
const agentWrite = (action: string) => () => ({
  authorization: `Bearer ${more.agentToken}`,
  'idempotency-key': csKey(action),
});
const UNKNOWN_RMA = `rma_${'0'.repeat(24)}_1`;

const CS_BODIES = {
  cancellation: { reason: 'fuzz: the customer asked' },
  shipping: {
    reason: 'fuzz: the customer moved',
    address: { line1: '1 Fuzz Plaza', city: 'New York', region: 'NY', postalCode: '10002', country: 'US' },
  },
  lines: { reason: 'fuzz: one mug fewer', remove: [{ sku: 'SKU-MUG', quantity: 1 }] },
  returnRequest: { reason: 'fuzz: too big', lines: [{ sku: 'SKU-MUG', quantity: 1 }], resolution: 'refund' },
  refusedRequest: {
    reason: 'fuzz: changed mind',
    lines: [{ sku: 'SKU-MUG', quantity: 1 }],
    resolution: 'refund',
  },
  authorization: { reason: 'fuzz: within the window' },
  refusal: { reason: 'fuzz: used' },
  receipt: {
    reason: 'fuzz: parcel in',
    lines: [{ sku: 'SKU-MUG', quantity: 1, condition: 'sellable', disposition: 'restock' }],
  },
  resolution: { reason: 'fuzz: refund it' },
  appeasement: { reason: 'fuzz: late parcel', kind: 'coupon', percentOff: 5 },
} as const;

/** Broken variants every agent write refuses: the reason, the body's shape, unknown fields. */
const actionInvalid: Edit[] = [
  ['reason', ''],
  ['reason', '   '],
  ['reason', 'r'.repeat(501)],
  ['reason', 42],
  ['reason', DELETE],
  ['extra', 1],
  ...rootInvalid,
];

const returnLinesInvalid: Edit[] = [
  ['lines', []],
  ['lines', DELETE],
  ['lines.0.quantity', 0],
  ['lines.0.quantity', -1],
  ['lines.0.quantity', 1.5],
  ['lines.0.sku', ''],
  // Not on the order, more than shipped: the policy refuses (422).
  ['lines.0.sku', 'SKU-NOT-ON-ORDER'],
  ['lines.0.quantity', 3],
];

bodyRoutes.push(
  {
    route: 'POST /agent/orders/{id}/cancellation',
    headers: agentWrite('cancellation'),
    auth: true,
    idempotent: true,
    valid: () => ({ params: { id: cs.cancelledOrderId }, body: CS_BODIES.cancellation }),
    invalid: [
      ...actionInvalid,
      ['lines', []],
      ['lines', [{ sku: 'SKU-MUG', quantity: 0 }]],
      ['lines', [{ sku: 'SKU-MUG' }]],
      ['lines', 'all'],
      // Another request under the set-up's key: 409.
      ['reason', 'fuzz: another reason'],
    ],
    invalidParams: [{ id: UNKNOWN_ORDER }, { id: 'ord_not-an-order' }],
  },
  {
    route: 'PUT /agent/orders/{id}/shipping',
    headers: agentWrite('shipping'),
    auth: true,
    idempotent: true,
    valid: () => ({ params: { id: cs.changedOrderId }, body: CS_BODIES.shipping }),
    invalid: [
      ...actionInvalid,
      ['address', DELETE],
      ['address.country', 'USA'],
      ['address.country', 'us'],
      ['address.postalCode', ''],
      ['address.line1', DELETE],
      ['address.unknown', 'x'],
      ['fulfillment', { type: 'teleport' }],
      ['fulfillment', { type: 'pickup' }],
      ['address.city', 'Brooklyn'],
    ],
    invalidParams: [{ id: UNKNOWN_ORDER }],
  },
  {
    route: 'POST /agent/orders/{id}/lines',
    headers: agentWrite('lines'),
    auth: true,
    idempotent: true,
    valid: () => ({ params: { id: cs.changedOrderId }, body: CS_BODIES.lines }),
    invalid: [
      ...actionInvalid,
      ['remove', []],
      ['remove.0.quantity', 0],
      ['remove.0.sku', 'bad sku!'],
      ['add', [{ sku: 'SKU-MUG', quantity: 1 }]],
      ['add', [{ sku: 'SKU-MUG', quantity: 1, unitPrice: -1 }]],
      ['add', [{ sku: 'SKU-MUG', quantity: 1, unitPrice: 1e-7 }]],
      ['remove.0.quantity', 2],
    ],
    invalidParams: [{ id: UNKNOWN_ORDER }],
  },
  {
    route: 'POST /agent/orders/{id}/returns',
    headers: agentWrite('returnRequest'),
    auth: true,
    idempotent: true,
    valid: () => ({ params: { id: cs.returnOrderId }, body: CS_BODIES.returnRequest }),
    invalid: [
      ...actionInvalid,
      ...returnLinesInvalid,
      ['resolution', 'cash'],
      ['resolution', DELETE],
      ['resolution', 'exchange'],
      ['exchange', [{ sku: 'SKU-MUG', quantity: 1 }]],
    ],
    invalidParams: [{ id: UNKNOWN_ORDER }],
  },
  ...(
    [
      ['authorization', () => cs.closedRmaId],
      ['refusal', () => cs.refusedRmaId],
      ['receipt', () => cs.closedRmaId],
      ['resolution', () => cs.closedRmaId],
    ] as const
  ).map(
    ([step, rma]): BodyRoute => ({
      route: `POST /agent/returns/{rmaId}/${step}`,
      headers: agentWrite(step),
      auth: true,
      idempotent: true,
      valid: () => ({ params: { rmaId: rma() }, body: CS_BODIES[step] }),
      invalid: [
        ...actionInvalid,
        ...(step === 'receipt'
          ? [
              ...returnLinesInvalid,
              ['lines.0.condition', 'mint'] as Edit,
              ['lines.0.condition', DELETE] as Edit,
              ['lines.0.disposition', 'burn'] as Edit,
              ['lines.0.locationId', 'not a location'] as Edit,
            ]
          : []),
      ],
      invalidParams: [{ rmaId: UNKNOWN_RMA }, { rmaId: 'rma_nonsense' }, { rmaId: 'RMA_0_1' }],
    }),
  ),
  {
    route: 'POST /agent/orders/{id}/appeasements',
    headers: agentWrite('appeasement'),
    auth: true,
    idempotent: true,
    valid: () => ({ params: { id: more.shippedOrderId }, body: CS_BODIES.appeasement }),
    invalid: [
      ...actionInvalid,
      ['kind', 'cash'],
      ['kind', DELETE],
      ['percentOff', 0],
      ['percentOff', 101],
      ['percentOff', 2.5],
      ['amount', 100],
      // Over an agent's limit: 403.
      ['percentOff', 90],
    ],
    invalidParams: [{ id: UNKNOWN_ORDER }],
  },
);

readRoutes.push(
  {
    route: 'GET /agent/orders/{id}/documents',
    auth: agentAuth,
    valid: () => ({ params: { id: more.shippedOrderId }, query: {} }),
    invalidQueries: [],
    existingOnly: true,
  },
  {
    route: 'GET /agent/orders/{id}/returns',
    auth: agentAuth,
    valid: (n) => ({ params: { id: n % 2 ? cs.returnOrderId : cs.changedOrderId }, query: {} }),
    invalidQueries: [],
    existingOnly: true,
  },
  {
    route: 'GET /agent/returns/{rmaId}',
    auth: agentAuth,
    valid: (n) => ({ params: { rmaId: n % 2 ? cs.closedRmaId : cs.refusedRmaId }, query: {} }),
    invalidQueries: [],
    existingOnly: true,
  },
  {
    route: 'GET /agent/orders/{id}/audit',
    auth: agentAuth,
    valid: (n) => ({
      params: { id: [cs.cancelledOrderId, cs.changedOrderId, UNKNOWN_ORDER][n % 3] as string },
      query: {},
    }),
    invalidQueries: [],
  },
  {
    route: 'GET /agent/audit',
    // Supervisors only: the fuzz agent's own token is refused (403), which the auth cases cover too.
    auth: () => ({ authorization: `Bearer ${cs.supervisorToken}` }),
    valid: (n) => ({
      params: {},
      query: [
        { agentId: cs.agentId },
        { agentId: cs.agentId, from: '2026-01-01T00:00:00Z' },
        { agentId: 'nobody', from: '2026-01-01T00:00:00Z', to: '2099-01-01T00:00:00+02:00' },
      ][n % 3] as Record<string, string>,
    }),
    invalidQueries: [
      {},
      { agentId: '' },
      { agentId: 'a'.repeat(129) },
      { agentId: 'x', from: 'yesterday' },
      { agentId: 'x', to: '2026-13-01T00:00:00Z' },
      { agentId: 'x', from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' },
    ],
  },
);

/** Sends one set-up action and expects it done (201, or 200 for the return steps). */
async function agentAction(method: string, path: string, action: keyof typeof CS_BODIES) {
  const reply = await oms.request(method, path, CS_BODIES[action], agentWrite(action)());
  expect(reply.status, `${method} ${path}: ${reply.text}`).toBeLessThan(300);
  expect(reply.body.duplicate, `${method} ${path}`).toBe(false);
  return reply.body;
}

async function setUpCustomerService() {
  oms.agents.addAgent(SUPERVISOR_USERNAME, AGENT_PASSWORD, ['supervisor']);
  const supervisor = await oms.request('POST', '/agent/session', {
    username: SUPERVISOR_USERNAME,
    password: AGENT_PASSWORD,
  });
  expect(supervisor.status, supervisor.text).toBe(201);
  cs.supervisorToken = supervisor.body.token;
  cs.agentId = (await oms.request('GET', '/agent/session', undefined, agentAuth())).body.agent.id;

  cs.cancelledOrderId = await orderInPicking('cancelled');
  await agentAction('POST', `/agent/orders/${cs.cancelledOrderId}/cancellation`, 'cancellation');
  cs.changedOrderId = await orderInPicking('changed');
  await agentAction('PUT', `/agent/orders/${cs.changedOrderId}/shipping`, 'shipping');
  await agentAction('POST', `/agent/orders/${cs.changedOrderId}/lines`, 'lines');

  cs.returnOrderId = await shipAnOrder('returned');
  const created = await agentAction('POST', `/agent/orders/${cs.returnOrderId}/returns`, 'returnRequest');
  cs.closedRmaId = created.return.id;
  for (const step of ['authorization', 'receipt', 'resolution'] as const) {
    await agentAction('POST', `/agent/returns/${cs.closedRmaId}/${step}`, step);
  }
  const refused = await oms.request(
    'POST',
    `/agent/orders/${cs.returnOrderId}/returns`,
    CS_BODIES.refusedRequest,
    agentWrite('refused-request')(),
  );
  expect(refused.status, refused.text).toBe(201);
  cs.refusedRmaId = refused.body.return.id;
  await agentAction('POST', `/agent/returns/${cs.refusedRmaId}/refusal`, 'refusal');
  await agentAction('POST', `/agent/orders/${more.shippedOrderId}/appeasements`, 'appeasement');
}

/** Routes that read or write a whole period: generated a quarter as often as the others. */
const RARE_ROUTES = new Set([
  'POST /ledger/exports',
  'GET /ledger/trial-balance',
  'GET /ledger/reconciliation',
  'POST /payouts/ach-files',
]);

/** One valid request to each rare route, so each answers some 2xx however few requests it is drawn for. */
function rareCases(): Case[] {
  const cases: Case[] = [];
  const headers = { 'content-type': 'application/json' };
  for (const spec of readRoutes.filter((route) => RARE_ROUTES.has(route.route))) {
    const [method, template] = spec.route.split(' ') as [string, string];
    const { params, query } = spec.valid(0);
    const search = new URLSearchParams(query).toString();
    cases.push({
      route: spec.route,
      label: 'valid (rare route)',
      method,
      path: `${fillPath(template, params)}${search ? `?${search}` : ''}`,
      headers,
      body: undefined,
      expect: 'accept',
    });
  }
  for (const spec of bodyRoutes.filter((route) => RARE_ROUTES.has(route.route))) {
    const [method, template] = spec.route.split(' ') as [string, string];
    const { params, body } = spec.valid(0, 'rare');
    cases.push({
      route: spec.route,
      label: 'valid (rare route)',
      method,
      path: fillPath(template, params),
      headers,
      body: serialize(body),
      expect: 'accept',
    });
  }
  return cases;
}

/**
 * An order of two mugs (at the price that keeps the fixture's shipping, tax and total adding up) by its own
 * customer, once it waits in picking.
 */
async function orderInPicking(name: string): Promise<string> {
  const order = { ...directOrder(), customer: { email: `fuzz.${name}.${RUN}@example.com` } };
  order.lines = [{ sku: 'SKU-MUG', name: 'Ceramic Mug', quantity: 2, unitPrice: 2875, discount: 0 }];
  order.discount = 0;
  const placed = await oms.request('POST', '/orders', order, { 'idempotency-key': `fz-${name}-${RUN}` });
  expect(placed.status, placed.text).toBe(201);
  const orderId = placed.body.orderId as string;
  await eventually(async () => {
    const view = (await oms.request('GET', `/orders/${orderId}`)).body;
    return view?.status === 'picking' ? view : undefined;
  });
  return orderId;
}

/** An order placed, picked and shipped: captured, so it has a journal, paperwork and refunds. */
async function shipAnOrder(name = 'shipped'): Promise<string> {
  const orderId = await orderInPicking(name);
  const picking = (await oms.request('GET', `/orders/${orderId}`)).body;
  for (const ticket of picking.pickTickets) {
    const confirmed = await oms.request('POST', `/pick-tickets/${ticket.id}/confirm`, {
      lines: ticket.lines.map(({ sku, quantity }: { sku: string; quantity: number }) => ({ sku, quantity })),
    });
    expect(confirmed.status, confirmed.text).toBe(200);
  }
  await eventually(async () => {
    const view = (await oms.request('GET', `/orders/${orderId}`)).body;
    return view?.status === 'shipped' && view.journal?.length > 0 ? view : undefined;
  }, 30_000);
  return orderId;
}

async function setUpNewRoutes() {
  oms.agents.addAgent(AGENT_USERNAME, AGENT_PASSWORD, ['agent']);
  const session = await oms.request('POST', '/agent/session', {
    username: AGENT_USERNAME,
    password: AGENT_PASSWORD,
  });
  expect(session.status, session.text).toBe(201);
  more.agentToken = session.body.token;

  const coupon = await oms.request('POST', '/coupons', {
    code: KNOWN_COUPON,
    type: 'percentage',
    basisPoints: 1000,
    startsAt: '2026-01-01T00:00:00Z',
  });
  expect(coupon.status, coupon.text).toBe(201);

  more.shippedOrderId = await shipAnOrder();
  for (let pool = 0; pool < NAME_POOL; pool += 1) {
    const refund = await oms.request(
      'POST',
      `/orders/${more.shippedOrderId}/refunds`,
      refundBody(`p${pool}`),
    );
    expect(refund.status, refund.text).toBe(201);
  }
  for (const type of ['bill-of-lading', 'packing-slip', 'commercial-invoice']) {
    const issued = await oms.request('POST', `/orders/${more.shippedOrderId}/documents`, { type });
    if (issued.status === 201 || issued.status === 200) {
      more.documentType = type;
      more.documentId = issued.body.id;
      break;
    }
  }
  expect(more.documentId, 'a document issued for the shipped order').not.toBe('');

  const imported = await oms.request(
    'POST',
    '/freight-invoices',
    freightCsv([
      ...freightRows(fresh('fi', 'approved'), 1, 2),
      ...freightRows(fresh('fi', 'disputed'), 2, 2),
    ]),
    { 'content-type': 'text/csv' },
  );
  expect(imported.status, imported.text).toBe(201);
  [more.approvedInvoiceId, more.disputedInvoiceId] = imported.body.invoices.map(
    (invoice: { id: string }) => invoice.id,
  );
  const approved = await oms.request('POST', `/freight-invoices/${more.approvedInvoiceId}/approve`, {
    overrideReason: 'fuzz set-up',
  });
  expect(approved.status, approved.text).toBe(200);
  const disputed = await oms.request('POST', `/freight-invoices/${more.disputedInvoiceId}/dispute`, {
    reason: 'fuzz set-up',
  });
  expect(disputed.status, disputed.text).toBe(200);

  const payout = await oms.request('POST', '/payouts', validPayout(1, 'ach'));
  expect(payout.status, payout.text).toBe(201);
  more.achDate = nextBankingDay(TODAY);
  const file = await oms.request('POST', '/payouts/ach-files', {
    id: more.achFileId,
    effectiveDate: more.achDate,
  });
  expect(file.status, file.text).toBe(201);
}

// ----- The test ----------------------------------------------------------------------------------------

const guardedState = async () => {
  const stock = await oms.request('GET', `/inventory/${GUARDED_SKU}`);
  const movements = await oms.request('GET', `/inventory/${GUARDED_SKU}/movements`);
  return { stock: stock.body, movements: movements.body.movements.length as number };
};

beforeAll(async () => {
  // Long enough that no order's pick wait times out during the run and changes stock under it.
  oms = await startTestRuntime({ pickTimeoutSeconds: 900 });
  expect(
    (
      await oms.request('PUT', `/inventory/wh-east/${GUARDED_SKU}`, {
        onHand: GUARDED_ON_HAND,
        safetyStock: 1,
      })
    ).status,
  ).toBe(200);
  // An order in picking, whose open ticket gets broken confirmations.
  const ticketOrder = { ...directOrder(), customer: { email: `fuzz.ticket.${RUN}@example.com` } };
  // One mug at the price that keeps the fixture's shipping, tax and total adding up.
  ticketOrder.lines = [{ sku: 'SKU-MUG', name: 'Ceramic Mug', quantity: 1, unitPrice: 5750, discount: 0 }];
  ticketOrder.discount = 0;
  const placed = await oms.request('POST', '/orders', ticketOrder, { 'idempotency-key': `fz-ticket-${RUN}` });
  expect(placed.status, placed.text).toBe(201);
  ctx.ticketOrderId = placed.body.orderId;
  ctx.knownOrderId = placed.body.orderId;
  const picking = await eventually(async () => {
    const order = (await oms.request('GET', `/orders/${ctx.ticketOrderId}`)).body;
    return order?.status === 'picking' ? order : undefined;
  });
  ctx.ticketId = picking.pickTickets[0].id;
  await setUpPurchasing();
  await setUpNewRoutes();
  await setUpCustomerService();
  // A disruption that exists, for GET /disruptions/{id}: in 2030, over no order.
  const known = await oms.request('POST', '/disruptions', {
    id: fresh('dis', 'known'),
    kind: 'weather',
    severity: 'low',
    startsAt: '2030-01-01T00:00:00Z',
    endsAt: '2030-01-02T00:00:00Z',
    area: { postalPrefixes: ['00000'] },
  });
  expect(known.status, known.text).toBe(201);
  // A webhook subscription that exists, for the routes that take one.
  const subscription = await oms.request('POST', '/webhook-subscriptions', validSubscription(0));
  expect(subscription.status, subscription.text).toBe(201);
  ctx.webhookSubscriptionId = subscription.body.id;
}, 120_000);

afterAll(async () => {
  await oms?.stop();
});

describe('Given every public route and a stream of valid, broken and random requests', () => {
  const routeKeys = functions.flatMap((spec) =>
    spec.trigger.kind === 'http' ? [`${spec.trigger.method} ${spec.trigger.path}`] : [],
  );
  const generators = new Map<string, fc.Arbitrary<Recipe>>([
    ...orderRoutes.map((spec) => [spec.route, orderRecipes(spec)] as const),
    ...bodyRoutes.map((spec) => [spec.route, bodyRecipes(spec)] as const),
    ...readRoutes.map((spec) => [spec.route, readRecipes(spec)] as const),
    ['POST /pick-tickets/{id}/confirm', confirmRecipes],
    ...purchasingRecipes,
    ['POST /freight-invoices', freightRecipes],
    ['POST /freight-invoices/{id}/approve', approveRecipes],
  ]);

  it('has a generator for each route of the config, and none for a route it does not have', () => {
    expect([...generators.keys()].sort()).toEqual([...routeKeys].sort());
  });

  it(`answers ${RUNS} requests with 2xx or 4xx as they deserve, never 5xx, and stores nothing it refused (seed ${SEED})`, {
    timeout: Math.max(120_000, RUNS * 20),
  }, async () => {
    const started = performance.now();
    const before = await guardedState();
    const fixed = [...fixedCases(), ...rareCases()];
    const weighted = [...generators].map(([route, arbitrary]) => ({
      weight: RARE_ROUTES.has(route) ? 1 : 4,
      arbitrary,
    }));
    const recipes = fc.sample(fc.oneof(...weighted), {
      numRuns: Math.max(RUNS - fixed.length, 0),
      seed: SEED,
    });
    const cases = [...fixed, ...recipes.map((recipe, n) => recipe(n))];

    const failures: string[] = [];
    const accepted = new Set<string>();
    const rejected: Case[] = [];
    const statuses = new Map<string, Map<number, number>>();
    await runAll(cases, async (outcome) => {
      const { case: c, status } = outcome;
      const byStatus = statuses.get(c.route) ?? new Map<number, number>();
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
      statuses.set(c.route, byStatus);
      const wrong = verdict(outcome);
      if (wrong) failures.push(`${describeCase(c)} → ${wrong}: ${outcome.text.slice(0, 300)}`);
      // The trend chart answers SVG and a pick ticket's print PDF; every other success is JSON.
      if (status < 300 && !outcome.text.startsWith('<svg') && !outcome.text.startsWith('%PDF')) {
        const orderId = (JSON.parse(outcome.text || 'null') as { orderId?: unknown } | null)?.orderId;
        if (typeof orderId === 'string') accepted.add(orderId);
      } else if (status >= 400 && status < 500 && c.untouched) {
        rejected.push(c);
      }
    });

    const partitions = await storedPartitions();
    // A stock partition is `SKU#<sku>` or `SKU#<sku>#<bucket>`; a SKU never contains '#'.
    const skus = new Set(
      [...partitions].flatMap((pk) => (pk.startsWith('SKU#') ? [pk.split('#')[1] as string] : [])),
    );
    for (const c of rejected) {
      const leak = c.untouched && written(c.untouched, partitions, skus);
      if (leak) failures.push(`${describeCase(c)} → refused, but ${leak}`);
    }

    // Orders stored for the fuzz customer are exactly orders some request was told were accepted.
    const listed: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await oms.request(
        'GET',
        `/orders?email=${encodeURIComponent(FUZZ_EMAIL)}&limit=100${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      listed.push(...page.body.items.map((item: { id: string }) => item.id));
      cursor = page.body.nextCursor ?? undefined;
    } while (cursor);
    for (const id of listed)
      if (!accepted.has(id)) failures.push(`order ${id} of the fuzz customer was never accepted`);

    expect(await guardedState(), 'stock that only received broken requests').toEqual(before);
    const ticketOrder = (await oms.request('GET', `/orders/${ctx.ticketOrderId}`)).body;
    expect(ticketOrder.status, 'the order whose ticket received only broken confirmations').toBe('picking');
    expect(ticketOrder.pickTickets[0].status).toBe('open');

    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    expect(
      failures.slice(0, 25),
      `seed ${SEED}, ${cases.length} requests in ${seconds}s; ${failures.length} failures`,
    ).toEqual([]);
    // Each route got valid requests answered 2xx and broken ones answered 4xx.
    for (const route of routeKeys) {
      const codes = [...(statuses.get(route)?.keys() ?? [])];
      expect(
        codes.some((code) => code >= 400 && code < 500),
        `${route} answered some 4xx`,
      ).toBe(true);
      if (route !== 'POST /pick-tickets/{id}/confirm') {
        expect(
          codes.some((code) => code < 300),
          `${route} answered some 2xx`,
        ).toBe(true);
      }
    }
  });
});
