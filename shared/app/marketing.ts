import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { liveLines } from '../domain/carts.js';
import { ValidationError } from '../domain/errors.js';
import type { Deps } from '../runtime/deps.js';
import { cartIndexPage, cartsAt } from '../store/carts.js';
import { decodeCursor, encodeCursor } from '../store/db.js';
import { gsi2, keys } from '../store/keys.js';

/**
 * What marketing reads back (docs/carts-and-marketing.md): the counters `record-marketing-event` keeps, and
 * the day's abandoned carts from the carts' own index. A key never counted reads as zeros.
 */

async function counters(deps: Deps, key: { pk: string; sk: string }): Promise<Record<string, number>> {
  const result = await deps.db.send(new GetCommand({ TableName: deps.tableName, Key: key }));
  const item = result.Item ?? {};
  return Object.fromEntries(Object.entries(item).filter(([, value]) => typeof value === 'number')) as Record<
    string,
    number
  >;
}

/** Share of `part` in `whole`, in percent with one decimal; null when there is no whole. */
const percent = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1000) / 10 : null);

/**
 * A SKU's funnel: carts that ended holding it (abandoned, or converted into an order: every order counts as a
 * cart that converted) and how many were abandoned. Views are not tracked: storefronts send no view signal.
 */
export async function productInterest(deps: Deps, sku: string) {
  const { ordered = 0, abandoned = 0 } = await counters(deps, keys.productInterest(sku));
  return {
    sku,
    carted: ordered + abandoned,
    abandoned,
    ordered,
    abandonmentRate: percent(abandoned, ordered + abandoned),
  };
}

/** A customer's funnel, by the hash of their email: carts abandoned, orders placed, recoveries asked for. */
export async function customerInterest(deps: Deps, emailHash: string) {
  const {
    orders = 0,
    abandonedCarts = 0,
    recoveries = 0,
  } = await counters(deps, keys.customerInterest(emailHash));
  return {
    emailHash,
    carts: orders + abandonedCarts,
    abandonedCarts,
    orders,
    recoveries,
    abandonmentRate: percent(abandonedCarts, orders + abandonedCarts),
  };
}

/**
 * The carts abandoned on a UTC day and still abandoned, oldest first: gsi2 `CARTS#ABANDONED#<day>` keys, then
 * the carts. `limit` counts index entries, so a page may hold fewer carts (one a later event brought back);
 * follow `nextCursor`. Customers appear by email hash only.
 */
export async function abandonedCartsOn(deps: Deps, input: { date: string; limit: number; cursor?: string }) {
  const partition = gsi2.abandonedCarts(input.date);
  const startKey = decodeCursor(input.cursor);
  if (input.cursor !== undefined && !isCursorOf(startKey, partition)) {
    throw new ValidationError('cursor was not returned by this listing', [
      { field: 'cursor', message: 'invalid' },
    ]);
  }
  const page = await cartIndexPage(deps, partition, { limit: input.limit, startKey });
  const carts = await cartsAt(deps, partition, page.keys);
  return {
    date: input.date,
    items: carts
      .filter((cart) => cart.status === 'abandoned')
      .map((cart) => ({
        cartId: cart.id,
        abandonedAt: cart.abandonedAt,
        lastActivityAt: cart.lastActivityAt,
        cause: cart.cause ?? 'unknown',
        causeSignals: cart.causeSignals ?? {},
        ...(cart.currency ? { currency: cart.currency } : {}),
        subtotal: cart.subtotal,
        lines: liveLines(cart).map(({ sku, quantity, unitPrice }) => ({ sku, quantity, unitPrice })),
        ...(cart.customer ? { emailHash: cart.customer.emailHash } : {}),
        ...(cart.recovery ? { recovery: cart.recovery } : {}),
      })),
    nextCursor: encodeCursor(page.nextKey) ?? null,
  };
}

/** A cursor is the LastEvaluatedKey of this day's partition: four strings, nothing else. */
function isCursorOf(key: Record<string, unknown> | undefined, partition: string): boolean {
  if (!key) return false;
  const names = Object.keys(key).sort();
  return (
    names.join(',') === 'gsi2pk,gsi2sk,pk,sk' &&
    names.every((name) => typeof key[name] === 'string' && (key[name] as string).length <= 300) &&
    key.gsi2pk === partition &&
    String(key.pk).startsWith('CART#')
  );
}
