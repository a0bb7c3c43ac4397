import { type CarrierService, carrierServices, defaultUnitWeightGrams } from '../config/carriers.js';
import type { SourcingProfile } from '../config/sourcing-profiles.js';
import { consolidateLines } from './allocation.js';
import { UnprocessableError, ValidationError } from './errors.js';
import { formatMinorUnits } from './money.js';
import { shippingZone } from './rate-shopping.js';

/**
 * The sourcing engine: which locations ship which units of an order. Pure: it reads a snapshot of the
 * locations' stock and capacity and returns a decision that explains itself (the rule that decided, a
 * sentence, and every location's score), so `GET /orders/{id}` can answer "why from there?".
 *
 * Rules, in order: a pickup order is served by its store or refused; an order one location can fill ships
 * from the cheapest such location and is never split; otherwise the fewest shipments that fill every line,
 * then the lowest estimated cost. Costs are estimates in USD cents: the profile's handling per shipment plus
 * the cheapest carrier rate for the parcel.
 */
export interface SourcingLocation {
  id: string;
  kind: 'warehouse' | 'store';
  shipsToHome: boolean;
  pickup: boolean;
  postalCode: string;
  country: string;
  coordinates?: { lat: number; lon: number };
  /** Shipments it can still take today (daily capacity minus today's allocations). */
  remainingCapacity: number;
  /** Available-to-promise per SKU (already net of reserved and safety stock, never negative). */
  available: Record<string, number>;
}

export type Fulfillment =
  | { type: 'ship'; postalCode: string; country: string; coordinates?: { lat: number; lon: number } }
  | { type: 'pickup'; locationId: string };

export interface SourcingLine {
  sku: string;
  quantity: number;
}

export interface SourcingRequest {
  lines: SourcingLine[];
  fulfillment: Fulfillment;
  weightGramsPerUnit?: Record<string, number>;
}

export interface CandidateScore {
  locationId: string;
  eligible: boolean;
  rejected?: string;
  fillsAll: boolean;
  /** Units of the order this location could supply (per line, capped at the line's quantity). */
  unitsAvailable: number;
  /** Estimated cost of one shipment of everything it could supply; absent when it cannot take part. */
  estimatedCost?: number;
}

export interface PlannedShipment {
  locationId: string;
  lines: SourcingLine[];
  estimatedCost: number;
}

export type SourcingRule = 'pickup-store' | 'single-location' | 'fewest-shipments' | 'none';

export interface SourcingDecision {
  outcome: 'allocated' | 'unfillable';
  rule: SourcingRule;
  reason: string;
  shipments: PlannedShipment[];
  totalCost: number;
  missing: SourcingLine[];
  candidates: CandidateScore[];
  profileId: string;
}

/**
 * Where exhaustive search stops. Both are counts of plans tried, so the worst case per order is bounded
 * whatever the number of locations; beyond them the engine switches to greedy search with local improvement.
 */
export interface SourcingOptions {
  /** Largest C(m, k) over which a k-shipment plan is searched exhaustively (m = locations holding stock). */
  exactSubsetBudget?: number;
  /** Largest number of line-to-location assignments tried exhaustively for one set of locations. */
  exactAssignmentBudget?: number;
  /** The rate table to price parcels with; the configured carriers unless a test needs other prices. */
  carrierServices?: readonly CarrierService[];
}

const DEFAULT_OPTIONS: Required<SourcingOptions> = {
  exactSubsetBudget: 5_000,
  exactAssignmentBudget: 4_096,
  carrierServices,
};
/** Greedy set cover restarts from this many different first locations. */
const GREEDY_STARTS = 32;
const IMPROVEMENT_ROUNDS = 8;
/** The rate table is domestic: a parcel to another country is priced at the farthest zone. */
const CROSS_BORDER_ZONE = 8;
/** `optimalSourcing` enumerates every subset; past this many locations it would not finish. */
const OPTIMAL_MAX_LOCATIONS = 16;

// ---------------------------------------------------------------------------------------------- costs

/** Prices by zone and kilograms, per rate table: the search prices the same few parcels many times. */
const priceCache = new WeakMap<readonly CarrierService[], Map<number, number>>();

/** The cheapest carrier service's price, as `rateShop` computes it, without the promise-date work. */
function cheapestCarrierPrice(services: readonly CarrierService[], zone: number, kilograms: number): number {
  let prices = priceCache.get(services);
  if (!prices) {
    prices = new Map();
    priceCache.set(services, prices);
  }
  const key = zone * 1_000_000 + kilograms;
  const cached = prices.get(key);
  if (cached !== undefined) return cached;
  if (services.length === 0) throw new UnprocessableError('no carrier services are configured');
  let price = Number.POSITIVE_INFINITY;
  for (const service of services) {
    const base = service.baseByZone[zone - 1] ?? service.baseByZone.at(-1) ?? 0;
    price = Math.min(price, base + service.perKg * (kilograms - 1));
  }
  prices.set(key, price);
  return price;
}

/** Pricing inputs fixed for one decision. */
interface Pricing {
  profile: SourcingProfile;
  services: readonly CarrierService[];
}

function parcelCost(zone: number, grams: number, pricing: Pricing): number {
  if (grams <= 0) return 0;
  const { profile, services } = pricing;
  if (!profile.cost.useCarrierRates) return profile.cost.perShipment;
  return (
    profile.cost.perShipment + cheapestCarrierPrice(services, zone, Math.max(1, Math.ceil(grams / 1000)))
  );
}

function zoneBetween(from: SourcingLocation, to: { postalCode: string; country: string }): number {
  if (from.country.toUpperCase() !== to.country.toUpperCase()) return CROSS_BORDER_ZONE;
  return shippingZone(from.postalCode, to.postalCode);
}

const unitGrams = (sku: string, weights: Record<string, number> | undefined): number =>
  weights?.[sku] ?? defaultUnitWeightGrams;

/**
 * Estimated cost in USD cents of one shipment of `units` from `from`: the profile's handling plus the cheapest
 * carrier service for the parcel's zone and weight. A pickup pays handling only; an empty shipment costs 0.
 */
export function estimateShipmentCost(
  from: SourcingLocation,
  to: Fulfillment,
  units: readonly SourcingLine[],
  profile: SourcingProfile,
  weightGramsPerUnit?: Record<string, number>,
  services: readonly CarrierService[] = carrierServices,
): number {
  const grams = units.reduce((sum, unit) => sum + unit.quantity * unitGrams(unit.sku, weightGramsPerUnit), 0);
  if (grams <= 0) return 0;
  if (to.type === 'pickup') return profile.cost.perShipment;
  return parcelCost(zoneBetween(from, to), grams, { profile, services });
}

/** Great-circle distance in kilometres (sourcing's tie-break, disruption radius areas). */
export function haversineKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const radians = Math.PI / 180;
  const dLat = (b.lat - a.lat) * radians;
  const dLon = (b.lon - a.lon) * radians;
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * radians) * Math.cos(b.lat * radians) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}

const usd = (cents: number): string => `${formatMinorUnits(cents, 'USD')} USD`;

// --------------------------------------------------------------------------------------------- shared

interface Line extends SourcingLine {
  grams: number;
}

/** A location scored against one order. */
interface Site {
  location: SourcingLocation;
  kindRank: number;
  /** Kilometres to the customer; infinite when either side has no coordinates, so it never wins a tie. */
  distanceKm: number;
  zone: number;
  /** Per line: units it could supply, capped at the line's quantity. */
  supply: number[];
  units: number;
  fillsAll: boolean;
  /** Cost of the lightest possible shipment from here: what the search's lower bound may assume. */
  minCost: number;
  /** Cost of shipping everything it could supply in one parcel. */
  fullCost: number;
}

interface Context extends Pricing {
  lines: Line[];
  options: Required<SourcingOptions>;
  /** Each kilogram past the first per shipment costs at least this much: sharpens the lower bound. */
  perKgFloor: number;
  totalGrams: number;
}

/** quantity[j][i]: units of line i shipped from the j-th location of the set. */
interface Assignment {
  cost: number;
  quantity: number[][];
}

interface Plan {
  sites: Site[];
  assignment: Assignment;
  exact: boolean;
}

function validateLines(lines: readonly SourcingLine[]): SourcingLine[] {
  const issues = lines.flatMap((line, index) =>
    Number.isSafeInteger(line.quantity) && line.quantity >= 0
      ? []
      : [{ field: `lines[${index}].quantity`, message: 'must be a whole number of units, 0 or more' }],
  );
  if (issues.length > 0) throw new ValidationError('a sourcing request has an invalid quantity', issues);
  const consolidated = consolidateLines(lines).filter((line) => line.quantity > 0);
  if (consolidated.length === 0) {
    throw new ValidationError('a sourcing request needs at least one line with a quantity', [
      { field: 'lines', message: 'no line has a quantity above 0' },
    ]);
  }
  return consolidated;
}

function contextFor(request: SourcingRequest, profile: SourcingProfile, options?: SourcingOptions): Context {
  const lines = validateLines(request.lines).map((line) => ({
    ...line,
    grams: unitGrams(line.sku, request.weightGramsPerUnit),
  }));
  const merged = { ...DEFAULT_OPTIONS, ...options };
  return {
    lines,
    profile,
    services: merged.carrierServices,
    options: merged,
    perKgFloor: profile.cost.useCarrierRates ? Math.min(...merged.carrierServices.map((s) => s.perKg)) : 0,
    totalGrams: lines.reduce((sum, line) => sum + line.quantity * line.grams, 0),
  };
}

function supplyOf(location: SourcingLocation, lines: readonly Line[]): number[] {
  return lines.map((line) => Math.min(line.quantity, Math.max(0, location.available[line.sku] ?? 0)));
}

function ineligibility(location: SourcingLocation, profile: SourcingProfile): string | undefined {
  if (!location.shipsToHome) return 'does not ship to home';
  if (location.kind === 'store' && !profile.shipFromStores) {
    return `profile ${profile.id} does not ship from stores`;
  }
  if (location.remainingCapacity <= 0) return 'no shipping capacity left today';
  return undefined;
}

function scoreForShipping(
  locations: readonly SourcingLocation[],
  to: Extract<Fulfillment, { type: 'ship' }>,
  ctx: Context,
): { candidates: CandidateScore[]; sites: Site[] } {
  const { profile, lines } = ctx;
  const candidates: CandidateScore[] = [];
  const sites: Site[] = [];
  for (const location of locations) {
    const supply = supplyOf(location, lines);
    let units = 0;
    let fillsAll = true;
    let grams = 0;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as Line;
      const units_i = supply[i] ?? 0;
      units += units_i;
      grams += units_i * line.grams;
      if (units_i < line.quantity) fillsAll = false;
    }
    const rejected = ineligibility(location, profile);
    if (rejected !== undefined) {
      candidates.push({
        locationId: location.id,
        eligible: false,
        rejected,
        fillsAll,
        unitsAvailable: units,
      });
      continue;
    }
    const zone = zoneBetween(location, to);
    const fullCost = parcelCost(zone, grams, ctx);
    candidates.push(
      units > 0
        ? {
            locationId: location.id,
            eligible: true,
            fillsAll,
            unitsAvailable: units,
            estimatedCost: fullCost,
          }
        : { locationId: location.id, eligible: true, fillsAll, unitsAvailable: units },
    );
    const rank = profile.locationKindTieBreak.indexOf(location.kind);
    sites.push({
      location,
      kindRank: rank < 0 ? profile.locationKindTieBreak.length : rank,
      distanceKm:
        location.coordinates && to.coordinates
          ? haversineKm(location.coordinates, to.coordinates)
          : Number.POSITIVE_INFINITY,
      zone,
      supply,
      units,
      fillsAll,
      minCost: parcelCost(zone, 1, ctx),
      fullCost,
    });
  }
  return { candidates, sites };
}

/** Equal costs go to the preferred kind, then the nearer location, then the id, so ties never depend on input order. */
function compareTieBreak(a: Site, b: Site): number {
  return (
    a.kindRank - b.kindRank ||
    (a.distanceKm === b.distanceKm ? 0 : a.distanceKm < b.distanceKm ? -1 : 1) ||
    (a.location.id < b.location.id ? -1 : a.location.id > b.location.id ? 1 : 0)
  );
}

function covers(sites: readonly Site[], lines: readonly Line[]): boolean {
  for (let i = 0; i < lines.length; i++) {
    let total = 0;
    for (const site of sites) total += site.supply[i] ?? 0;
    if (total < (lines[i] as Line).quantity) return false;
  }
  return true;
}

function shipmentsOf(plan: Plan, ctx: Context): PlannedShipment[] {
  const shipments: PlannedShipment[] = [];
  plan.sites.forEach((site, j) => {
    const row = plan.assignment.quantity[j] ?? [];
    const lines: SourcingLine[] = [];
    let grams = 0;
    ctx.lines.forEach((line, i) => {
      const quantity = row[i] ?? 0;
      if (quantity > 0) {
        lines.push({ sku: line.sku, quantity });
        grams += quantity * line.grams;
      }
    });
    if (lines.length > 0) {
      shipments.push({
        locationId: site.location.id,
        lines,
        estimatedCost: parcelCost(site.zone, grams, ctx),
      });
    }
  });
  return shipments;
}

// ----------------------------------------------------------------------------------------- assignment

/**
 * Ways to ship one line from a set of locations. A location holding the whole quantity ships it whole (one
 * option per such location); only when none does is the line split, over every distribution the stock allows.
 */
function lineOptions(
  sites: readonly Site[],
  i: number,
  quantity: number,
  limit: number,
): number[][] | undefined {
  const k = sites.length;
  const whole: number[][] = [];
  sites.forEach((site, j) => {
    if ((site.supply[i] ?? 0) >= quantity) {
      const option = new Array<number>(k).fill(0);
      option[j] = quantity;
      whole.push(option);
    }
  });
  if (whole.length > 0) return whole;
  const caps = sites.map((site) => site.supply[i] ?? 0);
  const after = caps.map((_, j) => caps.slice(j + 1).reduce((sum, cap) => sum + cap, 0));
  const options: number[][] = [];
  const current = new Array<number>(k).fill(0);
  const fill = (j: number, left: number): boolean => {
    if (j === k - 1) {
      if (left > (caps[j] ?? 0)) return true;
      current[j] = left;
      options.push([...current]);
      return options.length <= limit;
    }
    const low = Math.max(0, left - (after[j] ?? 0));
    for (let x = Math.min(caps[j] ?? 0, left); x >= low; x--) {
      current[j] = x;
      if (!fill(j + 1, left - x)) return false;
    }
    return true;
  };
  return fill(0, quantity) ? options : undefined;
}

function totalCost(sites: readonly Site[], weights: readonly number[], pricing: Pricing): number {
  let cost = 0;
  for (let j = 0; j < sites.length; j++)
    cost += parcelCost((sites[j] as Site).zone, weights[j] ?? 0, pricing);
  return cost;
}

/** Cheapest way to ship the order from exactly these locations: every assignment when few, else a heuristic. */
function assign(
  sites: readonly Site[],
  ctx: Context,
  budget: number,
): { assignment: Assignment; exact: boolean } {
  const { lines } = ctx;
  const perLine: number[][][] = [];
  let combinations = 1;
  for (let i = 0; i < lines.length && combinations <= budget; i++) {
    const options = lineOptions(sites, i, (lines[i] as Line).quantity, Math.floor(budget / combinations));
    if (!options) {
      combinations = Number.POSITIVE_INFINITY;
      break;
    }
    perLine.push(options);
    combinations *= options.length;
  }
  if (combinations > budget) return { assignment: assignHeuristically(sites, ctx), exact: false };

  const k = sites.length;
  const weights = new Array<number>(k).fill(0);
  const choice = new Array<number>(lines.length).fill(0);
  let bestCost = Number.POSITIVE_INFINITY;
  let bestChoice: number[] = [];
  const visit = (i: number): void => {
    if (i === lines.length) {
      const cost = totalCost(sites, weights, ctx);
      if (cost < bestCost) {
        bestCost = cost;
        bestChoice = [...choice];
      }
      return;
    }
    const grams = (lines[i] as Line).grams;
    const options = perLine[i] ?? [];
    for (let o = 0; o < options.length; o++) {
      const option = options[o] as number[];
      for (let j = 0; j < k; j++) weights[j] = (weights[j] ?? 0) + (option[j] ?? 0) * grams;
      choice[i] = o;
      visit(i + 1);
      for (let j = 0; j < k; j++) weights[j] = (weights[j] ?? 0) - (option[j] ?? 0) * grams;
    }
  };
  visit(0);
  const quantity = sites.map((_, j) => lines.map((_, i) => perLine[i]?.[bestChoice[i] ?? 0]?.[j] ?? 0));
  return { assignment: { cost: bestCost, quantity }, exact: true };
}

/**
 * Too many assignments to try: split lines fill from the cheapest location first, whole lines go where they
 * add least, then single moves (a whole line to another holder, or enough units of a split line to drop a
 * parcel below a kilogram step) are applied while they lower the total.
 */
function assignHeuristically(sites: readonly Site[], ctx: Context): Assignment {
  const { lines } = ctx;
  const k = sites.length;
  const quantity = sites.map(() => new Array<number>(lines.length).fill(0));
  const weights = new Array<number>(k).fill(0);
  const holders: number[][] = lines.map((line, i) =>
    sites.flatMap((site, j) => ((site.supply[i] ?? 0) >= line.quantity ? [j] : [])),
  );
  const byCheapness = sites
    .map((_, j) => j)
    .sort((a, b) => (sites[a] as Site).minCost - (sites[b] as Site).minCost);
  const put = (j: number, i: number, units: number): void => {
    const row = quantity[j] as number[];
    row[i] = (row[i] ?? 0) + units;
    weights[j] = (weights[j] ?? 0) + units * (lines[i] as Line).grams;
  };
  const marginal = (j: number, grams: number): number => {
    const site = sites[j] as Site;
    return (
      parcelCost(site.zone, (weights[j] ?? 0) + grams, ctx) - parcelCost(site.zone, weights[j] ?? 0, ctx)
    );
  };

  lines.forEach((line, i) => {
    if ((holders[i] ?? []).length > 0) return;
    let left = line.quantity;
    for (const j of byCheapness) {
      const units = Math.min(left, (sites[j] as Site).supply[i] ?? 0);
      if (units > 0) put(j, i, units);
      left -= units;
    }
  });
  const wholeLines = lines
    .map((_, i) => i)
    .filter((i) => (holders[i] ?? []).length > 0)
    .sort((a, b) => {
      const la = lines[a] as Line;
      const lb = lines[b] as Line;
      return lb.quantity * lb.grams - la.quantity * la.grams || a - b;
    });
  for (const i of wholeLines) {
    const line = lines[i] as Line;
    let best = -1;
    let bestDelta = Number.POSITIVE_INFINITY;
    for (const j of holders[i] ?? []) {
      const delta = marginal(j, line.quantity * line.grams);
      if (delta < bestDelta) {
        bestDelta = delta;
        best = j;
      }
    }
    put(best, i, line.quantity);
  }

  let cost = totalCost(sites, weights, ctx);
  for (let round = 0; round < IMPROVEMENT_ROUNDS; round++) {
    let improved = false;
    for (const i of wholeLines) {
      const line = lines[i] as Line;
      const from = (holders[i] ?? []).find((j) => (quantity[j]?.[i] ?? 0) > 0) ?? -1;
      for (const to of holders[i] ?? []) {
        if (to === from) continue;
        put(from, i, -line.quantity);
        put(to, i, line.quantity);
        const moved = totalCost(sites, weights, ctx);
        if (moved < cost) {
          cost = moved;
          improved = true;
          break;
        }
        put(to, i, -line.quantity);
        put(from, i, line.quantity);
      }
    }
    lines.forEach((line, i) => {
      if ((holders[i] ?? []).length > 0) return;
      for (let from = 0; from < k; from++) {
        for (let to = 0; to < k; to++) {
          const shipped = quantity[from]?.[i] ?? 0;
          const room = ((sites[to] as Site).supply[i] ?? 0) - (quantity[to]?.[i] ?? 0);
          if (from === to || shipped === 0 || room === 0) continue;
          // The fewest units whose removal takes the parcel down one kilogram step.
          const over = ((weights[from] ?? 0) - 1) % 1000;
          const units = Math.min(shipped, room, Math.ceil((over + 1) / line.grams));
          put(from, i, -units);
          put(to, i, units);
          const moved = totalCost(sites, weights, ctx);
          if (moved < cost) {
            cost = moved;
            improved = true;
          } else {
            put(to, i, -units);
            put(from, i, units);
          }
        }
      }
    });
    if (!improved) break;
  }
  return { cost, quantity };
}

// --------------------------------------------------------------------------------------------- search

function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let result = 1;
  for (let i = 1; i <= k; i++) result = (result * (n - k + i)) / i;
  return Math.round(result);
}

/** A bound no plan of `k` shipments over these locations can beat: lightest parcels plus the kilograms it must carry. */
function weightFloor(k: number, ctx: Context): number {
  return ctx.perKgFloor * Math.max(0, Math.ceil(ctx.totalGrams / 1000) - k);
}

/**
 * Every k-subset of `ranked` (cheapest lightest-parcel first), pruned by a lower bound: once the cheapest
 * completion of a prefix cannot beat the best plan, neither can any later prefix.
 */
function bestOfSize(ranked: readonly Site[], k: number, ctx: Context): Plan | undefined {
  const floor = weightFloor(k, ctx);
  const chosen: Site[] = [];
  let best: Plan | undefined;
  let bestCost = Number.POSITIVE_INFINITY;
  const visit = (start: number, partial: number): void => {
    const need = k - chosen.length;
    if (need === 0) {
      if (!covers(chosen, ctx.lines)) return;
      const { assignment, exact } = assign(chosen, ctx, ctx.options.exactAssignmentBudget);
      if (assignment.cost < bestCost) {
        bestCost = assignment.cost;
        best = { sites: [...chosen], assignment, exact };
      }
      return;
    }
    for (let index = start; index <= ranked.length - need; index++) {
      let bound = partial + floor;
      for (let t = 0; t < need; t++) bound += (ranked[index + t] as Site).minCost;
      if (bound >= bestCost) break;
      const site = ranked[index] as Site;
      chosen.push(site);
      visit(index + 1, partial + site.minCost);
      chosen.pop();
    }
  };
  visit(0, 0);
  return best;
}

/** Greedy set cover from one first location: repeatedly add the location supplying most of what is still short. */
function greedyFrom(
  first: number,
  ranked: readonly Site[],
  ctx: Context,
  limit: number,
): { members: number[]; short: number } {
  const residual = ctx.lines.map((line, i) =>
    Math.max(0, line.quantity - ((ranked[first] as Site).supply[i] ?? 0)),
  );
  const members = [first];
  const taken = new Uint8Array(ranked.length);
  taken[first] = 1;
  let short = residual.reduce((sum, units) => sum + units, 0);
  while (short > 0 && members.length < limit) {
    let best = -1;
    let bestGain = 0;
    for (let s = 0; s < ranked.length; s++) {
      if (taken[s] === 1) continue;
      const supply = (ranked[s] as Site).supply;
      let gain = 0;
      for (let i = 0; i < residual.length; i++) {
        const need = residual[i] ?? 0;
        if (need > 0) gain += Math.min(supply[i] ?? 0, need);
      }
      // Strictly greater: on equal gain the earlier (cheaper) location stays.
      if (gain > bestGain) {
        bestGain = gain;
        best = s;
      }
    }
    if (best < 0) break;
    members.push(best);
    taken[best] = 1;
    const supply = (ranked[best] as Site).supply;
    for (let i = 0; i < residual.length; i++)
      residual[i] = Math.max(0, (residual[i] ?? 0) - (supply[i] ?? 0));
    short -= bestGain;
  }
  return { members, short };
}

/** `covers` for members given by rank, without building the set. */
function coversRanks(members: readonly number[], ranked: readonly Site[], lines: readonly Line[]): boolean {
  for (let i = 0; i < lines.length; i++) {
    let total = 0;
    for (const member of members) total += (ranked[member] as Site).supply[i] ?? 0;
    if (total < (lines[i] as Line).quantity) return false;
  }
  return true;
}

const sitesAt = (indexes: readonly number[], ranked: readonly Site[]): Site[] =>
  [...indexes].sort((a, b) => a - b).map((index) => ranked[index] as Site);

/** Members a cover can do without, most expensive first: fewer shipments always wins. */
function dropRedundant(members: number[], ranked: readonly Site[], ctx: Context): number[] {
  let kept = [...members].sort((a, b) => a - b);
  for (const member of [...kept].reverse()) {
    const without = kept.filter((index) => index !== member);
    if (without.length > 0 && coversRanks(without, ranked, ctx.lines)) kept = without;
  }
  return kept;
}

/**
 * Beyond exhaustive reach: greedy set cover restarted from several first locations, the smallest covers
 * priced, then swaps of one member for a non-member kept while they lower the cost.
 */
function bestByGreedy(ranked: readonly Site[], ctx: Context, limit: number): Plan | undefined {
  const starts = ranked
    .map((_, index) => index)
    .sort((a, b) => (ranked[b] as Site).units - (ranked[a] as Site).units || a - b)
    .slice(0, GREEDY_STARTS);
  const seen = new Set<string>();
  let smallest = Number.POSITIVE_INFINITY;
  let coversFound: number[][] = [];
  for (const first of starts) {
    const { members, short } = greedyFrom(first, ranked, ctx, limit);
    if (short > 0) continue;
    const kept = dropRedundant(members, ranked, ctx);
    const key = kept.join(',');
    if (seen.has(key) || kept.length > smallest) continue;
    seen.add(key);
    if (kept.length < smallest) {
      smallest = kept.length;
      coversFound = [];
    }
    coversFound.push(kept);
  }
  const budget = ctx.options.exactAssignmentBudget;
  let best: { members: number[]; plan: Plan } | undefined;
  for (const members of coversFound) {
    const sites = sitesAt(members, ranked);
    const { assignment, exact } = assign(sites, ctx, budget);
    if (!best || assignment.cost < best.plan.assignment.cost)
      best = { members, plan: { sites, assignment, exact } };
  }
  if (!best) return undefined;

  const floor = weightFloor(best.members.length, ctx);
  for (let round = 0; round < IMPROVEMENT_ROUNDS; round++) {
    let improved = false;
    for (let position = 0; position < best.members.length; position++) {
      for (let candidate = 0; candidate < ranked.length; candidate++) {
        if (best.members.includes(candidate)) continue;
        const members: number[] = best.members.map((member, p) => (p === position ? candidate : member));
        const bound = members.reduce((sum, member) => sum + (ranked[member] as Site).minCost, floor);
        if (bound >= best.plan.assignment.cost || !coversRanks(members, ranked, ctx.lines)) continue;
        const sites = sitesAt(members, ranked);
        const { assignment, exact } = assign(sites, ctx, budget);
        if (assignment.cost < best.plan.assignment.cost) {
          best = { members, plan: { sites, assignment, exact } };
          improved = true;
        }
      }
    }
    if (!improved) break;
  }
  return { ...best.plan, exact: false };
}

// ------------------------------------------------------------------------------------------- decisions

function allLines(count: number): string {
  return count === 1 ? 'the only line' : `all ${count} lines`;
}

function pickupDecision(
  request: SourcingRequest,
  to: Extract<Fulfillment, { type: 'pickup' }>,
  locations: readonly SourcingLocation[],
  ctx: Context,
): SourcingDecision {
  const { lines, profile } = ctx;
  const candidates: CandidateScore[] = locations.map((location) => {
    const supply = supplyOf(location, lines);
    const units = supply.reduce((sum, value) => sum + value, 0);
    const fillsAll = supply.every((value, i) => value >= (lines[i] as Line).quantity);
    if (location.id !== to.locationId) {
      return {
        locationId: location.id,
        eligible: false,
        rejected: `not the pickup location ${to.locationId}`,
        fillsAll,
        unitsAvailable: units,
      };
    }
    if (!location.pickup) {
      return {
        locationId: location.id,
        eligible: false,
        rejected: 'does not offer pickup',
        fillsAll,
        unitsAvailable: units,
      };
    }
    return { locationId: location.id, eligible: true, fillsAll, unitsAvailable: units };
  });
  const refuse = (reason: string, missing: SourcingLine[]): SourcingDecision => ({
    outcome: 'unfillable',
    rule: 'pickup-store',
    reason,
    shipments: [],
    totalCost: 0,
    missing,
    candidates,
    profileId: profile.id,
  });
  const all = lines.map(({ sku, quantity }) => ({ sku, quantity }));
  const store = locations.find((location) => location.id === to.locationId);
  if (!store) return refuse(`pickup location ${to.locationId} does not exist`, all);
  if (!store.pickup) return refuse(`location ${store.id} does not offer pickup`, all);

  const short = lines.flatMap((line) => {
    const has = Math.max(0, store.available[line.sku] ?? 0);
    return has >= line.quantity ? [] : [{ sku: line.sku, quantity: line.quantity, has }];
  });
  if (short.length > 0) {
    const detail = short.map((line) => `${line.sku} has ${line.has} of ${line.quantity}`).join(', ');
    return refuse(
      `pickup store ${store.id} cannot fill the order, and pickup never splits: ${detail}`,
      short.map((line) => ({ sku: line.sku, quantity: line.quantity - line.has })),
    );
  }
  const shipmentLines = lines.map(({ sku, quantity }) => ({ sku, quantity }));
  const cost = estimateShipmentCost(
    store,
    to,
    shipmentLines,
    profile,
    request.weightGramsPerUnit,
    ctx.services,
  );
  const scored = candidates.map((candidate) =>
    candidate.locationId === store.id ? { ...candidate, estimatedCost: cost } : candidate,
  );
  return {
    outcome: 'allocated',
    rule: 'pickup-store',
    reason: `pickup at ${store.id}, which has ${allLines(lines.length)} in stock`,
    shipments: [{ locationId: store.id, lines: shipmentLines, estimatedCost: cost }],
    totalCost: cost,
    missing: [],
    candidates: scored,
    profileId: profile.id,
  };
}

function allocated(
  rule: SourcingRule,
  reason: string,
  shipments: PlannedShipment[],
  candidates: CandidateScore[],
  profile: SourcingProfile,
): SourcingDecision {
  return {
    outcome: 'allocated',
    rule,
    reason,
    shipments,
    totalCost: shipments.reduce((sum, shipment) => sum + shipment.estimatedCost, 0),
    missing: [],
    candidates,
    profileId: profile.id,
  };
}

function unfillable(
  reason: string,
  missing: SourcingLine[],
  candidates: CandidateScore[],
  profile: SourcingProfile,
): SourcingDecision {
  return {
    outcome: 'unfillable',
    rule: 'none',
    reason,
    shipments: [],
    totalCost: 0,
    missing,
    candidates,
    profileId: profile.id,
  };
}

function shortfall(lines: readonly Line[], supplied: readonly number[]): SourcingLine[] {
  return lines.flatMap((line, i) => {
    const missing = line.quantity - Math.min(line.quantity, supplied[i] ?? 0);
    return missing > 0 ? [{ sku: line.sku, quantity: missing }] : [];
  });
}

function describeShort(missing: readonly SourcingLine[], lines: readonly Line[]): string {
  return missing
    .map((short) => {
      const line = lines.find((candidate) => candidate.sku === short.sku);
      return `${short.sku} short ${short.quantity} of ${line?.quantity ?? short.quantity}`;
    })
    .join(', ');
}

function singleLocationDecision(
  fillers: Site[],
  candidates: CandidateScore[],
  ctx: Context,
): SourcingDecision {
  const ranked = [...fillers].sort((a, b) => a.fullCost - b.fullCost || compareTieBreak(a, b));
  const chosen = ranked[0] as Site;
  const tied = ranked.filter((site) => site.fullCost === chosen.fullCost).length;
  const tieNote =
    tied > 1
      ? ` (${tied} tied on cost; ${chosen.location.kind} ${chosen.location.id} won the tie-break)`
      : '';
  const shipments: PlannedShipment[] = [
    {
      locationId: chosen.location.id,
      lines: ctx.lines.map(({ sku, quantity }) => ({ sku, quantity })),
      estimatedCost: chosen.fullCost,
    },
  ];
  const reason =
    `single location ${chosen.location.id} fills ${allLines(ctx.lines.length)} at the lowest estimated ` +
    `cost ${usd(chosen.fullCost)} of ${fillers.length} that could${tieNote}`;
  return allocated('single-location', reason, shipments, candidates, ctx.profile);
}

function splitDecision(
  plan: Plan,
  eligibleCount: number,
  candidates: CandidateScore[],
  ctx: Context,
): SourcingDecision {
  const shipments = shipmentsOf(plan, ctx);
  const split = ctx.lines.filter(
    (line) => shipments.filter((shipment) => shipment.lines.some((l) => l.sku === line.sku)).length > 1,
  );
  const total = shipments.reduce((sum, shipment) => sum + shipment.estimatedCost, 0);
  const from = shipments.map((shipment) => shipment.locationId).join(', ');
  const splitNote =
    split.length > 0 ? `; split ${split.map((line) => line.sku).join(', ')} across locations` : '';
  // The heuristic does not prove its plan is the cheapest, so the sentence does not claim it.
  const price = plan.exact
    ? `at the lowest estimated cost ${usd(total)}`
    : `at an estimated cost of ${usd(total)} (greedy search over ${eligibleCount} locations)`;
  const reason =
    `no single location fills ${allLines(ctx.lines.length)}; ${shipments.length} shipments from ${from} ` +
    `fill them ${price}${splitNote}`;
  return allocated('fewest-shipments', reason, shipments, candidates, ctx.profile);
}

/** When no plan fits the profile: what still lacks after the best the profile allows. */
function notFillable(sites: readonly Site[], candidates: CandidateScore[], ctx: Context): SourcingDecision {
  const { lines, profile } = ctx;
  const eligible = sites.length;
  if (eligible === 0) {
    return unfillable(
      `no location may ship this order under profile ${profile.id}`,
      shortfall(lines, []),
      candidates,
      profile,
    );
  }
  const totals = lines.map((_, i) => sites.reduce((sum, site) => sum + (site.supply[i] ?? 0), 0));
  const missing = shortfall(lines, totals);
  if (missing.length > 0) {
    return unfillable(
      `not enough stock across ${eligible} eligible locations: ${describeShort(missing, lines)}`,
      missing,
      candidates,
      profile,
    );
  }
  // Every unit exists somewhere, but not within the profile's shipment limit: report what the best plan
  // the profile allows would leave short, so the backorder names real quantities.
  const ranked = [...sites].sort((a, b) => b.units - a.units || compareTieBreak(a, b));
  const limit = profile.allowSplit ? Math.max(1, profile.maxShipments) : 1;
  let bestShort: SourcingLine[] | undefined;
  let bestUnits = Number.POSITIVE_INFINITY;
  for (let first = 0; first < Math.min(ranked.length, GREEDY_STARTS); first++) {
    const { members, short } = greedyFrom(first, ranked, ctx, limit);
    if (short < bestUnits) {
      bestUnits = short;
      const supplied = lines.map((_, i) =>
        members.reduce((sum, m) => sum + ((ranked[m] as Site).supply[i] ?? 0), 0),
      );
      bestShort = shortfall(lines, supplied);
    }
  }
  const reason = profile.allowSplit
    ? `every unit is in stock, but not within ${limit} shipments (profile ${profile.id})`
    : `no single location fills ${allLines(lines.length)} and profile ${profile.id} does not split orders`;
  return unfillable(reason, bestShort ?? [], candidates, profile);
}

/**
 * Decides where an order ships from. Deterministic: the same request, locations and profile give the same
 * decision whatever the order of `locations` (only `candidates` keeps the input order).
 */
export function decideSourcing(
  request: SourcingRequest,
  locations: readonly SourcingLocation[],
  profile: SourcingProfile,
  options?: SourcingOptions,
): SourcingDecision {
  const ctx = contextFor(request, profile, options);
  const to = request.fulfillment;
  if (to.type === 'pickup') return pickupDecision(request, to, locations, ctx);

  const { candidates, sites } = scoreForShipping(locations, to, ctx);
  const fillers = sites.filter((site) => site.fillsAll);
  if (fillers.length > 0) return singleLocationDecision(fillers, candidates, ctx);

  const holding = sites.filter((site) => site.units > 0);
  const limit = Math.min(profile.maxShipments, holding.length);
  if (!profile.allowSplit || limit < 2 || !covers(holding, ctx.lines))
    return notFillable(sites, candidates, ctx);

  const ranked = [...holding].sort((a, b) => a.minCost - b.minCost || compareTieBreak(a, b));
  for (let k = 2; k <= limit; k++) {
    if (binomial(ranked.length, k) <= ctx.options.exactSubsetBudget) {
      const plan = bestOfSize(ranked, k, ctx);
      if (plan) return splitDecision(plan, sites.length, candidates, ctx);
      continue;
    }
    // Exhaustive search has shown no plan has fewer than k shipments; greedy finds k or more.
    const plan = bestByGreedy(ranked, ctx, limit);
    if (plan) return splitDecision(plan, sites.length, candidates, ctx);
    break;
  }
  return notFillable(sites, candidates, ctx);
}

// --------------------------------------------------------------------------------------- ground truth

function* subsetsOfSize<T>(items: readonly T[], k: number, start = 0, prefix: T[] = []): Generator<T[]> {
  if (prefix.length === k) {
    yield [...prefix];
    return;
  }
  for (let index = start; index <= items.length - (k - prefix.length); index++) {
    prefix.push(items[index] as T);
    yield* subsetsOfSize(items, k, index + 1, prefix);
    prefix.pop();
  }
}

/** Every distribution of `quantity` over locations with these caps (as in `lineOptions`, written plainly). */
function distributions(quantity: number, caps: readonly number[]): number[][] {
  if (caps.length === 0) return quantity === 0 ? [[]] : [];
  const [cap = 0, ...rest] = caps;
  const result: number[][] = [];
  for (let x = 0; x <= Math.min(cap, quantity); x++) {
    for (const tail of distributions(quantity - x, rest)) result.push([x, ...tail]);
  }
  return result;
}

/**
 * The same rules as `decideSourcing`, solved by brute force: every subset of eligible locations by size, every
 * allowed assignment of units, priced with `estimateShipmentCost`. Small instances only; tests and the
 * benchmark use it as ground truth for the cost `decideSourcing` reaches.
 */
export function optimalSourcing(
  request: SourcingRequest,
  locations: readonly SourcingLocation[],
  profile: SourcingProfile,
  options?: Pick<SourcingOptions, 'carrierServices'>,
): SourcingDecision {
  const to = request.fulfillment;
  if (to.type === 'pickup') return decideSourcing(request, locations, profile, options);
  const ctx = contextFor(request, profile, options);
  const { candidates, sites } = scoreForShipping(locations, to, ctx);
  if (sites.length > OPTIMAL_MAX_LOCATIONS) {
    throw new UnprocessableError(
      `optimalSourcing is exhaustive and takes at most ${OPTIMAL_MAX_LOCATIONS} eligible locations, not ${sites.length}`,
    );
  }
  const fillers = sites.filter((site) => site.fillsAll);
  if (fillers.length > 0) return singleLocationDecision(fillers, candidates, ctx);
  const limit = profile.allowSplit ? Math.min(profile.maxShipments, sites.length) : 1;

  for (let k = 2; k <= limit; k++) {
    let best: { cost: number; shipments: PlannedShipment[] } | undefined;
    for (const subset of subsetsOfSize(sites, k)) {
      const perLine = ctx.lines.map((line, i) =>
        distributions(
          line.quantity,
          subset.map((site) => site.supply[i] ?? 0),
        ).filter((option) => {
          // A line splits only when no location of the set holds all of it.
          const holderExists = subset.some((site) => (site.supply[i] ?? 0) >= line.quantity);
          return !holderExists || option.filter((x) => x > 0).length === 1;
        }),
      );
      const enumerate = (i: number, chosen: number[][]): void => {
        if (i === ctx.lines.length) {
          const shipments = subset.flatMap((site, j) => {
            const lines = ctx.lines.flatMap((line, l) => {
              const quantity = chosen[l]?.[j] ?? 0;
              return quantity > 0 ? [{ sku: line.sku, quantity }] : [];
            });
            if (lines.length === 0) return [];
            const cost = estimateShipmentCost(
              site.location,
              to,
              lines,
              profile,
              request.weightGramsPerUnit,
              ctx.services,
            );
            return [{ locationId: site.location.id, lines, estimatedCost: cost }];
          });
          const cost = shipments.reduce((sum, shipment) => sum + shipment.estimatedCost, 0);
          // Fewer shipments than k means a smaller subset would have been found first; keep it anyway.
          if (!best || cost < best.cost) best = { cost, shipments };
          return;
        }
        for (const option of perLine[i] ?? []) enumerate(i + 1, [...chosen, option]);
      };
      enumerate(0, []);
    }
    if (best) {
      return allocated(
        'fewest-shipments',
        `exhaustive search: ${best.shipments.length} shipments at the lowest estimated cost ${usd(best.cost)}`,
        best.shipments,
        candidates,
        profile,
      );
    }
  }
  return notFillable(sites, candidates, ctx);
}

/**
 * The locations after a decision is carried out: each shipment's units leave the location's ATP and use one
 * of its shipments for the day. Lets a batch source orders one after another against the same snapshot.
 */
export function applyDecision(
  locations: readonly SourcingLocation[],
  decision: SourcingDecision,
): SourcingLocation[] {
  if (decision.outcome !== 'allocated') return [...locations];
  const byLocation = new Map(decision.shipments.map((shipment) => [shipment.locationId, shipment]));
  return locations.map((location) => {
    const shipment = byLocation.get(location.id);
    if (!shipment) return location;
    const available = { ...location.available };
    for (const line of shipment.lines)
      available[line.sku] = Math.max(0, (available[line.sku] ?? 0) - line.quantity);
    const isPickup = decision.rule === 'pickup-store';
    return {
      ...location,
      available,
      remainingCapacity: isPickup ? location.remainingCapacity : location.remainingCapacity - 1,
    };
  });
}
