import { describe, expect, it } from 'vitest';
import {
  axisStep,
  REPORT_TABLES,
  reportFiles,
  reportTables,
  toCsv,
  trendChartSvg,
} from '../../../shared/domain/report-files.js';
import { dailyReport, type TrendChart } from '../../../shared/domain/reporting.js';
import { checkXml, csvRecords, parseCsv } from '../../support/well-formed.js';

const DAY = '2025-03-14';

describe('Given rows with commas, quotes, line breaks and empty values', () => {
  it('writes RFC 4180 CSV that reads back the same', () => {
    const rows = [
      ['a', 'b', 'c'],
      ['x,y', 'say "hi"', 'two\nlines'],
      [1, null, undefined],
    ];
    const text = toCsv(rows);
    expect(text).toBe('a,b,c\r\n"x,y","say ""hi""","two\nlines"\r\n1,,\r\n');
    expect(parseCsv(text)).toEqual([
      ['a', 'b', 'c'],
      ['x,y', 'say "hi"', 'two\nlines'],
      ['1', '', ''],
    ]);
  });
});

describe('Given a report with sales in USD and JPY', () => {
  const report = dailyReport({
    day: DAY,
    generatedAt: '2025-03-15T06:00:00.000Z',
    orders: [
      {
        id: 'ord_1',
        channel: 'shopify',
        currency: 'USD',
        status: 'shipped',
        placedAt: `${DAY}T10:00:00.000Z`,
        lines: [{ sku: 'SKU-A', quantity: 2, unitPrice: 1250, discount: 0 }],
        totals: { subtotal: 2500, discount: 5, shipping: 499, tax: 200, grand: 3194 },
      },
      {
        id: 'ord_2',
        channel: 'direct',
        currency: 'JPY',
        status: 'placed',
        placedAt: `${DAY}T11:00:00.000Z`,
        lines: [{ sku: 'SKU-B', quantity: 1, unitPrice: 1500, discount: 0 }],
        totals: { subtotal: 1500, discount: 0, shipping: 0, tax: 0, grand: 1500 },
      },
    ],
    shipments: [],
    stock: [],
    shipped: [],
    carts: [],
    disruptions: [
      {
        id: 'dis_1',
        kind: 'weather',
        severity: 'high',
        startsAt: `${DAY}T00:00:00.000Z`,
        endsAt: '2025-03-16T00:00:00.000Z',
        area: { postalPrefixes: ['100', '101'] },
        affectedOrders: 2,
        repromised: 1,
      },
    ],
  });
  const tables = reportTables(report);

  it('has one table per file name, each keyed in the bucket by the day', () => {
    expect(Object.keys(tables)).toEqual([...REPORT_TABLES]);
    expect(reportFiles(DAY)).toMatchObject({
      json: 'reports/daily/2025-03-14.json',
      trendChart: 'reports/daily/2025-03-14-trend.svg',
    });
    expect(reportFiles(DAY).csv['sales-by-channel']).toBe('reports/daily/2025-03-14-sales-by-channel.csv');
  });

  it('writes money in each row’s own currency decimals', () => {
    const channels = csvRecords(toCsv(tables['sales-by-channel']));
    expect(channels).toEqual([
      {
        channel: 'direct',
        currency: 'JPY',
        orders: '1',
        units: '1',
        gross: '1500',
        discount: '0',
        net: '1500',
        shipping: '0',
        tax: '0',
        total: '1500',
      },
      {
        channel: 'shopify',
        currency: 'USD',
        orders: '1',
        units: '2',
        gross: '25.00',
        discount: '0.05',
        net: '24.95',
        shipping: '4.99',
        tax: '2.00',
        total: '31.94',
      },
    ]);
  });

  it('describes a disruption’s area in one cell', () => {
    expect(csvRecords(toCsv(tables.disruptions))).toEqual([
      expect.objectContaining({ id: 'dis_1', area: 'postal 100 101', affected_orders: '2', repromised: '1' }),
    ]);
  });
});

describe('Given the trend chart', () => {
  const chart: TrendChart = {
    days: Array.from({ length: 28 }, (_, i) => `2025-02-${String(15 + i).padStart(2, '0')}`).map((day, i) =>
      i < 14 ? day : `2025-03-${String(i - 13).padStart(2, '0')}`,
    ),
    series: [
      { sku: 'SKU-A', total: 28, units: Array.from({ length: 28 }, () => 1) },
      { sku: 'SKU-<B&C>', total: 7, units: Array.from({ length: 28 }, (_, i) => (i % 4 === 0 ? 1 : 0)) },
    ],
    disruptions: [{ id: 'dis_1', kind: 'weather', from: '2025-03-03', to: '2025-03-05' }],
  };

  it('picks a 1, 2 or 5 step that splits the axis into at most 5', () => {
    expect([0, 1, 5, 6, 10, 11, 24, 26, 99, 260].map(axisStep)).toEqual([1, 1, 1, 2, 2, 5, 5, 10, 20, 100]);
  });

  it('is well-formed SVG with a line per SKU, a disruption band and escaped text, the same every time', () => {
    const svg = trendChartSvg(chart, 'Daily units & more');
    const elements = checkXml(svg);
    expect(elements[0]).toBe('svg');
    expect(elements.filter((name) => name === 'polyline')).toHaveLength(2);
    expect(svg).toContain('SKU-&lt;B&amp;C&gt; (7)');
    expect(svg).toContain('Daily units &amp; more');
    expect(svg).toContain('fill="#F4C7C3"');
    const points = /<polyline[^>]*points="([^"]+)"/.exec(svg)?.[1]?.split(' ') ?? [];
    expect(points).toHaveLength(28);
    expect(trendChartSvg(chart, 'Daily units & more')).toBe(svg);
  });

  it('says so when nothing sold', () => {
    const svg = trendChartSvg({ days: chart.days, series: [], disruptions: [] }, 'Daily units');
    checkXml(svg);
    expect(svg).toContain('No sales in this period');
  });
});
