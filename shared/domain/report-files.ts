import { formatMinorUnits, isKnownCurrency } from './money.js';
import { type CurrencyFigures, type DailyReport, describeArea, type TrendChart } from './reporting.js';

/**
 * The daily report as files: one CSV per table and the trend chart as a hand-written SVG. Pure: the same
 * report gives the same bytes. CSV money columns are decimals of their row's currency (as the ledger export
 * writes them); the JSON keeps minor units.
 */

type Cell = string | number | null | undefined;

const csvCell = (value: Cell): string => {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** RFC 4180: comma-separated, CRLF line ends, fields with a comma, quote or line break quoted. */
export const toCsv = (rows: readonly (readonly Cell[])[]): string =>
  `${rows.map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`;

const money = (minor: number, currency: string): string =>
  isKnownCurrency(currency) ? formatMinorUnits(minor, currency) : String(minor);

const MONEY_COLUMNS = ['gross', 'discount', 'net', 'shipping', 'tax', 'total'] as const;

/** The tables each report writes, in this order (`reports/daily/<day>-<table>.csv`). */
export const REPORT_TABLES = [
  'sales-by-day',
  'sales-by-channel',
  'sales-by-location',
  'top-skus',
  'falling-skus',
  'demand-trends',
  'inventory-health',
  'abandoned-carts',
  'fulfillment',
  'disruptions',
] as const;
export type ReportTable = (typeof REPORT_TABLES)[number];

/** Bucket keys of a day's report: derived from the day, so a re-run overwrites the same objects. */
export interface ReportFiles {
  json: string;
  trendChart: string;
  csv: Record<string, string>;
}

export const reportFiles = (day: string): ReportFiles => ({
  json: `reports/daily/${day}.json`,
  trendChart: `reports/daily/${day}-trend.svg`,
  csv: Object.fromEntries(REPORT_TABLES.map((table) => [table, `reports/daily/${day}-${table}.csv`])),
});

/** The tables of the report, by the name of their file (`reports/daily/<day>-<name>.csv`). */
export function reportTables(report: DailyReport): Record<ReportTable, Cell[][]> {
  const figures = (row: CurrencyFigures) => [
    row.orders,
    row.units,
    ...MONEY_COLUMNS.map((column) => money(row[column], row.currency)),
  ];
  const health = report.inventoryHealth;
  const fulfillment = report.fulfillment;
  return {
    'sales-by-day': [
      ['day', 'currency', 'orders', 'units', ...MONEY_COLUMNS],
      ...report.salesByDay.map((row) => [row.day, row.currency, ...figures(row)]),
    ],
    'sales-by-channel': [
      ['channel', 'currency', 'orders', 'units', ...MONEY_COLUMNS],
      ...report.salesByChannel.map((row) => [row.channel, row.currency, ...figures(row)]),
    ],
    'sales-by-location': [
      ['location_id', 'currency', 'orders', 'units', 'net'],
      ...report.salesByLocation.map((row) => [
        row.locationId,
        row.currency,
        row.orders,
        row.units,
        money(row.net, row.currency),
      ]),
    ],
    'top-skus': [
      ['rank', 'sku', 'units', 'orders', 'units_this_week', 'stage'],
      ...report.topSkus.map((row) => [
        row.rank,
        row.sku,
        row.units,
        row.orders,
        row.unitsThisWeek,
        row.stage,
      ]),
    ],
    'falling-skus': [
      ['sku', 'units_this_week', 'units_last_week', 'change', 'change_percent', 'stage'],
      ...report.fallingSkus.map((row) => [
        row.sku,
        row.unitsThisWeek,
        row.unitsLastWeek,
        row.change,
        row.changePercent,
        row.stage,
      ]),
    ],
    'demand-trends': [
      [
        'sku',
        'units_day',
        'units_this_week',
        'units_last_week',
        'week_over_week_percent',
        'weekly_average',
        'history_weeks',
        'vs_history_percent',
        'first_sale_day',
        'last_4_weeks',
        'previous_4_weeks',
        'stage',
        'stage_reason',
      ],
      ...report.demandTrends.map((row) => [
        row.sku,
        row.unitsDay,
        row.unitsThisWeek,
        row.unitsLastWeek,
        row.weekOverWeekPercent,
        row.weeklyAverage,
        row.historyWeeks,
        row.vsHistoryPercent,
        row.firstSaleDay,
        row.last4Weeks,
        row.previous4Weeks,
        row.stage,
        row.stageReason,
      ]),
    ],
    'inventory-health': [
      [
        'sku',
        'location_id',
        'on_hand',
        'reserved',
        'safety_stock',
        'available',
        'shipped_units',
        'average_daily_demand',
        'days_of_cover',
        'status',
      ],
      ...health.rows.map((row) => [
        row.sku,
        row.locationId,
        row.onHand,
        row.reserved,
        row.safetyStock,
        row.available,
        row.shippedUnits,
        row.averageDailyDemand,
        row.daysOfCover,
        row.status,
      ]),
    ],
    'abandoned-carts': [
      ['cause', 'carts', 'percent'],
      ...report.abandonedCarts.byCause.map((row) => [row.cause, row.carts, row.percent]),
    ],
    fulfillment: [
      [
        'location_id',
        'shipments',
        'on_time',
        'late',
        'on_time_percent',
        'average_hours',
        'median_hours',
        'late_during_disruption',
      ],
      ...fulfillment.byLocation.map((row) => [
        row.locationId,
        row.shipments,
        row.onTime,
        row.late,
        row.onTimePercent,
        row.averageHours,
        row.medianHours,
        '',
      ]),
      [
        '(all)',
        fulfillment.shipments,
        fulfillment.onTime,
        fulfillment.late,
        fulfillment.onTimePercent,
        fulfillment.placedToShippedHours.average,
        fulfillment.placedToShippedHours.median,
        fulfillment.lateDuringDisruption,
      ],
    ],
    disruptions: [
      [
        'id',
        'kind',
        'severity',
        'starts_at',
        'ends_at',
        'area',
        'carriers',
        'locations',
        'affected_orders',
        'repromised',
      ],
      ...report.disruptions.items.map((d) => [
        d.id,
        d.kind,
        d.severity,
        d.startsAt,
        d.endsAt,
        describeArea(d.area),
        (d.carriers ?? []).join(' '),
        (d.locations ?? []).join(' '),
        d.affectedOrders,
        d.repromised,
      ]),
    ],
  };
}

// ----- The trend chart ----------------------------------------------------------------------------------

const escapeXml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`);

/** Coordinates with at most one decimal, so the same chart is the same text. */
const n = (value: number): string => String(Math.round(value * 10) / 10 + 0);

/** A readable axis: the smallest of 1, 2, 5 × 10^k that splits `max` into at most 5 steps. */
export function axisStep(max: number): number {
  if (max <= 0) return 1;
  for (let power = 1; ; power *= 10) {
    for (const factor of [1, 2, 5]) {
      if (max / (factor * power) <= 5) return factor * power;
    }
  }
}

/** Colour-blind-safe palette (Okabe–Ito), one colour per series. */
const COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#D55E00'];

const WIDTH = 800;
const HEIGHT = 420;
const LEFT = 56;
const RIGHT = 180;
const TOP = 40;
const BOTTOM = 48;

/** SKUs run to 64 characters; the legend has room for about 20 (the line's tooltip has the whole id). */
const legendName = (sku: string) => (sku.length > 20 ? `${sku.slice(0, 19)}…` : sku);

/** A line chart of daily units per SKU over the chart's days, disruptions shaded. */
export function trendChartSvg(chart: TrendChart, title: string): string {
  const plotWidth = WIDTH - LEFT - RIGHT;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const days = chart.days;
  const slot = plotWidth / Math.max(days.length, 1);
  const x = (i: number) => LEFT + slot * (i + 0.5);
  const max = Math.max(0, ...chart.series.flatMap((series) => series.units));
  const step = axisStep(max);
  const top = Math.max(step, Math.ceil(max / step) * step);
  const y = (units: number) => TOP + plotHeight - (units / top) * plotHeight;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect x="0" y="0" width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="24" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  for (const band of chart.disruptions) {
    const from = Math.max(
      0,
      days.findIndex((day) => day >= band.from),
    );
    const lastIndex = days.findLastIndex((day) => day <= band.to);
    if (lastIndex < from || days.length === 0) continue;
    out.push(
      `<rect x="${n(LEFT + slot * from)}" y="${TOP}" width="${n(slot * (lastIndex - from + 1))}" height="${plotHeight}" fill="#F4C7C3" fill-opacity="0.6"><title>${escapeXml(`${band.kind} ${band.id}: ${band.from} – ${band.to}`)}</title></rect>`,
    );
  }
  for (let value = 0; value <= top; value += step) {
    out.push(
      `<line x1="${LEFT}" y1="${n(y(value))}" x2="${LEFT + plotWidth}" y2="${n(y(value))}" stroke="#dddddd"/>`,
      `<text x="${LEFT - 8}" y="${n(y(value) + 4)}" text-anchor="end">${value}</text>`,
    );
  }
  out.push(
    `<line x1="${LEFT}" y1="${TOP + plotHeight}" x2="${LEFT + plotWidth}" y2="${TOP + plotHeight}" stroke="#333333"/>`,
    `<text x="14" y="${n(TOP + plotHeight / 2)}" transform="rotate(-90 14 ${n(TOP + plotHeight / 2)})" text-anchor="middle">units per day</text>`,
  );
  // A label every 7 days, counted back from the report's day so that day is always labelled.
  days.forEach((day, i) => {
    if ((days.length - 1 - i) % 7 !== 0) return;
    out.push(
      `<line x1="${n(x(i))}" y1="${TOP + plotHeight}" x2="${n(x(i))}" y2="${TOP + plotHeight + 5}" stroke="#333333"/>`,
      `<text x="${n(x(i))}" y="${TOP + plotHeight + 20}" text-anchor="middle">${escapeXml(day.slice(5))}</text>`,
    );
  });
  if (chart.series.length === 0) {
    out.push(
      `<text x="${n(LEFT + plotWidth / 2)}" y="${n(TOP + plotHeight / 2)}" text-anchor="middle" fill="#666666">No sales in this period</text>`,
    );
  }
  chart.series.forEach((series, s) => {
    const colour = COLOURS[s % COLOURS.length] as string;
    const points = series.units.map((units, i) => `${n(x(i))},${n(y(units))}`).join(' ');
    out.push(
      `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${points}"><title>${escapeXml(series.sku)}</title></polyline>`,
    );
    const legendY = TOP + 8 + s * 22;
    const legendX = LEFT + plotWidth + 16;
    out.push(
      `<line x1="${legendX}" y1="${legendY}" x2="${legendX + 18}" y2="${legendY}" stroke="${colour}" stroke-width="3"/>`,
      `<text x="${legendX + 24}" y="${legendY + 4}">${escapeXml(`${legendName(series.sku)} (${series.total})`)}</text>`,
    );
  });
  if (chart.disruptions.length > 0) {
    const legendY = TOP + 8 + chart.series.length * 22;
    const legendX = LEFT + plotWidth + 16;
    out.push(
      `<rect x="${legendX}" y="${legendY - 6}" width="18" height="12" fill="#F4C7C3"/>`,
      `<text x="${legendX + 24}" y="${legendY + 4}">disruption</text>`,
    );
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
