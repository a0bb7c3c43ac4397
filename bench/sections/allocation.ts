import { type SourcingProfile, sourcingProfileFor } from '../../shared/config/sourcing-profiles.js';
import { consolidateLines, type LocationCandidate, planAllocation } from '../../shared/domain/allocation.js';
import { CHANNELS } from '../../shared/domain/order.js';
import {
  decideSourcing,
  optimalSourcing,
  type SourcingDecision,
  type SourcingLocation,
  type SourcingOptions,
  type SourcingRequest,
} from '../../shared/domain/sourcing.js';
import { type BenchSection, figure, isQuick, seededRandom, timeAlternating } from '../section.js';

/**
 * Sourcing engine: how close its plans come to the exhaustive optimum, and what its search costs per order
 * against a naive allocator over the same inputs in the same run.
 */

type Random = () => number;

const between = (random: Random, low: number, high: number): number =>
  low + Math.floor(random() * (high - low + 1));

/** US-like coordinates that follow the postal code's first digit (0 in the north-east, 9 in the west). */
function placeFor(random: Random, digit: number): { lat: number; lon: number } {
  return { lat: 30 + random() * 15, lon: -72 - digit * 5.5 + random() * 3 };
}

// ------------------------------------------------------------------------------------------ workload

const CATALOGUE_SIZE = 200;

function catalogueWeights(random: Random): Record<string, number> {
  return Object.fromEntries(
    Array.from({ length: CATALOGUE_SIZE }, (_, index) => [`SKU-${index}`, between(random, 1, 30) * 100]),
  );
}

/** A network shaped like a retailer's: a few deep warehouses, many shallow stores, some without capacity. */
function network(random: Random, count: number): SourcingLocation[] {
  return Array.from({ length: count }, (_, index) => {
    const warehouse = index % 10 < 3;
    const digit = between(random, 0, 9);
    const available: Record<string, number> = {};
    for (let sku = 0; sku < CATALOGUE_SIZE; sku++) {
      if (random() < (warehouse ? 0.3 : 0.12))
        available[`SKU-${sku}`] = between(random, 1, warehouse ? 30 : 6);
    }
    return {
      id: `${warehouse ? 'wh' : 'st'}-${String(index).padStart(2, '0')}`,
      kind: warehouse ? 'warehouse' : 'store',
      shipsToHome: warehouse || random() < 0.7,
      pickup: !warehouse,
      postalCode: `${digit}${String(between(random, 0, 9999)).padStart(4, '0')}`,
      country: 'US',
      coordinates: placeFor(random, digit),
      remainingCapacity: random() < 0.08 ? 0 : between(random, 5, 500),
      available,
    };
  });
}

interface Order {
  request: SourcingRequest;
  profile: SourcingProfile;
}

/** Mostly one or two lines of popular SKUs, one unit each; a long tail of bigger baskets. */
function orders(random: Random, count: number, weights: Record<string, number>): Order[] {
  return Array.from({ length: count }, () => {
    const roll = random();
    const lineCount = roll < 0.45 ? 1 : roll < 0.7 ? 2 : roll < 0.85 ? 3 : roll < 0.95 ? 4 : 5;
    const skus = new Set<string>();
    while (skus.size < lineCount) skus.add(`SKU-${Math.floor(CATALOGUE_SIZE * random() ** 2)}`);
    const digit = between(random, 0, 9);
    const channel = CHANNELS[between(random, 0, CHANNELS.length - 1)] ?? 'direct';
    return {
      request: {
        lines: [...skus].map((sku) => {
          const size = random();
          return { sku, quantity: size < 0.7 ? 1 : size < 0.9 ? 2 : between(random, 3, 8) };
        }),
        fulfillment: {
          type: 'ship',
          postalCode: `${digit}${String(between(random, 0, 9999)).padStart(4, '0')}`,
          country: 'US',
          coordinates: placeFor(random, digit),
        },
        weightGramsPerUnit: weights,
      },
      profile: sourcingProfileFor(channel),
    };
  });
}

// ------------------------------------------------------------------------------------------ baseline

/**
 * The baseline: what a first version would do. The first eligible location that has every line, else take
 * what each eligible location has, in list order, until the order is covered. No costs, no search.
 */
function firstFit(
  request: SourcingRequest,
  locations: readonly SourcingLocation[],
  profile: SourcingProfile,
): { locationId: string; units: number }[] | undefined {
  const lines = consolidateLines(request.lines);
  const eligible = locations.filter(
    (location) =>
      location.shipsToHome &&
      (location.kind !== 'store' || profile.shipFromStores) &&
      location.remainingCapacity > 0,
  );
  for (const location of eligible) {
    if (lines.every((line) => (location.available[line.sku] ?? 0) >= line.quantity)) {
      return [{ locationId: location.id, units: lines.reduce((sum, line) => sum + line.quantity, 0) }];
    }
  }
  if (!profile.allowSplit) return undefined;
  const residual = lines.map((line) => line.quantity);
  const shipments: { locationId: string; units: number }[] = [];
  for (const location of eligible) {
    if (shipments.length >= profile.maxShipments) break;
    let units = 0;
    lines.forEach((line, index) => {
      const take = Math.min(residual[index] ?? 0, location.available[line.sku] ?? 0);
      residual[index] = (residual[index] ?? 0) - take;
      units += take;
    });
    if (units > 0) shipments.push({ locationId: location.id, units });
    if (residual.every((left) => left === 0)) return shipments;
  }
  return undefined;
}

// ------------------------------------------------------------------------------------------- quality

interface QualityConfig {
  label: string;
  instances: number;
  locations: [number, number];
  options?: SourcingOptions;
}

function smallInstance(
  random: Random,
  locationRange: [number, number],
): Order & { locations: SourcingLocation[] } {
  const skus = ['A', 'B', 'C', 'D'].slice(0, between(random, 1, 4));
  const count = between(random, locationRange[0], locationRange[1]);
  const locations: SourcingLocation[] = Array.from({ length: count }, (_, index) => ({
    id: `L${index}`,
    kind: random() < 0.3 ? 'store' : 'warehouse',
    shipsToHome: random() < 0.9,
    pickup: true,
    postalCode: `${between(random, 0, 9)}0000`,
    country: 'US',
    remainingCapacity: random() < 0.1 ? 0 : 3,
    available: Object.fromEntries(skus.map((sku) => [sku, random() < 0.5 ? 0 : between(random, 1, 4)])),
  }));
  return {
    locations,
    profile: sourcingProfileFor(random() < 0.5 ? 'shopify' : 'default'),
    request: {
      lines: skus.map((sku) => ({ sku, quantity: between(random, 1, 4) })),
      fulfillment: { type: 'ship', postalCode: `${between(random, 0, 9)}1234`, country: 'US' },
      weightGramsPerUnit: Object.fromEntries(skus.map((sku) => [sku, between(random, 1, 30) * 100])),
    },
  };
}

function quality(config: QualityConfig, seed: number): (string | number)[] {
  const random = seededRandom(seed);
  let split = 0;
  let engineCost = 0;
  let optimumCost = 0;
  let within = 0;
  let worstGap = 0;
  let gapSum = 0;
  let moreShipments = 0;
  let missed = 0;
  for (let n = 0; n < config.instances; n++) {
    const { request, locations, profile } = smallInstance(random, config.locations);
    const optimum = optimalSourcing(request, locations, profile);
    const engine = decideSourcing(request, locations, profile, config.options);
    if (optimum.rule !== 'fewest-shipments') continue;
    split += 1;
    if (engine.outcome !== 'allocated') {
      missed += 1;
      continue;
    }
    if (engine.shipments.length > optimum.shipments.length) moreShipments += 1;
    const gap = ((engine.totalCost - optimum.totalCost) / optimum.totalCost) * 100;
    engineCost += engine.totalCost;
    optimumCost += optimum.totalCost;
    gapSum += gap;
    worstGap = Math.max(worstGap, gap);
    if (gap <= 1) within += 1;
  }
  const compared = split - missed;
  return [
    `Cost vs exhaustive optimum, ${config.label}`,
    `${figure(config.instances)} random orders, ${config.locations[0]}–${config.locations[1]} locations, ≤ 4 SKUs; ${split} need a split`,
    `${figure(engineCost / 100 / Math.max(1, compared), 2)} USD mean`,
    `${figure(optimumCost / 100 / Math.max(1, compared), 2)} USD mean (optimalSourcing)`,
    figure(engineCost / Math.max(1, optimumCost), 4),
    `gap mean ${figure(gapSum / Math.max(1, compared), 2)} %, max ${figure(worstGap, 2)} %; ` +
      `${figure((within / Math.max(1, compared)) * 100, 1)} % within 1 %; ` +
      `${moreShipments} used more shipments, ${missed} found no plan`,
  ];
}

// --------------------------------------------------------------------------------------------- speed

interface Workload {
  locations: SourcingLocation[];
  orders: Order[];
}

function workload(orderCount: number, locationCount: number): Workload {
  const random = seededRandom(20_250_310);
  const weights = catalogueWeights(random);
  const locations = network(random, locationCount);
  return { locations, orders: orders(random, orderCount, weights) };
}

/**
 * Stock spread thin: every location holds a little of a small catalogue, so five-line orders need three
 * shipments chosen among 30+ holders, where C(m, 3) exceeds the exact budget and the greedy step runs.
 */
function scattered(orderCount: number, locationCount: number): Workload {
  const random = seededRandom(20_250_311);
  const skus = Array.from({ length: 20 }, (_, index) => `SKU-${index}`);
  const weights = Object.fromEntries(skus.map((sku) => [sku, between(random, 1, 30) * 100]));
  const profile = sourcingProfileFor('shopify');
  const locations: SourcingLocation[] = Array.from({ length: locationCount }, (_, index) => {
    const digit = between(random, 0, 9);
    return {
      id: `loc-${String(index).padStart(2, '0')}`,
      kind: index % 3 === 0 ? 'warehouse' : 'store',
      shipsToHome: true,
      pickup: false,
      postalCode: `${digit}0000`,
      country: 'US',
      coordinates: placeFor(random, digit),
      remainingCapacity: 50,
      available: Object.fromEntries(skus.map((sku) => [sku, random() < 0.5 ? between(random, 1, 2) : 0])),
    };
  });
  const orders = Array.from({ length: orderCount }, (): Order => {
    const lines = new Set(
      Array.from({ length: 5 }, () => skus[between(random, 0, skus.length - 1)] ?? 'SKU-0'),
    );
    const digit = between(random, 0, 9);
    return {
      profile,
      request: {
        lines: [...lines].map((sku) => ({ sku, quantity: between(random, 2, 4) })),
        fulfillment: {
          type: 'ship',
          postalCode: `${digit}1111`,
          country: 'US',
          coordinates: placeFor(random, digit),
        },
        weightGramsPerUnit: weights,
      },
    };
  });
  return { locations, orders };
}

const LIFTED: SourcingOptions = { exactSubsetBudget: Number.POSITIVE_INFINITY };

/**
 * At full size the optimum is out of reach, but exhaustive subset search (budget lifted, same pruning) is
 * not: on the orders where the default engine took the greedy path, it measures what greedy gives up.
 */
function greedyAtScale({ locations, orders: all }: Workload): (string | number)[] {
  let greedy = 0;
  let engineCost = 0;
  let exactCost = 0;
  let worstGap = 0;
  let gapSum = 0;
  let within = 0;
  let moreShipments = 0;
  let missed = 0;
  for (const order of all) {
    const engine = decideSourcing(order.request, locations, order.profile);
    const exact = decideSourcing(order.request, locations, order.profile, LIFTED);
    if (engine.outcome === 'unfillable' && exact.outcome === 'allocated') missed += 1;
    if (!engine.reason.includes('greedy') || exact.outcome !== 'allocated') continue;
    greedy += 1;
    if (engine.shipments.length > exact.shipments.length) moreShipments += 1;
    engineCost += engine.totalCost;
    exactCost += exact.totalCost;
    const gap = ((engine.totalCost - exact.totalCost) / exact.totalCost) * 100;
    gapSum += gap;
    worstGap = Math.max(worstGap, gap);
    if (gap <= 1) within += 1;
  }
  const compared = Math.max(1, greedy);
  return [
    'Cost vs exhaustive subset search, greedy path at full size',
    `${figure(all.length)} scattered-stock orders × ${locations.length} locations; ${greedy} took the greedy path`,
    `${figure(engineCost / 100 / compared, 2)} USD mean`,
    `${figure(exactCost / 100 / compared, 2)} USD mean (subset budget lifted)`,
    figure(engineCost / Math.max(1, exactCost), 4),
    `gap mean ${figure(gapSum / compared, 2)} %, max ${figure(worstGap, 2)} %; ` +
      `${figure((within / compared) * 100, 1)} % within 1 %; ${moreShipments} used more shipments; ` +
      `${missed} judged unfillable that exhaustive search fills`,
  ];
}

type Outcome = SourcingDecision['rule'];

interface Contender {
  label: string;
  /** Returns the number of shipments planned, a result the timing loop keeps. */
  run: (order: Order, locations: readonly SourcingLocation[]) => number;
}

let sink = 0;

const BASELINE: Contender = {
  label: 'naive first-fit',
  run: (order, locations) => firstFit(order.request, locations, order.profile)?.length ?? 0,
};
const ENGINE: Contender = {
  label: 'sourcing engine',
  run: (order, locations) => decideSourcing(order.request, locations, order.profile).shipments.length,
};

/** One row per contender: its throughput over `orders`, against the baseline timed in the same rounds. */
function throughput(
  title: string,
  orders: readonly Order[],
  locations: readonly SourcingLocation[],
  share: string,
  contenders: readonly Contender[],
  rounds: number,
): (string | number)[][] {
  // Results feed a sink that is reported, so no engine can skip work whose result is unused.
  const loop = (contender: Contender) => () => {
    for (const order of orders) sink += contender.run(order, locations);
  };
  const entries: Record<string, () => void> = { baseline: loop(BASELINE) };
  contenders.forEach((contender, index) => {
    entries[`c${index}`] = loop(contender);
  });
  const timing = timeAlternating(entries, rounds);
  const perSecond = (ms: number): number => (orders.length / ms) * 1000;
  const base = timing.baseline?.medianMs ?? Number.NaN;
  return contenders.map((contender, index) => {
    const ms = timing[`c${index}`]?.medianMs ?? Number.NaN;
    return [
      `Throughput, ${contender.label}, ${title}`,
      `${figure(orders.length)} orders${share} × ${locations.length} locations`,
      `${figure(perSecond(ms))} orders/s`,
      `${figure(perSecond(base))} orders/s (${BASELINE.label})`,
      figure(base / ms, 3),
      `${figure(ms, 1)} ms vs ${figure(base, 1)} ms, median of ${rounds} alternating rounds; ` +
        `${figure((ms / orders.length) * 1000, 1)} µs per order`,
    ];
  });
}

function retailSpeed({ locations, orders: all }: Workload, rounds: number): (string | number)[][] {
  const legacyLocations: LocationCandidate[] = locations.map((location) => ({
    locationId: location.id,
    kind: location.kind,
    shipsToHome: location.shipsToHome,
    available: location.available,
  }));
  const legacy: Contender = {
    label: 'current planAllocation (single location only)',
    run: (order) => (planAllocation(order.request.lines, legacyLocations).kind === 'allocated' ? 1 : 0),
  };
  const ruleOf = new Map<Order, Outcome>(
    all.map((order) => [order, decideSourcing(order.request, locations, order.profile).rule]),
  );
  const groups: [string, Outcome][] = [
    ['one location fills', 'single-location'],
    ['needs a split', 'fewest-shipments'],
    ['unfillable', 'none'],
  ];
  const rows = throughput('retail, all orders', all, locations, '', [ENGINE, legacy], rounds);
  for (const [title, rule] of groups) {
    const orders = all.filter((order) => ruleOf.get(order) === rule);
    if (orders.length === 0) continue;
    const share = ` (${figure((orders.length / all.length) * 100, 1)} %)`;
    rows.push(...throughput(`retail, ${title}`, orders, locations, share, [ENGINE], rounds));
  }
  return rows;
}

export async function run(): Promise<BenchSection> {
  const quick = isQuick();
  const locationCount = 50;
  const rounds = quick ? 3 : 5;
  const configs: QualityConfig[] = [
    { label: 'default search (exact at this size)', instances: quick ? 100 : 1_000, locations: [2, 6] },
    {
      label: 'heuristic forced (exact budgets 0)',
      instances: quick ? 100 : 1_000,
      locations: [4, 10],
      options: { exactSubsetBudget: 0, exactAssignmentBudget: 0 },
    },
    {
      label: 'heuristic forced, more locations',
      instances: quick ? 30 : 200,
      locations: [11, 14],
      options: { exactSubsetBudget: 0, exactAssignmentBudget: 0 },
    },
  ];
  const retail = workload(quick ? 1_000 : 10_000, locationCount);
  const thin = scattered(quick ? 300 : 2_000, locationCount);
  const lifted: Contender = {
    label: 'sourcing engine with the subset budget lifted',
    run: (order, locations) =>
      decideSourcing(order.request, locations, order.profile, LIFTED).shipments.length,
  };
  const rows = [
    ...configs.map((config, index) => quality(config, 1_000 + index)),
    greedyAtScale(thin),
    ...retailSpeed(retail, rounds),
    ...throughput('scattered stock', thin.orders, thin.locations, '', [ENGINE, lifted], rounds),
  ];
  return {
    title: 'Sourcing engine',
    description:
      'Quality: `decideSourcing` against `optimalSourcing` (every subset, every assignment) on seeded random ' +
      'orders that need a split; ratio = engine cost ÷ optimum cost (1 is optimal). Speed: `decideSourcing` ' +
      'against a naive allocator (first location that fills all, else first-fit, no costs) over the same ' +
      'orders and the same 50-location snapshot, in the same run; ratio = engine throughput ÷ baseline ' +
      'throughput (below 1: the engine is slower by that factor).',
    headers: ['Measure', 'Workload', 'Result', 'Baseline (same run)', 'Ratio', 'Detail'],
    rows,
    notes: [
      'Retail workload: 200 SKUs; 30 % warehouses (deep stock), 70 % stores (shallow, 70 % ship to home); 8 % ' +
        'of locations out of capacity; orders of 1–5 lines over all four channel profiles. Its groups are split ' +
        'by the rule the engine applied, and the baseline runs over the same orders in each group.',
      'Scattered-stock workload: 20 SKUs, each location holds each with probability 0.5 (1–2 units); orders of ' +
        '3–5 lines of 2–4 units under the shopify profile (up to 3 shipments, stores allowed). It is the worst ' +
        'case the greedy step exists for.',
      `Shipments planned across all timed runs (kept so no work is optimised away): ${figure(sink)}.`,
      'The naive allocator prices nothing and searches nothing, so its ratio is the cost of the cheapest-plan ' +
        'search, not a comparison of plans.',
    ],
  };
}
