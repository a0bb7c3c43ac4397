import { addBusinessDays } from './rate-shopping.js';

/**
 * The daily report's calculations: plain functions over plain data, no AWS. shared/app/reports.ts reads the
 * table and hands the rows in; every rule stated in docs/reports.md is implemented here, and the report
 * carries the same sentences in its `rules` so a reader of the file needs no other document.
 *
 * Days are UTC calendar days (`YYYY-MM-DD`). Money is integer minor units of one currency: every figure that
 * holds money is reported per currency and never added across currencies.
 */

export const REPORT_VERSION = 1;
/** Weeks of sales history read for the trends and the product-cycle stage (the day's week included). */
export const HISTORY_WEEKS = 12;
export const HISTORY_DAYS = HISTORY_WEEKS * 7;
/** Days shown by `salesByDay`, the report's day being the last. */
export const SALES_BY_DAY_DAYS = 7;
/** Days drawn by the trend chart, and how many SKUs it draws. */
export const CHART_DAYS = 28;
export const CHART_SKUS = 5;
/** Length of the top and falling SKU lists. */
export const TOP_SKUS = 10;
/** Days of `shipment` movements behind the average daily demand of inventory health. */
export const DEMAND_DAYS = 28;
/** Stock covering more days of demand than this is overstock. */
export const OVERSTOCK_COVER_DAYS = 90;
/** A SKU whose first sale is fewer days ago than this is in introduction. */
export const INTRODUCTION_DAYS = 28;
/** Change of the last 4 weeks against the 4 before that marks growth (above +20 %) or decline (below −20 %). */
export const STAGE_CHANGE_PERCENT = 20;
/** Orders in these statuses never became a sale: they count as orders placed, not as sales. */
export const NOT_SOLD_STATUSES: readonly string[] = ['failed', 'cancelled'];
/** Statuses an order is in once its goods left (fulfillment is measured on these). */
export const SHIPPED_STATUSES: readonly string[] = ['shipped', 'completed'];
/** Where units go whose order holds no allocation for them (placed, backordered, failed before sourcing). */
export const UNALLOCATED = '(unallocated)';

export const RULES = {
  day: 'A UTC calendar day; an order belongs to the day of its placedAt.',
  sale:
    `An order placed in the period whose status is not ${NOT_SOLD_STATUSES.join(' or ')}. Figures are per ` +
    'currency, in minor units: gross = Σ unit price × quantity; discount = the order discount; net = gross − ' +
    'discount; total = net + shipping + tax.',
  location:
    "A line's units are attributed to locations by the order's allocations; its net (the line discount and a " +
    `share of the rest of the order discount, by line value, taken off) is split by units. Units with no allocation go to ${UNALLOCATED}.`,
  topSkus: `The ${TOP_SKUS} SKUs with the most units sold on the day (ties: SKU id).`,
  fallingSkus:
    `SKUs that sold fewer units in the 7 days ending on the day than in the 7 days before, the ${TOP_SKUS} ` +
    'largest drops in units first (ties: SKU id).',
  demandTrend:
    'Week 0 is the 7 days ending on the day, week 1 the 7 before, and so on. Week over week = (week 0 − week ' +
    '1) / week 1. Against its history = week 0 against the average of weeks 1…n, n being the full weeks since ' +
    `the SKU's first sale (at most ${HISTORY_WEEKS - 1}). Sales are read for ${HISTORY_WEEKS} weeks, so an older first sale is not seen.`,
  productCycleStage:
    'From units sold, the first rule that holds: introduction when the first sale within the ' +
    `${HISTORY_WEEKS}-week history was fewer than ${INTRODUCTION_DAYS} days before the day (0: on the day); ` +
    'decline when the last 4 weeks (weeks 0–3) sold nothing, or less than ' +
    `${100 - STAGE_CHANGE_PERCENT} % of the 4 weeks before (weeks 4–7); growth when they sold more than ` +
    `${100 + STAGE_CHANGE_PERCENT} % of the 4 weeks before; maturity otherwise.`,
  inventoryHealth: `Per SKU and location, stock buckets added up, as of generatedAt. available = max(0, onHand − reserved − safetyStock). Average daily demand = units of shipment movements in the ${DEMAND_DAYS} days ending on the day / ${DEMAND_DAYS}. Days of cover = available / average daily demand (none without demand). stock-out: available 0 with demand; overstock: available with no demand, or cover over ${OVERSTOCK_COVER_DAYS} days; inactive: neither stock nor demand; ok otherwise.`,
  abandonedCarts:
    'Carts whose abandonedAt falls on the day and whose status is still abandoned, by cause (none: "unknown").',
  fulfillment:
    'Shipments (labels) created on the day, of orders now shipped or completed. Hours run from the order’s ' +
    'placedAt to the shipment’s createdAt; pick hours from the pick ticket’s createdAt to its confirmedAt. ' +
    'On time: the shipment’s UTC day is on or before the promise day (the order’s promisedBy, else placedAt ' +
    '+ the default promise in business days). Median and p90 are nearest-rank.',
  disruptions:
    'Disruptions whose [startsAt, endsAt) overlaps the day. A late shipment counts as during a disruption ' +
    'when a disruption naming its carrier or location overlaps the time from placedAt to shipping.',
} as const;

// ----- Days ---------------------------------------------------------------------------------------------

const DAY_MS = 86_400_000;

/** The UTC day of an ISO time, or undefined when it is not one. */
export function dayOf(iso: string): string | undefined {
  const time = Date.parse(iso);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString().slice(0, 10);
}

export const startOfDay = (day: string): string => `${day}T00:00:00.000Z`;

export function addDays(day: string, days: number): string {
  return new Date(Date.parse(startOfDay(day)) + days * DAY_MS).toISOString().slice(0, 10);
}

export interface ReportWindow {
  day: string;
  /** The day's first instant and the next day's first instant (exclusive). */
  start: string;
  end: string;
  /** The history read for trends, oldest first; the last entry is `day`. */
  historyDays: string[];
  historyStart: string;
}

export function reportWindow(day: string): ReportWindow {
  const historyDays = Array.from({ length: HISTORY_DAYS }, (_, i) => addDays(day, i - HISTORY_DAYS + 1));
  return {
    day,
    start: startOfDay(day),
    end: startOfDay(addDays(day, 1)),
    historyDays,
    historyStart: startOfDay(historyDays[0] as string),
  };
}

// ----- Numbers ------------------------------------------------------------------------------------------

/** One decimal, without -0. */
export const round1 = (value: number): number => Math.round(value * 10) / 10 + 0;
export const round2 = (value: number): number => Math.round(value * 100) / 100 + 0;

/** (now − before) / before in percent, one decimal; null when there is nothing to compare with. */
export const changePercent = (now: number, before: number): number | null =>
  before > 0 ? round1(((now - before) / before) * 100) : null;

/**
 * Splits a non-negative integer amount in proportion to non-negative weights, exactly: each share is rounded
 * down and the units left over go to the largest remainders (ties: the earlier weight). All-zero weights
 * split evenly. BigInt, because amount × weight can pass 2^53 for large orders.
 */
export function splitAmount(amount: number, weights: readonly number[]): number[] {
  if (weights.length === 0) return [];
  const sum = weights.reduce((a, b) => a + b, 0);
  const used = sum > 0 ? weights : weights.map(() => 1);
  const total = BigInt(sum > 0 ? sum : weights.length);
  const big = BigInt(amount);
  const parts = used.map((weight) => {
    const product = big * BigInt(weight);
    return { share: product / total, remainder: product % total };
  });
  let left = big - parts.reduce((a, part) => a + part.share, 0n);
  const byRemainder = parts
    .map((part, index) => ({ index, remainder: part.remainder }))
    .sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1));
  const shares = parts.map((part) => part.share);
  for (const { index } of byRemainder) {
    if (left <= 0n) break;
    shares[index] = (shares[index] as bigint) + 1n;
    left -= 1n;
  }
  return shares.map(Number);
}

/** Nearest-rank percentile (p in 1…100) of values; undefined for none. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

export interface HoursSummary {
  count: number;
  average: number | null;
  median: number | null;
  p90: number | null;
}

export function hoursSummary(hours: readonly number[]): HoursSummary {
  if (hours.length === 0) return { count: 0, average: null, median: null, p90: null };
  return {
    count: hours.length,
    average: round1(hours.reduce((a, b) => a + b, 0) / hours.length),
    median: round1(percentile(hours, 50) as number),
    p90: round1(percentile(hours, 90) as number),
  };
}

const byKey =
  <T>(key: (item: T) => string) =>
  (a: T, b: T) => {
    const x = key(a);
    const y = key(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };

// ----- Orders and sales ---------------------------------------------------------------------------------

export interface ReportOrderLine {
  sku: string;
  quantity: number;
  unitPrice: number;
  discount?: number;
}

/** What the report needs of an order (an OrderRecord fits). */
export interface ReportOrder {
  id: string;
  channel: string;
  currency: string;
  status: string;
  placedAt: string;
  updatedAt?: string;
  /** The promise the customer was given, when one was stored (ISO date or time). */
  promisedBy?: string;
  lines: readonly ReportOrderLine[];
  totals: { subtotal: number; discount: number; shipping: number; tax: number; grand: number };
  allocations?: readonly { locationId: string; lines: readonly { sku: string; quantity: number }[] }[];
}

export const isSale = (order: Pick<ReportOrder, 'status'>): boolean =>
  !NOT_SOLD_STATUSES.includes(order.status);

/**
 * Each line's net: its value less its own discount and a share of the order discount no line carries, split
 * by the lines' value after their own discounts. The nets add up to subtotal − discount.
 */
export function lineNets(order: Pick<ReportOrder, 'lines' | 'totals'>): number[] {
  const gross = order.lines.map((line) => line.unitPrice * line.quantity);
  const own = order.lines.map((line) => line.discount ?? 0);
  const ownTotal = own.reduce((a, b) => a + b, 0);
  const rest = Math.max(0, order.totals.discount - ownTotal);
  const shares = splitAmount(
    rest,
    gross.map((value, i) => Math.max(0, value - (own[i] ?? 0))),
  );
  return gross.map((value, i) => value - (own[i] ?? 0) - (shares[i] ?? 0));
}

export interface SkuLocationSale {
  sku: string;
  locationId: string;
  units: number;
  net: number;
}

/**
 * The order's units and net per SKU and location. A SKU's units go to the locations its allocations name
 * (by location id, never more than the order holds), the rest to UNALLOCATED; its net follows the units.
 */
export function skuLocationSales(order: ReportOrder): SkuLocationSale[] {
  const nets = lineNets(order);
  const bySku = new Map<string, { units: number; net: number }>();
  order.lines.forEach((line, i) => {
    const entry = bySku.get(line.sku) ?? { units: 0, net: 0 };
    entry.units += line.quantity;
    entry.net += nets[i] ?? 0;
    bySku.set(line.sku, entry);
  });
  const allocated = new Map<string, Map<string, number>>();
  for (const allocation of order.allocations ?? []) {
    for (const line of allocation.lines) {
      const perLocation = allocated.get(line.sku) ?? new Map<string, number>();
      perLocation.set(allocation.locationId, (perLocation.get(allocation.locationId) ?? 0) + line.quantity);
      allocated.set(line.sku, perLocation);
    }
  }
  const rows: SkuLocationSale[] = [];
  for (const [sku, { units, net }] of [...bySku].sort(byKey(([sku]) => sku))) {
    let left = units;
    const parts: { locationId: string; units: number }[] = [];
    for (const [locationId, quantity] of [...(allocated.get(sku) ?? [])].sort(byKey(([id]) => id))) {
      const taken = Math.min(left, quantity);
      if (taken > 0) parts.push({ locationId, units: taken });
      left -= taken;
    }
    if (left > 0) parts.push({ locationId: UNALLOCATED, units: left });
    const shares = splitAmount(
      net,
      parts.map((part) => part.units),
    );
    parts.forEach((part, i) => {
      rows.push({ sku, locationId: part.locationId, units: part.units, net: shares[i] ?? 0 });
    });
  }
  return rows;
}

export interface SalesFigures {
  orders: number;
  units: number;
  gross: number;
  discount: number;
  net: number;
  shipping: number;
  tax: number;
  total: number;
}

const emptyFigures = (): SalesFigures => ({
  orders: 0,
  units: 0,
  gross: 0,
  discount: 0,
  net: 0,
  shipping: 0,
  tax: 0,
  total: 0,
});

function addOrder(figures: SalesFigures, order: ReportOrder): void {
  figures.orders += 1;
  figures.units += order.lines.reduce((sum, line) => sum + line.quantity, 0);
  figures.gross += order.totals.subtotal;
  figures.discount += order.totals.discount;
  figures.net += order.totals.subtotal - order.totals.discount;
  figures.shipping += order.totals.shipping;
  figures.tax += order.totals.tax;
  figures.total += order.totals.grand;
}

/** Groups orders by a key and currency, sorted by both. */
function figuresBy<K extends string>(
  orders: readonly ReportOrder[],
  name: K,
  key: (order: ReportOrder) => string,
): (Record<K, string> & { currency: string } & SalesFigures)[] {
  const groups = new Map<string, { key: string; currency: string; figures: SalesFigures }>();
  for (const order of orders) {
    const id = `${key(order)}\u0000${order.currency}`;
    const group = groups.get(id) ?? { key: key(order), currency: order.currency, figures: emptyFigures() };
    addOrder(group.figures, order);
    groups.set(id, group);
  }
  return [...groups.values()].sort(byKey((group) => `${group.key}\u0000${group.currency}`)).map(
    (group) =>
      ({ [name]: group.key, currency: group.currency, ...group.figures }) as Record<K, string> & {
        currency: string;
      } & SalesFigures,
  );
}

export type CurrencyFigures = { currency: string } & SalesFigures;
export type DaySales = { day: string } & CurrencyFigures;
export type ChannelSales = { channel: string } & CurrencyFigures;

export interface LocationSales {
  locationId: string;
  currency: string;
  orders: number;
  units: number;
  net: number;
}

/** Sales per currency for each of `days`: every day appears for every currency sold in any of them. */
export function salesByDay(sales: readonly ReportOrder[], days: readonly string[]): DaySales[] {
  const wanted = new Set(days);
  const inDays = sales.filter((order) => wanted.has(dayOf(order.placedAt) ?? ''));
  const rows = figuresBy(inDays, 'day', (order) => dayOf(order.placedAt) as string);
  const currencies = [...new Set(rows.map((row) => row.currency))].sort();
  return [...days].sort().flatMap((day) =>
    currencies.map(
      (currency) =>
        rows.find((row) => row.day === day && row.currency === currency) ?? {
          day,
          currency,
          ...emptyFigures(),
        },
    ),
  );
}

export const salesByChannel = (sales: readonly ReportOrder[]): ChannelSales[] =>
  figuresBy(sales, 'channel', (order) => order.channel);

export const salesByCurrency = (sales: readonly ReportOrder[]): CurrencyFigures[] =>
  figuresBy(sales, 'currency', (order) => order.currency);

export function salesByLocation(sales: readonly ReportOrder[]): LocationSales[] {
  const groups = new Map<string, LocationSales & { orderIds: Set<string> }>();
  for (const order of sales) {
    for (const row of skuLocationSales(order)) {
      const id = `${row.locationId}\u0000${order.currency}`;
      const group = groups.get(id) ?? {
        locationId: row.locationId,
        currency: order.currency,
        orders: 0,
        units: 0,
        net: 0,
        orderIds: new Set<string>(),
      };
      group.units += row.units;
      group.net += row.net;
      group.orderIds.add(order.id);
      groups.set(id, group);
    }
  }
  return [...groups.values()]
    .sort(byKey((group) => `${group.locationId}\u0000${group.currency}`))
    .map(({ orderIds, ...group }) => ({ ...group, orders: orderIds.size }));
}

// ----- SKU demand ---------------------------------------------------------------------------------------

/** Units sold per SKU on each of `days` (same order as `days`). */
export function dailyUnitsBySku(
  sales: readonly ReportOrder[],
  days: readonly string[],
): Map<string, number[]> {
  const index = new Map(days.map((day, i) => [day, i] as const));
  const units = new Map<string, number[]>();
  for (const order of sales) {
    const i = index.get(dayOf(order.placedAt) ?? '');
    if (i === undefined) continue;
    for (const line of order.lines) {
      const series = units.get(line.sku) ?? days.map(() => 0);
      series[i] = (series[i] ?? 0) + line.quantity;
      units.set(line.sku, series);
    }
  }
  return units;
}

export type ProductCycleStage = 'introduction' | 'growth' | 'maturity' | 'decline';

export interface StageInput {
  /** Whole days from the first sale's day to the report's day (0: first sold on the day). */
  daysSinceFirstSale: number;
  last4Weeks: number;
  previous4Weeks: number;
}

/** The product-cycle stage and the sentence that says why (rule: RULES.productCycleStage). */
export function productCycleStage(input: StageInput): { stage: ProductCycleStage; reason: string } {
  const { daysSinceFirstSale: age, last4Weeks: last, previous4Weeks: before } = input;
  if (age < INTRODUCTION_DAYS) {
    return { stage: 'introduction', reason: `first sale ${age} days ago (< ${INTRODUCTION_DAYS})` };
  }
  const versus = `last 4 weeks ${last} units vs ${before} in the 4 before`;
  const change = changePercent(last, before);
  const pct = change === null ? '' : ` (${change > 0 ? '+' : ''}${change} %)`;
  // Integer comparisons: last < 80 % of before ⇔ 100·last < 80·before, and so on.
  if (last === 0) return { stage: 'decline', reason: `no sales in the last 4 weeks; ${versus}` };
  if (100 * last < (100 - STAGE_CHANGE_PERCENT) * before) {
    return { stage: 'decline', reason: `${versus}${pct}, below −${STAGE_CHANGE_PERCENT} %` };
  }
  if (100 * last > (100 + STAGE_CHANGE_PERCENT) * before) {
    return { stage: 'growth', reason: `${versus}${pct}, above +${STAGE_CHANGE_PERCENT} %` };
  }
  return { stage: 'maturity', reason: `${versus}${pct}, within ±${STAGE_CHANGE_PERCENT} %` };
}

export interface SkuTrend {
  sku: string;
  unitsDay: number;
  /** Week 0 and week 1 (RULES.demandTrend). */
  unitsThisWeek: number;
  unitsLastWeek: number;
  weekOverWeekPercent: number | null;
  /** Average units per week over weeks 1…n; null before a full week of history. */
  weeklyAverage: number | null;
  historyWeeks: number;
  vsHistoryPercent: number | null;
  firstSaleDay: string;
  last4Weeks: number;
  previous4Weeks: number;
  stage: ProductCycleStage;
  stageReason: string;
}

/** Weekly sums of a daily series whose last entry is the report's day: week 0 first. */
export function weeklyUnits(series: readonly number[]): number[] {
  const weeks: number[] = [];
  for (let end = series.length; end > 0; end -= 7) {
    weeks.push(series.slice(Math.max(0, end - 7), end).reduce((a, b) => a + b, 0));
  }
  return weeks;
}

/** One SKU's trend from its daily units over `days` (the last being the report's day); undefined if unsold. */
export function skuTrend(
  sku: string,
  series: readonly number[],
  days: readonly string[],
): SkuTrend | undefined {
  const first = series.findIndex((units) => units > 0);
  if (first < 0) return undefined;
  const last = series.length - 1;
  const weeks = weeklyUnits(series);
  const week = (k: number) => weeks[k] ?? 0;
  const age = last - first;
  const historyWeeks = Math.min(weeks.length - 1, Math.floor(age / 7));
  const historyUnits = weeks.slice(1, historyWeeks + 1).reduce((a, b) => a + b, 0);
  const last4Weeks = week(0) + week(1) + week(2) + week(3);
  const previous4Weeks = week(4) + week(5) + week(6) + week(7);
  const { stage, reason } = productCycleStage({ daysSinceFirstSale: age, last4Weeks, previous4Weeks });
  return {
    sku,
    unitsDay: series[last] ?? 0,
    unitsThisWeek: week(0),
    unitsLastWeek: week(1),
    weekOverWeekPercent: changePercent(week(0), week(1)),
    weeklyAverage: historyWeeks > 0 ? round1(historyUnits / historyWeeks) : null,
    historyWeeks,
    // week 0 against historyUnits / historyWeeks, without rounding the average first.
    vsHistoryPercent: historyWeeks > 0 ? changePercent(week(0) * historyWeeks, historyUnits) : null,
    firstSaleDay: days[first] as string,
    last4Weeks,
    previous4Weeks,
    stage,
    stageReason: reason,
  };
}

/** Every SKU sold in the history, most units this week first (ties: SKU id). */
export function skuTrends(
  units: ReadonlyMap<string, readonly number[]>,
  days: readonly string[],
): SkuTrend[] {
  return [...units]
    .flatMap(([sku, series]) => {
      const trend = skuTrend(sku, series, days);
      return trend ? [trend] : [];
    })
    .sort((a, b) => b.unitsThisWeek - a.unitsThisWeek || (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
}

export interface TopSku {
  rank: number;
  sku: string;
  units: number;
  orders: number;
  unitsThisWeek: number;
  stage: ProductCycleStage;
}

export function topSkus(trends: readonly SkuTrend[], sales: readonly ReportOrder[], day: string): TopSku[] {
  const orders = new Map<string, Set<string>>();
  for (const order of sales) {
    if (dayOf(order.placedAt) !== day) continue;
    for (const line of order.lines) orders.set(line.sku, (orders.get(line.sku) ?? new Set()).add(order.id));
  }
  return trends
    .filter((trend) => trend.unitsDay > 0)
    .sort((a, b) => b.unitsDay - a.unitsDay || (a.sku < b.sku ? -1 : 1))
    .slice(0, TOP_SKUS)
    .map((trend, i) => ({
      rank: i + 1,
      sku: trend.sku,
      units: trend.unitsDay,
      orders: orders.get(trend.sku)?.size ?? 0,
      unitsThisWeek: trend.unitsThisWeek,
      stage: trend.stage,
    }));
}

export interface FallingSku {
  sku: string;
  unitsThisWeek: number;
  unitsLastWeek: number;
  change: number;
  changePercent: number | null;
  stage: ProductCycleStage;
}

export function fallingSkus(trends: readonly SkuTrend[]): FallingSku[] {
  return trends
    .filter((trend) => trend.unitsThisWeek < trend.unitsLastWeek)
    .map((trend) => ({
      sku: trend.sku,
      unitsThisWeek: trend.unitsThisWeek,
      unitsLastWeek: trend.unitsLastWeek,
      change: trend.unitsThisWeek - trend.unitsLastWeek,
      changePercent: trend.weekOverWeekPercent,
      stage: trend.stage,
    }))
    .sort((a, b) => a.change - b.change || (a.sku < b.sku ? -1 : 1))
    .slice(0, TOP_SKUS);
}

// ----- Inventory health ---------------------------------------------------------------------------------

/** A stock row (one bucket) as stored. */
export interface StockRow {
  sku: string;
  locationId: string;
  onHand: number;
  reserved: number;
  safetyStock: number;
}

export interface ShippedUnits {
  sku: string;
  locationId: string;
  units: number;
}

export type StockStatus = 'stock-out' | 'overstock' | 'ok' | 'inactive';

export interface InventoryHealthRow {
  sku: string;
  locationId: string;
  onHand: number;
  reserved: number;
  safetyStock: number;
  available: number;
  shippedUnits: number;
  averageDailyDemand: number;
  daysOfCover: number | null;
  status: StockStatus;
}

export interface InventoryHealth {
  demandDays: number;
  overstockCoverDays: number;
  stockOuts: number;
  overstocked: number;
  rows: InventoryHealthRow[];
}

export function inventoryHealth(
  rows: readonly StockRow[],
  shipped: readonly ShippedUnits[],
): InventoryHealth {
  const key = (row: { sku: string; locationId: string }) => `${row.sku}\u0000${row.locationId}`;
  const positions = new Map<string, StockRow>();
  for (const row of rows) {
    const position = positions.get(key(row)) ?? {
      sku: row.sku,
      locationId: row.locationId,
      onHand: 0,
      reserved: 0,
      safetyStock: 0,
    };
    position.onHand += row.onHand;
    position.reserved += row.reserved;
    position.safetyStock += row.safetyStock;
    positions.set(key(row), position);
  }
  const demand = new Map<string, number>();
  for (const row of shipped) demand.set(key(row), (demand.get(key(row)) ?? 0) + row.units);
  const health = [...positions.entries()]
    .sort(byKey(([id]) => id))
    .map(([id, position]): InventoryHealthRow => {
      const available = Math.max(0, position.onHand - position.reserved - position.safetyStock);
      const units = demand.get(id) ?? 0;
      // Cover above the threshold ⇔ available / (units / D) > T ⇔ available · D > T · units (integers).
      const status: StockStatus =
        units > 0
          ? available === 0
            ? 'stock-out'
            : available * DEMAND_DAYS > OVERSTOCK_COVER_DAYS * units
              ? 'overstock'
              : 'ok'
          : available > 0
            ? 'overstock'
            : 'inactive';
      return {
        ...position,
        available,
        shippedUnits: units,
        averageDailyDemand: round2(units / DEMAND_DAYS),
        daysOfCover: units > 0 ? round1((available * DEMAND_DAYS) / units) : null,
        status,
      };
    });
  return {
    demandDays: DEMAND_DAYS,
    overstockCoverDays: OVERSTOCK_COVER_DAYS,
    stockOuts: health.filter((row) => row.status === 'stock-out').length,
    overstocked: health.filter((row) => row.status === 'overstock').length,
    rows: health,
  };
}

// ----- Disruptions --------------------------------------------------------------------------------------

/** A disruption as `POST /disruptions` stores it. */
export interface Disruption {
  id: string;
  kind: string;
  severity: string | number;
  startsAt: string;
  endsAt: string;
  /** `{ postalPrefixes }` or `{ center: { lat, lon }, radiusKm }` (shared/domain/disruptions.ts). */
  area: unknown;
  carriers?: readonly string[];
  locations?: readonly string[];
  affectedOrders: number;
  repromised: number;
  createdAt?: string;
}

/** [startsAt, endsAt) overlaps [from, to); a disruption with no valid end is still going. */
export function overlaps(disruption: Pick<Disruption, 'startsAt' | 'endsAt'>, from: string, to: string) {
  const starts = Date.parse(disruption.startsAt);
  const parsedEnd = Date.parse(disruption.endsAt);
  const ends = Number.isNaN(parsedEnd) ? Number.POSITIVE_INFINITY : parsedEnd;
  return !Number.isNaN(starts) && starts < Date.parse(to) && ends > Date.parse(from);
}

/** The area as one line of text: `postal 100 101` or `52.1,4.3 r 25 km`. */
export function describeArea(area: unknown): string {
  if (typeof area === 'string') return area;
  if (area && typeof area === 'object') {
    const { postalPrefixes, center, radiusKm } = area as {
      postalPrefixes?: unknown;
      center?: { lat?: unknown; lon?: unknown };
      radiusKm?: unknown;
    };
    if (Array.isArray(postalPrefixes)) return `postal ${postalPrefixes.map(String).join(' ')}`;
    if (center && typeof center === 'object') return `${center.lat},${center.lon} r ${radiusKm} km`;
  }
  return area === undefined ? '' : JSON.stringify(area);
}

export interface DisruptionsSection {
  count: number;
  affectedOrders: number;
  repromised: number;
  items: Disruption[];
}

export function disruptionsSection(
  disruptions: readonly Disruption[],
  window: Pick<ReportWindow, 'start' | 'end'>,
): DisruptionsSection {
  const items = disruptions
    .filter((d) => overlaps(d, window.start, window.end))
    .sort(byKey((d) => `${d.startsAt}\u0000${d.id}`));
  return {
    count: items.length,
    affectedOrders: items.reduce((sum, d) => sum + (Number(d.affectedOrders) || 0), 0),
    repromised: items.reduce((sum, d) => sum + (Number(d.repromised) || 0), 0),
    items,
  };
}

// ----- Fulfillment --------------------------------------------------------------------------------------

/** The promise day: the order's own promise if it has one, else placedAt + business days. */
export function promiseDay(placedAt: string, promisedBy: string | undefined, businessDays: number): string {
  const own = promisedBy ? dayOf(promisedBy) : undefined;
  return own ?? addBusinessDays(new Date(placedAt), businessDays).toISOString().slice(0, 10);
}

export interface ShipmentFact {
  orderId: string;
  shipmentId: string;
  locationId: string;
  carrier: string;
  placedAt: string;
  promiseDay: string;
  shippedAt: string;
  pickOpenedAt?: string;
  pickConfirmedAt?: string;
}

export interface FulfillmentLocation {
  locationId: string;
  shipments: number;
  onTime: number;
  late: number;
  onTimePercent: number | null;
  averageHours: number | null;
  medianHours: number | null;
}

export interface FulfillmentSection {
  shipments: number;
  onTime: number;
  late: number;
  onTimePercent: number | null;
  lateDuringDisruption: number;
  placedToShippedHours: HoursSummary;
  pickHours: HoursSummary;
  byLocation: FulfillmentLocation[];
  lateShipments: { orderId: string; shipmentId: string; promiseDay: string; shippedDay: string }[];
}

const hoursBetween = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 3_600_000;
const isOnTime = (fact: ShipmentFact) => (dayOf(fact.shippedAt) ?? '') <= fact.promiseDay;

function locationFigures(locationId: string, facts: readonly ShipmentFact[]): FulfillmentLocation {
  const onTime = facts.filter(isOnTime).length;
  const hours = hoursSummary(facts.map((fact) => hoursBetween(fact.placedAt, fact.shippedAt)));
  return {
    locationId,
    shipments: facts.length,
    onTime,
    late: facts.length - onTime,
    onTimePercent: facts.length > 0 ? round1((onTime / facts.length) * 100) : null,
    averageHours: hours.average,
    medianHours: hours.median,
  };
}

export function fulfillmentSection(
  facts: readonly ShipmentFact[],
  disruptions: readonly Disruption[],
): FulfillmentSection {
  const sorted = [...facts].sort(byKey((fact) => `${fact.shippedAt}\u0000${fact.shipmentId}`));
  const late = sorted.filter((fact) => !isOnTime(fact));
  const duringDisruption = late.filter((fact) =>
    disruptions.some(
      (d) =>
        overlaps(d, fact.placedAt, fact.shippedAt) &&
        ((d.carriers ?? []).includes(fact.carrier) || (d.locations ?? []).includes(fact.locationId)),
    ),
  );
  const locations = [...new Set(sorted.map((fact) => fact.locationId))].sort();
  const all = locationFigures('(all)', sorted);
  return {
    shipments: all.shipments,
    onTime: all.onTime,
    late: all.late,
    onTimePercent: all.onTimePercent,
    lateDuringDisruption: duringDisruption.length,
    placedToShippedHours: hoursSummary(sorted.map((fact) => hoursBetween(fact.placedAt, fact.shippedAt))),
    pickHours: hoursSummary(
      sorted.flatMap((fact) =>
        fact.pickOpenedAt && fact.pickConfirmedAt
          ? [hoursBetween(fact.pickOpenedAt, fact.pickConfirmedAt)]
          : [],
      ),
    ),
    byLocation: locations.map((id) =>
      locationFigures(
        id,
        sorted.filter((fact) => fact.locationId === id),
      ),
    ),
    lateShipments: late.map((fact) => ({
      orderId: fact.orderId,
      shipmentId: fact.shipmentId,
      promiseDay: fact.promiseDay,
      shippedDay: dayOf(fact.shippedAt) as string,
    })),
  };
}

// ----- Abandoned carts ----------------------------------------------------------------------------------

/** A cart as the carts work stores it (docs/reports.md); only these attributes are read. */
export interface AbandonedCart {
  id: string;
  status: string;
  abandonedAt: string;
  cause?: string;
  currency?: string;
  /** Minor units of `currency`; when absent, Σ quantity × unitPrice of `lines`. */
  subtotal?: number;
  lines?: readonly { sku: string; quantity: number; unitPrice?: number }[];
}

export interface AbandonedCartsSection {
  carts: number;
  byCause: { cause: string; carts: number; percent: number }[];
  valueByCurrency: { currency: string; carts: number; value: number }[];
}

export function abandonedCartsSection(carts: readonly AbandonedCart[], day: string): AbandonedCartsSection {
  const kept = carts.filter((cart) => cart.status === 'abandoned' && dayOf(cart.abandonedAt) === day);
  const causes = new Map<string, number>();
  const values = new Map<string, { carts: number; value: number }>();
  for (const cart of kept) {
    const cause = cart.cause?.trim() || 'unknown';
    causes.set(cause, (causes.get(cause) ?? 0) + 1);
    if (cart.currency) {
      const value =
        typeof cart.subtotal === 'number'
          ? cart.subtotal
          : (cart.lines ?? []).reduce((sum, line) => sum + line.quantity * (line.unitPrice ?? 0), 0);
      const entry = values.get(cart.currency) ?? { carts: 0, value: 0 };
      entry.carts += 1;
      entry.value += value;
      values.set(cart.currency, entry);
    }
  }
  return {
    carts: kept.length,
    byCause: [...causes]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([cause, count]) => ({ cause, carts: count, percent: round1((count / kept.length) * 100) })),
    valueByCurrency: [...values]
      .sort(byKey(([currency]) => currency))
      .map(([currency, entry]) => ({ currency, ...entry })),
  };
}

// ----- The report ---------------------------------------------------------------------------------------

export interface TrendChart {
  /** The chart's days, oldest first; the last is the report's day. */
  days: string[];
  /** The CHART_SKUS SKUs with the most units over `days` (ties: SKU id), and their daily units. */
  series: { sku: string; total: number; units: number[] }[];
  /** Disruptions overlapping `days`, drawn as bands. */
  disruptions: { id: string; kind: string; from: string; to: string }[];
}

export interface DailyReport {
  report: 'daily';
  version: number;
  day: string;
  window: { start: string; end: string };
  generatedAt: string;
  /** True once the report was generated after the day ended. */
  complete: boolean;
  rules: typeof RULES;
  summary: {
    ordersPlaced: number;
    ordersByStatus: Record<string, number>;
    sales: number;
    unitsSold: number;
    byCurrency: CurrencyFigures[];
  };
  salesByDay: DaySales[];
  salesByChannel: ChannelSales[];
  salesByLocation: LocationSales[];
  topSkus: TopSku[];
  fallingSkus: FallingSku[];
  demandTrends: SkuTrend[];
  inventoryHealth: InventoryHealth;
  abandonedCarts: AbandonedCartsSection;
  fulfillment: FulfillmentSection;
  disruptions: DisruptionsSection;
  trendChart: TrendChart;
}

export interface DailyReportInput {
  day: string;
  generatedAt: string;
  /** Orders that may have been placed in the history (others are ignored). */
  orders: readonly ReportOrder[];
  shipments: readonly ShipmentFact[];
  stock: readonly StockRow[];
  shipped: readonly ShippedUnits[];
  carts: readonly AbandonedCart[];
  disruptions: readonly Disruption[];
}

export function trendChart(
  units: ReadonlyMap<string, readonly number[]>,
  disruptions: readonly Disruption[],
  window: ReportWindow,
): TrendChart {
  const days = window.historyDays.slice(-CHART_DAYS);
  const series = [...units]
    .map(([sku, daily]) => {
      const recent = daily.slice(-CHART_DAYS);
      return { sku, total: recent.reduce((a, b) => a + b, 0), units: recent };
    })
    .filter((entry) => entry.total > 0)
    .sort((a, b) => b.total - a.total || (a.sku < b.sku ? -1 : 1))
    .slice(0, CHART_SKUS);
  const from = startOfDay(days[0] as string);
  return {
    days,
    series,
    disruptions: disruptions
      .filter((d) => overlaps(d, from, window.end))
      .sort(byKey((d) => `${d.startsAt}\u0000${d.id}`))
      .map((d) => ({
        id: d.id,
        kind: d.kind,
        from: dayOf(d.startsAt) as string,
        to: dayOf(d.endsAt) ?? window.day,
      })),
  };
}

export function dailyReport(input: DailyReportInput): DailyReport {
  const window = reportWindow(input.day);
  const inHistory = new Set(window.historyDays);
  const placedInHistory = input.orders.filter((order) => inHistory.has(dayOf(order.placedAt) ?? ''));
  const placedOnDay = placedInHistory.filter((order) => dayOf(order.placedAt) === input.day);
  const sales = placedInHistory.filter(isSale);
  const salesOfDay = placedOnDay.filter(isSale);
  const ordersByStatus: Record<string, number> = {};
  for (const order of [...placedOnDay].sort(byKey((o) => o.status))) {
    ordersByStatus[order.status] = (ordersByStatus[order.status] ?? 0) + 1;
  }
  const units = dailyUnitsBySku(sales, window.historyDays);
  const trends = skuTrends(units, window.historyDays);
  return {
    report: 'daily',
    version: REPORT_VERSION,
    day: input.day,
    window: { start: window.start, end: window.end },
    generatedAt: input.generatedAt,
    complete: input.generatedAt >= window.end,
    rules: RULES,
    summary: {
      ordersPlaced: placedOnDay.length,
      ordersByStatus,
      sales: salesOfDay.length,
      unitsSold: salesOfDay.reduce((sum, o) => sum + o.lines.reduce((s, line) => s + line.quantity, 0), 0),
      byCurrency: salesByCurrency(salesOfDay),
    },
    salesByDay: salesByDay(sales, window.historyDays.slice(-SALES_BY_DAY_DAYS)),
    salesByChannel: salesByChannel(salesOfDay),
    salesByLocation: salesByLocation(salesOfDay),
    topSkus: topSkus(trends, salesOfDay, input.day),
    fallingSkus: fallingSkus(trends),
    demandTrends: trends,
    inventoryHealth: inventoryHealth(input.stock, input.shipped),
    abandonedCarts: abandonedCartsSection(input.carts, input.day),
    fulfillment: fulfillmentSection(
      input.shipments.filter((fact) => dayOf(fact.shippedAt) === input.day),
      input.disruptions,
    ),
    disruptions: disruptionsSection(input.disruptions, window),
    trendChart: trendChart(units, input.disruptions, window),
  };
}
