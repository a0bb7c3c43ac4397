import { defaultPromiseBusinessDays } from '../config/carriers.js';
import { MAX_WINDOW_MS } from '../domain/disruptions.js';
import { ValidationError } from '../domain/errors.js';
import { type ReportFiles, reportFiles, reportTables, toCsv, trendChartSvg } from '../domain/report-files.js';
import {
  addDays,
  CHART_DAYS,
  type DailyReport,
  DEMAND_DAYS,
  dailyReport,
  promiseDay,
  REPORT_VERSION,
  reportWindow,
  SHIPPED_STATUSES,
  type ShipmentFact,
  startOfDay,
} from '../domain/reporting.js';
import type { Deps } from '../runtime/deps.js';
import {
  abandonedCartsOn,
  allStockRows,
  disruptionsStarted,
  fulfillmentItems,
  ordersEnteredSince,
  shippedUnits,
} from '../store/reporting.js';

/**
 * The daily report (docs/reports.md): sales, SKU trends and stages, inventory health, abandoned carts,
 * fulfillment times and disruptions for one UTC day, written to the bucket as JSON, one CSV per table and an
 * SVG trend chart. Scheduled for the previous day (`reporting`), and built on demand by `GET /reports/daily`.
 * It only reads the table: nothing on the order path waits for it or is written by it.
 */

export type StoredDailyReport = DailyReport & { files: ReportFiles };

/** The earliest day a report is built for: before it there is no data, and dates far back are typos. */
export const FIRST_REPORT_DAY = '2000-01-01';
/** Order partitions and stock rows read at once. */
const READ_CONCURRENCY = 16;

const todayOf = (deps: Pick<Deps, 'clock'>) => deps.clock.now().toISOString().slice(0, 10);

/** The day the schedule reports on: yesterday, the last complete UTC day. */
export const previousDay = (deps: Pick<Deps, 'clock'>) => addDays(todayOf(deps), -1);

/** A day a report can be built for: not in the future, not before FIRST_REPORT_DAY. */
export function checkReportDay(deps: Pick<Deps, 'clock'>, day: string, field = 'date'): void {
  if (day > todayOf(deps)) {
    throw new ValidationError(`${field} ${day} is in the future`, [{ field, message: 'in the future' }]);
  }
  if (day < FIRST_REPORT_DAY) {
    throw new ValidationError(`${field} ${day} is before ${FIRST_REPORT_DAY}`, [
      { field, message: `before ${FIRST_REPORT_DAY}` },
    ]);
  }
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Reads what the day's report needs and computes it (nothing is written). */
export async function composeDailyReport(deps: Deps, day: string): Promise<DailyReport> {
  const window = reportWindow(day);
  const generatedAt = deps.clock.now().toISOString();
  const chartStart = startOfDay(addDays(day, 1 - CHART_DAYS));
  const demandStart = startOfDay(addDays(day, 1 - DEMAND_DAYS));
  // A disruption lasts at most MAX_WINDOW_MS, so one that overlaps the chart started no earlier than this.
  const disruptionsFrom = new Date(Date.parse(chartStart) - MAX_WINDOW_MS).toISOString();
  const [orders, stock, carts, disruptions] = await Promise.all([
    ordersEnteredSince(deps, window.historyStart),
    allStockRows(deps),
    abandonedCartsOn(deps, day),
    disruptionsStarted(deps, disruptionsFrom, window.end),
  ]);
  const shipped = await mapLimit(stock, READ_CONCURRENCY, async (row) => ({
    sku: row.sku,
    locationId: row.locationId,
    units: await shippedUnits(deps, row, demandStart, window.end),
  }));
  // An order that shipped on the day entered `shipped` then, and its updatedAt is at least that late: the
  // orders updated since the day began are the only ones whose partitions can hold the day's shipments.
  const start = Date.parse(window.start);
  const end = Date.parse(window.end);
  const candidates = orders.filter(
    (order) => SHIPPED_STATUSES.includes(order.status) && Date.parse(order.updatedAt ?? '') >= start,
  );
  const facts = await mapLimit(candidates, READ_CONCURRENCY, async (order): Promise<ShipmentFact[]> => {
    const { shipments, pickTickets } = await fulfillmentItems(deps, order.id);
    const promise = promiseDay(order.placedAt, order.promisedBy, defaultPromiseBusinessDays);
    return shipments
      .filter((shipment) => {
        const at = Date.parse(shipment.createdAt);
        return at >= start && at < end;
      })
      .map((shipment) => {
        // A shipment's id is its pick ticket's (`sh_<hash>_<n>` from `pt_<hash>_<n>`).
        const ticket =
          pickTickets.find((t) => t.id === shipment.id.replace(/^sh_/, 'pt_')) ??
          pickTickets.find((t) => t.locationId === shipment.locationId);
        return {
          orderId: order.id,
          shipmentId: shipment.id,
          locationId: shipment.locationId,
          carrier: shipment.carrier,
          placedAt: order.placedAt,
          promiseDay: promise,
          shippedAt: shipment.createdAt,
          ...(ticket ? { pickOpenedAt: ticket.createdAt } : {}),
          ...(ticket?.confirmedAt ? { pickConfirmedAt: ticket.confirmedAt } : {}),
        };
      });
  });
  return dailyReport({
    day,
    generatedAt,
    orders,
    shipments: facts.flat(),
    stock,
    shipped,
    carts,
    disruptions,
  });
}

export const trendChartTitle = (report: Pick<DailyReport, 'day' | 'trendChart'>) =>
  `Daily units, top ${report.trendChart.series.length} SKUs, ${report.trendChart.days[0] ?? report.day} to ${report.day}`;

/** Writes every file of the report; the JSON last, so a JSON in the bucket means the other files are there. */
async function writeReport(
  deps: Deps,
  report: DailyReport,
): Promise<{ report: StoredDailyReport; uri: string }> {
  const files = reportFiles(report.day);
  const stored: StoredDailyReport = { ...report, files };
  for (const [table, rows] of Object.entries(reportTables(report))) {
    const key = files.csv[table];
    if (key) await deps.objects.put(key, toCsv(rows), 'text/csv');
  }
  await deps.objects.put(
    files.trendChart,
    trendChartSvg(report.trendChart, trendChartTitle(report)),
    'image/svg+xml',
  );
  const { uri } = await deps.objects.put(
    files.json,
    `${JSON.stringify(stored, null, 2)}\n`,
    'application/json',
  );
  return { report: stored, uri };
}

/**
 * Builds of a day under way, per runtime: concurrent requests for one day share one build instead of
 * writing the same objects at once.
 */
const building = new WeakMap<Deps, Map<string, Promise<{ report: StoredDailyReport; uri: string }>>>();

function build(deps: Deps, day: string): Promise<{ report: StoredDailyReport; uri: string }> {
  const underWay = building.get(deps) ?? new Map();
  building.set(deps, underWay);
  const existing = underWay.get(day);
  if (existing) return existing;
  const run = (async () => writeReport(deps, await composeDailyReport(deps, day)))().finally(() =>
    underWay.delete(day),
  );
  underWay.set(day, run);
  return run;
}

/** The scheduled job (and its on-demand run with `{ day }`): builds and writes the day's report. */
export async function buildDailyReport(
  deps: Deps,
  input: { day?: string } = {},
): Promise<{ day: string; uri: string; files: number; summary: DailyReport['summary'] }> {
  const day = input.day ?? previousDay(deps);
  checkReportDay(deps, day, 'day');
  const { report, uri } = await build(deps, day);
  return { day, uri, files: Object.keys(report.files.csv).length + 2, summary: report.summary };
}

async function storedReport(deps: Deps, day: string): Promise<StoredDailyReport | undefined> {
  const bytes = await deps.objects.get(reportFiles(day).json);
  if (!bytes) return undefined;
  try {
    const report = JSON.parse(new TextDecoder().decode(bytes)) as StoredDailyReport;
    return report.version === REPORT_VERSION ? report : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The day's report: the stored one when it was built after the day ended (and by this version of the
 * report), otherwise built now and stored. Today's report is always built afresh: the day is not over.
 */
export async function getDailyReport(deps: Deps, day: string): Promise<StoredDailyReport> {
  checkReportDay(deps, day);
  const stored = await storedReport(deps, day);
  if (stored?.complete) return stored;
  return (await build(deps, day)).report;
}

/** The trend chart of the day's report, drawn from the report (stored or built as getDailyReport does). */
export async function getTrendChart(deps: Deps, day: string): Promise<string> {
  const report = await getDailyReport(deps, day);
  return trendChartSvg(report.trendChart, trendChartTitle(report));
}
