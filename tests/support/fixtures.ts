import { randomInt } from 'node:crypto';
import shopifyJson from './fixtures/shopify-order-create.json' with { type: 'json' };
import standardJson from './fixtures/standard-order-created.json' with { type: 'json' };
import wooJson from './fixtures/woocommerce-order-created.json' with { type: 'json' };

/**
 * Builders over the channel fixtures. Each call returns a fresh deep copy with ids no other call (in this
 * or another test worker) will return, so tests sharing a table or a runtime do not deduplicate each
 * other's orders. Overrides are shallow: replace a whole top-level field, or mutate the returned copy.
 *
 * Every fixture is the same order: 2 × SKU-TSHIRT-M at 25.00 with 5.00 off, 1 × SKU-MUG at 12.50,
 * shipping 5.99, tax 5.10, total 68.59 USD, shipped to New York 10001.
 */
export type ShopifyOrderFixture = typeof shopifyJson;
export type WooOrderFixture = typeof wooJson;
export type StandardOrderFixture = typeof standardJson;
export type DirectOrderFixture = Omit<StandardOrderFixture['data'], 'externalId'> & { externalId?: string };

/** What every fixture maps to, in minor units, for assertions that do not depend on the channel. */
export const FIXTURE_TOTALS = {
  subtotal: 6250,
  discount: 500,
  shipping: 599,
  tax: 510,
  total: 6859,
} as const;

/** Signing secrets for tests and the local runtime's sample requests; never used outside them. */
export const TEST_SECRETS = {
  shopify: 'shpss_test_5f0c1e2d3b4a59687766554433221100',
  woocommerce: 'wc_test_secret_9a8b7c6d5e4f',
  standard: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
} as const;

// A random per-process base keeps ids unique across vitest workers; the counter keeps them unique within one.
const base = randomInt(1, 2 ** 40) * 1000;
let counter = 0;

/** A positive safe integer no other call returns. */
export function uniqueNumber(): number {
  counter += 1;
  return base + counter;
}

export function shopifyOrder(overrides: Partial<ShopifyOrderFixture> = {}): ShopifyOrderFixture {
  const order = structuredClone(shopifyJson);
  const id = uniqueNumber();
  order.id = id;
  order.admin_graphql_api_id = `gid://shopify/Order/${id}`;
  order.order_number = id;
  order.name = `#${id}`;
  return { ...order, ...overrides };
}

export function wooOrder(overrides: Partial<WooOrderFixture> = {}): WooOrderFixture {
  const order = structuredClone(wooJson);
  const id = uniqueNumber();
  order.id = id;
  order.number = String(id);
  return { ...order, ...overrides };
}

export function standardOrder(overrides: Partial<StandardOrderFixture> = {}): StandardOrderFixture {
  const order = structuredClone(standardJson);
  const id = uniqueNumber();
  order.data.externalId = `sf-${id}`;
  order.data.orderNumber = `SF-${id}`;
  return { ...order, ...overrides };
}

/** A `POST /orders` body; leave out `externalId` (delete it) to exercise the Idempotency-Key fallback. */
export function directOrder(overrides: Partial<DirectOrderFixture> = {}): DirectOrderFixture {
  const { data } = standardOrder();
  return { ...data, externalId: `direct-${data.externalId}`, ...overrides };
}
