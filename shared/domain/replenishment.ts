import { ValidationError } from './errors.js';
import { currencyExponent, formatMinorUnits } from './money.js';

/**
 * Replenishment arithmetic for the reorder job: demand from a daily series, safety stock, reorder point and
 * the economic order quantity rounded to what the supplier sells. Pure functions; the rule and its defaults
 * are described in docs/purchasing.md.
 */

/** Defaults used when neither the SKU's supplier link nor the supplier sets a value. */
export const REPLENISHMENT_DEFAULTS = {
  /** Days of shipment history the demand is measured over (8 weeks: every weekday eight times). */
  lookbackDays: 56,
  /** Probability of not running out during a lead time (cycle service level). */
  serviceLevel: 0.95,
  /** Yearly cost of holding one unit, as a fraction of its unit cost (capital, space, shrinkage). */
  holdingRate: 0.25,
  /** Cost of placing one purchase order (S), in major units of the supplier's currency. */
  orderCostMajorUnits: 50,
  daysPerYear: 365,
} as const;

/** The default order cost S in minor units of `currency` (50.00 USD = 5000, 50 JPY = 50). */
export const defaultOrderCost = (currency: string): number =>
  REPLENISHMENT_DEFAULTS.orderCostMajorUnits * 10 ** currencyExponent(currency);

// Acklam's rational approximation of the inverse standard normal CDF (relative error below 1.15e-9 over
// (0, 1)): P. J. Acklam, "An algorithm for computing the inverse normal cumulative distribution function",
// 2003. A rational function in the central region, another in each tail.
const A = [
  -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1,
  2.506628277459239,
] as const;
const B = [
  -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1,
] as const;
const C = [
  -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
] as const;
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416] as const;
const P_LOW = 0.02425;

/** The z with Φ(z) = p, for 0 < p < 1 (Acklam's approximation). */
export function inverseNormalCdf(p: number): number {
  if (!(p > 0 && p < 1)) throw new ValidationError(`probability ${p} is not between 0 and 1`);
  const [a0, a1, a2, a3, a4, a5] = A;
  const [b0, b1, b2, b3, b4] = B;
  const [c0, c1, c2, c3, c4, c5] = C;
  const [d0, d1, d2, d3] = D;
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
      ((((d0 * q + d1) * q + d2) * q + d3) * q + 1)
    );
  }
  if (p > 1 - P_LOW) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -(
      (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
      ((((d0 * q + d1) * q + d2) * q + d3) * q + 1)
    );
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
    (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
  );
}

/** Service levels the job accepts: below 50 % safety stock would be negative, 99.99 % is already z ≈ 3.7. */
export const MIN_SERVICE_LEVEL = 0.5;
export const MAX_SERVICE_LEVEL = 0.9999;

/** The safety factor z for a cycle service level (0.95 → 1.645). */
export function zForServiceLevel(serviceLevel: number): number {
  if (!(serviceLevel >= MIN_SERVICE_LEVEL && serviceLevel <= MAX_SERVICE_LEVEL)) {
    throw new ValidationError(`service level must be ${MIN_SERVICE_LEVEL} to ${MAX_SERVICE_LEVEL}`, [
      { field: 'serviceLevel', message: 'out of range' },
    ]);
  }
  return serviceLevel === 0.5 ? 0 : inverseNormalCdf(serviceLevel);
}

/** The UTC days of a window: `days` days ending the day before `today` (today is not complete yet). */
export function windowDays(today: string, days: number): string[] {
  const end = Date.parse(`${today}T00:00:00.000Z`);
  return Array.from({ length: days }, (_, index) =>
    new Date(end - (days - index) * 86_400_000).toISOString().slice(0, 10),
  );
}

/**
 * Units per day over `days` (oldest first), zero for a day with no shipment: a quiet day is demand too,
 * and leaving it out would overstate the mean and understate the variability.
 */
export function dailySeries(
  shipments: readonly { at: string; quantity: number }[],
  days: readonly string[],
): number[] {
  const index = new Map(days.map((day, position) => [day, position]));
  const series = days.map(() => 0);
  for (const shipment of shipments) {
    const position = index.get(shipment.at.slice(0, 10));
    if (position !== undefined) series[position] = (series[position] ?? 0) + shipment.quantity;
  }
  return series;
}

export interface DemandStats {
  days: number;
  total: number;
  /** d: average units per day. */
  mean: number;
  /** σd: sample standard deviation of the daily units (n − 1; 0 with fewer than two days). */
  stdDev: number;
}

export function demandStats(series: readonly number[]): DemandStats {
  const days = series.length;
  const total = series.reduce((sum, units) => sum + units, 0);
  const mean = days === 0 ? 0 : total / days;
  const squares = series.reduce((sum, units) => sum + (units - mean) ** 2, 0);
  return { days, total, mean, stdDev: days < 2 ? 0 : Math.sqrt(squares / (days - 1)) };
}

export type SafetyStockForm = 'fixed-lead-time' | 'variable-lead-time';

/**
 * Safety stock in units (unrounded). With a fixed lead time, z·σd·√L; when the supplier's lead time varies
 * (σL > 0), z·√(L·σd² + d²·σL²), which covers a late delivery as well as a busy lead time.
 */
export function safetyStock(input: {
  z: number;
  demandMean: number;
  demandStdDev: number;
  leadTimeDays: number;
  leadTimeStdDevDays: number;
}): { units: number; form: SafetyStockForm } {
  const { z, demandMean: d, demandStdDev: sd, leadTimeDays: L, leadTimeStdDevDays: sL } = input;
  if (sL > 0) return { units: z * Math.sqrt(L * sd ** 2 + d ** 2 * sL ** 2), form: 'variable-lead-time' };
  return { units: z * sd * Math.sqrt(L), form: 'fixed-lead-time' };
}

/** Wilson's economic order quantity √(2DS/H): D units a year, S per order, H per unit-year (same currency). */
export function economicOrderQuantity(input: {
  annualDemand: number;
  orderCost: number;
  holdingCost: number;
}): number {
  if (!(input.holdingCost > 0)) {
    throw new ValidationError('holding cost must be positive', [
      { field: 'holdingCost', message: 'must be above 0' },
    ]);
  }
  return Math.sqrt((2 * input.annualDemand * input.orderCost) / input.holdingCost);
}

/** Float noise (√ of a perfect square landing a hair above it) must not add a pack. */
const EPSILON = 1e-9;
const ceilUnits = (value: number) => Math.ceil(value - EPSILON) || 0;

/** The smallest multiple of `packSize` that is at least `quantity`. */
export const roundUpToPack = (quantity: number, packSize: number): number =>
  Math.max(0, ceilUnits(quantity / packSize)) * packSize;

export interface ReorderInput {
  sku: string;
  locationId: string;
  /** Units shipped per day over the lookback window, oldest first, zero days included. */
  demand: readonly number[];
  leadTimeDays: number;
  leadTimeStdDevDays: number;
  serviceLevel: number;
  /** S: cost of one purchase order, minor units of `currency`. */
  orderCost: number;
  /** H: cost of holding one unit for a year, minor units of `currency`. */
  holdingCost: number;
  currency: string;
  packSize: number;
  minimumOrderQuantity: number;
  /** The inventory position's parts at this location. */
  onHand: number;
  reserved: number;
  /** Units on open purchase orders (draft, sent, partially received) not received yet. */
  onOrder: number;
}

export interface ReorderPlan {
  sku: string;
  locationId: string;
  demand: DemandStats;
  leadTime: { days: number; stdDevDays: number };
  serviceLevel: number;
  z: number;
  safetyStock: { units: number; exact: number; form: SafetyStockForm };
  /** ⌈d·L + SS⌉ (SS unrounded). */
  reorderPoint: number;
  position: { onHand: number; reserved: number; onOrder: number; total: number };
  annualDemand: number;
  eoq: number;
  /** What would be ordered: EOQ up to whole packs, at least the minimum, enough multiples to clear the ROP. */
  orderQuantity: number;
  /** True when the position is at or below the reorder point and there is demand. */
  reorder: boolean;
  explanation: string;
}

const fixed = (value: number, digits = 2) => value.toFixed(digits);

/**
 * The (s, Q) decision for one SKU at one location. The position is on hand − reserved + on order; at or
 * below the reorder point s = ⌈d·L + SS⌉ the job orders Q: the EOQ rounded up to whole packs, raised to the
 * minimum order quantity (itself rounded up to whole packs), and multiplied when one Q would still leave the
 * position at or below s. No demand in the window means no reorder, whatever the position.
 */
export function planReorder(input: ReorderInput): ReorderPlan {
  for (const [field, value, min] of [
    ['packSize', input.packSize, 1],
    ['minimumOrderQuantity', input.minimumOrderQuantity, 0],
    ['leadTimeDays', input.leadTimeDays, 0],
    ['leadTimeStdDevDays', input.leadTimeStdDevDays, 0],
    ['orderCost', input.orderCost, 0],
  ] as const) {
    if (!(Number.isFinite(value) && value >= min)) {
      throw new ValidationError(`${field} must be at least ${min}`, [{ field, message: 'out of range' }]);
    }
  }
  const demand = demandStats(input.demand);
  const z = zForServiceLevel(input.serviceLevel);
  const L = input.leadTimeDays;
  const ss = safetyStock({
    z,
    demandMean: demand.mean,
    demandStdDev: demand.stdDev,
    leadTimeDays: L,
    leadTimeStdDevDays: input.leadTimeStdDevDays,
  });
  const reorderPoint = ceilUnits(demand.mean * L + ss.units);
  const total = input.onHand - input.reserved + input.onOrder;
  const annualDemand = demand.mean * REPLENISHMENT_DEFAULTS.daysPerYear;
  const eoq = economicOrderQuantity({
    annualDemand,
    orderCost: input.orderCost,
    holdingCost: input.holdingCost,
  });
  const pack = input.packSize;
  const eoqPacked = roundUpToPack(eoq, pack);
  const minimum = roundUpToPack(input.minimumOrderQuantity, pack);
  const single = Math.max(eoqPacked, minimum, pack);
  // (s, nQ): one Q may not lift a position far below s above it; order the fewest multiples that do.
  const multiples = total + single > reorderPoint ? 1 : Math.floor((reorderPoint - total) / single) + 1;
  const orderQuantity = single * multiples;
  const reorder = demand.total > 0 && total <= reorderPoint;

  const money = (minor: number) => `${formatMinorUnits(Math.round(minor), input.currency)} ${input.currency}`;
  const ssFormula =
    ss.form === 'variable-lead-time'
      ? `${fixed(z, 3)}·√(${L}·${fixed(demand.stdDev)}² + ${fixed(demand.mean)}²·${input.leadTimeStdDevDays}²)`
      : `${fixed(z, 3)}·${fixed(demand.stdDev)}·√${L}`;
  const parts = [
    `${input.sku} at ${input.locationId}: demand ${fixed(demand.mean)}/day (σ ${fixed(demand.stdDev)}), ` +
      `${demand.total} units over ${demand.days} days`,
    `lead time ${L} days${input.leadTimeStdDevDays > 0 ? ` (σ ${input.leadTimeStdDevDays})` : ''}`,
    `z ${fixed(z, 3)} for ${fixed(input.serviceLevel * 100, 2).replace(/\.?0+$/, '')}% service`,
    `safety stock ${ssFormula} = ${fixed(ss.units)}`,
    `reorder point ⌈${fixed(demand.mean)}·${L} + ${fixed(ss.units)}⌉ = ${reorderPoint}`,
    `position ${total} (on hand ${input.onHand} − reserved ${input.reserved} + on order ${input.onOrder})`,
  ];
  if (demand.total === 0) {
    parts.push(`no shipments in the last ${demand.days} days: no reorder`);
  } else if (!reorder) {
    parts.push(`above the reorder point: no reorder`);
  } else {
    const sizing = [
      `EOQ √(2·${fixed(annualDemand)}·${money(input.orderCost)}/${money(input.holdingCost)}) = ${fixed(eoq)}`,
      `${eoqPacked} in packs of ${pack}`,
      ...(minimum > eoqPacked ? [`minimum ${minimum}`] : []),
      ...(multiples > 1 ? [`×${multiples} to clear the reorder point`] : []),
    ];
    parts.push(`at or below the reorder point: ${sizing.join(', ')} → order ${orderQuantity}`);
  }
  return {
    sku: input.sku,
    locationId: input.locationId,
    demand,
    leadTime: { days: L, stdDevDays: input.leadTimeStdDevDays },
    serviceLevel: input.serviceLevel,
    z,
    safetyStock: { units: ceilUnits(ss.units), exact: ss.units, form: ss.form },
    reorderPoint,
    position: { onHand: input.onHand, reserved: input.reserved, onOrder: input.onOrder, total },
    annualDemand,
    eoq,
    orderQuantity: reorder ? orderQuantity : 0,
    reorder,
    explanation: `${parts.join('; ')}.`,
  };
}
