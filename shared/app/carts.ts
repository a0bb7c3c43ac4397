import { cartSettings } from '../config/carts.js';
import {
  type AbandonCause,
  abandonmentCause,
  applyCartEvent,
  type Cart,
  type CartEvent,
  type CartEventOutcome,
  isOpen,
  liveLines,
} from '../domain/carts.js';
import { ConflictError } from '../domain/errors.js';
import { CartAbandoned } from '../events/catalogue.js';
import type { Deps } from '../runtime/deps.js';
import { cartIndexPage, cartsAt, getCart, saveCart } from '../store/carts.js';
import { listLocations, stockForSku } from '../store/inventory.js';
import { gsi2 } from '../store/keys.js';

/** Read-and-write attempts for one cart event before the storefront is asked to retry. */
const ATTEMPTS = 5;

export interface CartEventResult {
  cartId: string;
  status: Cart['status'];
  outcome: CartEventOutcome;
  lastActivityAt: string;
}

/**
 * `POST /carts/{id}/events`: applies one storefront event to its cart. One consistent read and one
 * conditional write on the version read; a concurrent write to the same cart makes it read and apply again.
 * A duplicate or an event that changes nothing writes nothing. Nothing is published: cart activity stays on
 * the cart (docs/decisions/0007-cart-activity-on-the-cart.md).
 */
export async function recordCartEvent(
  deps: Deps,
  cartId: string,
  event: CartEvent,
): Promise<CartEventResult> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
    const before = await getCart(deps, cartId, { consistent: true });
    const { cart, outcome } = applyCartEvent(before, event, { cartId, now: deps.clock.now() });
    const result = { cartId, status: cart.status, outcome, lastActivityAt: cart.lastActivityAt };
    if (outcome !== 'applied') return result;
    if (await saveCart(deps, before, cart)) return result;
  }
  throw new ConflictError(`cart ${cartId} kept changing while this event was applied; send it again`);
}

export interface DetectionResult {
  /** Carts quiet since before this time were examined. */
  quietSince: string;
  examined: number;
  abandoned: number;
  /** Empty carts that went quiet: taken out of the index, no event (there is nothing to win back). */
  dropped: number;
  byCause: Partial<Record<AbandonCause, number>>;
}

/** The quiet period for a run: the run's own, else the environment's, else the default (10 hours). */
export function quietPeriodMinutes(requested?: number): number {
  if (requested !== undefined && Number.isFinite(requested) && requested > 0) return requested;
  const fromEnv = Number(process.env[cartSettings.quietPeriodEnv]);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : cartSettings.quietPeriodMinutes;
}

/**
 * The abandonment detector (every 15 minutes): open carts whose last activity is older than the quiet period,
 * read from the open-cart index (never a scan), each marked abandoned with its cause in one conditional write
 * that carries `CartAbandoned`. The condition is the version the detector read, so an event that lands in
 * between wins and the cart stays open.
 */
export async function detectAbandonedCarts(
  deps: Deps,
  input: { quietPeriodMinutes?: number; limit?: number } = {},
): Promise<DetectionResult> {
  const now = deps.clock.now();
  const quietSince = new Date(
    now.getTime() - quietPeriodMinutes(input.quietPeriodMinutes) * 60_000,
  ).toISOString();
  const limit = input.limit ?? cartSettings.maxAbandonedPerRun;
  const result: DetectionResult = { quietSince, examined: 0, abandoned: 0, dropped: 0, byCause: {} };
  const available = networkAvailability(deps);

  for (let shard = 0; shard < cartSettings.activeShards && result.abandoned < limit; shard += 1) {
    const partition = gsi2.activeCarts(shard);
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await cartIndexPage(deps, partition, { before: quietSince, limit: 100, startKey });
      startKey = page.nextKey;
      for (const cart of await cartsAt(deps, partition, page.keys)) {
        if (result.abandoned >= limit) break;
        if (!isOpen(cart.status) || cart.lastActivityAt >= quietSince) continue;
        result.examined += 1;
        const outcome = await abandon(deps, cart, now, available);
        if (outcome === 'dropped') result.dropped += 1;
        else if (outcome) {
          result.abandoned += 1;
          result.byCause[outcome] = (result.byCause[outcome] ?? 0) + 1;
        }
      }
    } while (startKey && result.abandoned < limit);
  }
  return result;
}

async function abandon(
  deps: Deps,
  cart: Cart,
  now: Date,
  available: (skus: readonly string[]) => Promise<Map<string, number>>,
): Promise<AbandonCause | 'dropped' | undefined> {
  const lines = liveLines(cart);
  if (lines.length === 0) {
    return (await saveCart(deps, cart, { ...cart, updatedAt: now.toISOString() }, { index: false }))
      ? 'dropped'
      : undefined;
  }
  const { cause, signals } = abandonmentCause(cart, await available(lines.map((line) => line.sku)));
  const abandonedAt = now.toISOString();
  const next: Cart = {
    ...cart,
    status: 'abandoned',
    abandonedAt,
    cause,
    causeSignals: signals,
    updatedAt: abandonedAt,
  };
  const event = CartAbandoned.create(
    {
      cartId: cart.id,
      cause,
      signals,
      abandonedAt,
      lastActivityAt: cart.lastActivityAt,
      ...(cart.currency ? { currency: cart.currency } : {}),
      subtotal: cart.subtotal,
      lines: lines.map(({ sku, quantity, unitPrice }) => ({ sku, quantity, unitPrice })),
      ...(cart.customer ? { emailHash: cart.customer.emailHash } : {}),
    },
    // One quiet spell, one abandonment: the key holds whichever run wins.
    {
      correlationId: cart.id,
      idempotencyKey: `${cart.id}:abandoned:${cart.lastActivityAt}`,
      occurredAt: now,
    },
  );
  return (await saveCart(deps, cart, next, { events: [event] })) ? cause : undefined;
}

/**
 * Available-to-promise over the network (the locations that ship to home) per SKU, read once per SKU and run.
 * A SKU with no stock row anywhere is left out: the OMS does not stock it, so it cannot judge it.
 */
function networkAvailability(deps: Deps) {
  let shipping: Promise<Set<string>> | undefined;
  const known = new Map<string, Promise<number | undefined>>();
  const atp = async (sku: string) => {
    shipping ??= listLocations(deps).then(
      (locations) =>
        new Set(locations.filter((location) => location.shipsToHome).map((location) => location.id)),
    );
    const [eligible, rows] = await Promise.all([shipping, stockForSku(deps, sku)]);
    if (rows.length === 0) return undefined;
    return rows.filter((row) => eligible.has(row.locationId)).reduce((sum, row) => sum + row.available, 0);
  };
  return async (skus: readonly string[]): Promise<Map<string, number>> => {
    const map = new Map<string, number>();
    for (const sku of new Set(skus)) {
      if (!known.has(sku)) known.set(sku, atp(sku));
      const value = await known.get(sku);
      if (value !== undefined) map.set(sku, value);
    }
    return map;
  };
}
