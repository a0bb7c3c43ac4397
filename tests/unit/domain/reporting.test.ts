import { describe, expect, it } from 'vitest';
import {
  abandonedCartsSection,
  addDays,
  type Disruption,
  dailyReport,
  disruptionsSection,
  fallingSkus,
  fulfillmentSection,
  HISTORY_DAYS,
  inventoryHealth,
  lineNets,
  percentile,
  productCycleStage,
  promiseDay,
  type ReportOrder,
  reportWindow,
  type ShipmentFact,
  salesByChannel,
  salesByDay,
  salesByLocation,
  skuLocationSales,
  skuTrend,
  splitAmount,
  topSkus,
  UNALLOCATED,
  weeklyUnits,
} from '../../../shared/domain/reporting.js';

const DAY = '2025-03-14';
const WINDOW = reportWindow(DAY);

let next = 0;
const order = (overrides: Partial<ReportOrder> = {}): ReportOrder => {
  next += 1;
  const lines = overrides.lines ?? [{ sku: 'SKU-A', quantity: 1, unitPrice: 1000, discount: 0 }];
  const subtotal = lines.reduce((sum, line) => sum + line.unitPrice * line.quantity, 0);
  const discount = overrides.totals?.discount ?? 0;
  return {
    id: `ord_${String(next).padStart(4, '0')}`,
    channel: 'direct',
    currency: 'USD',
    status: 'shipped',
    placedAt: `${DAY}T10:00:00.000Z`,
    lines,
    totals: { subtotal, discount, shipping: 0, tax: 0, grand: subtotal - discount },
    allocations: [],
    ...overrides,
  };
};

/** A daily series of HISTORY_DAYS from weekly units: week 0 (the last 7 days) first, sold on each week's last day. */
function seriesFromWeeks(weeks: number[]): number[] {
  const series = Array.from({ length: HISTORY_DAYS }, () => 0);
  weeks.forEach((units, k) => {
    series[HISTORY_DAYS - 1 - 7 * k] = units;
  });
  return series;
}

describe('Given a report day', () => {
  it('the window is the UTC day and the history is the 84 days ending on it', () => {
    expect(WINDOW.start).toBe('2025-03-14T00:00:00.000Z');
    expect(WINDOW.end).toBe('2025-03-15T00:00:00.000Z');
    expect(WINDOW.historyDays).toHaveLength(84);
    expect(WINDOW.historyDays.at(-1)).toBe(DAY);
    expect(WINDOW.historyStart).toBe('2024-12-21T00:00:00.000Z');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
  });
});

describe('Given an amount split by weights', () => {
  it('rounds down and gives the units left to the largest remainders, earlier first on a tie', () => {
    expect(splitAmount(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(splitAmount(7, [2, 5])).toEqual([2, 5]);
    expect(splitAmount(1, [1, 1])).toEqual([1, 0]);
    expect(splitAmount(10, [1, 2])).toEqual([3, 7]);
  });

  it('splits evenly when every weight is zero, and stays exact past 2^53', () => {
    expect(splitAmount(10, [0, 0])).toEqual([5, 5]);
    expect(splitAmount(9_000_000_000_000_000, [100_000_000, 100_000_000])).toEqual([
      4_500_000_000_000_000, 4_500_000_000_000_000,
    ]);
  });

  it('takes nearest-rank percentiles', () => {
    expect(percentile([192, 24, 47], 50)).toBe(47);
    expect(percentile([192, 24, 47], 90)).toBe(192);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([], 50)).toBeUndefined();
  });
});

describe('Given an order with line discounts and an order discount', () => {
  // 2 × 10.00 less 1.00, 1 × 5.00; the order discount 4.00 leaves 3.00 no line carries.
  const discounted = order({
    lines: [
      { sku: 'SKU-A', quantity: 2, unitPrice: 1000, discount: 100 },
      { sku: 'SKU-B', quantity: 1, unitPrice: 500, discount: 0 },
    ],
    totals: { subtotal: 2500, discount: 400, shipping: 0, tax: 0, grand: 2100 },
  });

  it('spreads the rest of the discount by line value: the nets add up to subtotal − discount', () => {
    // 300 × 1900/2400 = 237.5 and 300 × 500/2400 = 62.5: the tie's unit goes to the first line.
    expect(lineNets(discounted)).toEqual([1662, 438]);
  });

  it('attributes units and net to the allocated locations by units, the rest to unallocated', () => {
    const split = order({
      lines: [{ sku: 'SKU-A', quantity: 3, unitPrice: 1000, discount: 0 }],
      totals: { subtotal: 3000, discount: 100, shipping: 0, tax: 0, grand: 2900 },
      allocations: [
        { locationId: 'wh-1', lines: [{ sku: 'SKU-A', quantity: 2 }] },
        { locationId: 'st-1', lines: [{ sku: 'SKU-A', quantity: 1 }] },
      ],
    });
    // 2900 × 1/3 = 966 r 2, 2900 × 2/3 = 1933 r 1: the unit left goes to st-1.
    expect(skuLocationSales(split)).toEqual([
      { sku: 'SKU-A', locationId: 'st-1', units: 1, net: 967 },
      { sku: 'SKU-A', locationId: 'wh-1', units: 2, net: 1933 },
    ]);
    const partly = order({
      lines: [{ sku: 'SKU-A', quantity: 3, unitPrice: 1000, discount: 0 }],
      allocations: [{ locationId: 'wh-1', lines: [{ sku: 'SKU-A', quantity: 2 }] }],
    });
    expect(skuLocationSales(partly)).toEqual([
      { sku: 'SKU-A', locationId: 'wh-1', units: 2, net: 2000 },
      { sku: 'SKU-A', locationId: UNALLOCATED, units: 1, net: 1000 },
    ]);
  });
});

describe('Given sales in two currencies and two channels', () => {
  const sales = [
    order({
      channel: 'shopify',
      currency: 'USD',
      allocations: [{ locationId: 'wh-1', lines: [{ sku: 'SKU-A', quantity: 1 }] }],
    }),
    order({
      channel: 'shopify',
      currency: 'USD',
      lines: [{ sku: 'SKU-B', quantity: 2, unitPrice: 750, discount: 0 }],
      totals: { subtotal: 1500, discount: 0, shipping: 500, tax: 120, grand: 2120 },
      allocations: [{ locationId: 'wh-1', lines: [{ sku: 'SKU-B', quantity: 2 }] }],
    }),
    order({
      channel: 'direct',
      currency: 'JPY',
      lines: [{ sku: 'SKU-A', quantity: 3, unitPrice: 1500, discount: 300 }],
      totals: { subtotal: 4500, discount: 300, shipping: 800, tax: 420, grand: 5420 },
      placedAt: '2025-03-13T23:59:59.999Z',
    }),
  ];

  it('never adds amounts of different currencies', () => {
    expect(salesByChannel(sales)).toEqual([
      {
        channel: 'direct',
        currency: 'JPY',
        orders: 1,
        units: 3,
        gross: 4500,
        discount: 300,
        net: 4200,
        shipping: 800,
        tax: 420,
        total: 5420,
      },
      {
        channel: 'shopify',
        currency: 'USD',
        orders: 2,
        units: 3,
        gross: 2500,
        discount: 0,
        net: 2500,
        shipping: 500,
        tax: 120,
        total: 3120,
      },
    ]);
  });

  it('lists every day of the period for every currency sold, zeros included', () => {
    const days = ['2025-03-12', '2025-03-13', DAY];
    const rows = salesByDay(sales, days);
    expect(rows.map((row) => [row.day, row.currency, row.orders, row.net])).toEqual([
      ['2025-03-12', 'JPY', 0, 0],
      ['2025-03-12', 'USD', 0, 0],
      ['2025-03-13', 'JPY', 1, 4200],
      ['2025-03-13', 'USD', 0, 0],
      [DAY, 'JPY', 0, 0],
      [DAY, 'USD', 2, 2500],
    ]);
  });

  it('adds up units and net per location and currency, unallocated units apart', () => {
    expect(salesByLocation(sales)).toEqual([
      { locationId: UNALLOCATED, currency: 'JPY', orders: 1, units: 3, net: 4200 },
      { locationId: 'wh-1', currency: 'USD', orders: 2, units: 3, net: 2500 },
    ]);
  });
});

describe('Given the product-cycle rule', () => {
  it('is introduction while the first sale is fewer than 28 days old', () => {
    expect(productCycleStage({ daysSinceFirstSale: 27, last4Weeks: 0, previous4Weeks: 0 }).stage).toBe(
      'introduction',
    );
    expect(productCycleStage({ daysSinceFirstSale: 28, last4Weeks: 10, previous4Weeks: 10 }).stage).toBe(
      'maturity',
    );
  });

  it('is decline below 80 % of the 4 weeks before, growth above 120 %, maturity between, boundaries included', () => {
    const stage = (last: number, before: number) =>
      productCycleStage({ daysSinceFirstSale: 60, last4Weeks: last, previous4Weeks: before }).stage;
    expect(stage(79, 100)).toBe('decline');
    expect(stage(80, 100)).toBe('maturity');
    expect(stage(120, 100)).toBe('maturity');
    expect(stage(121, 100)).toBe('growth');
    expect(stage(5, 0)).toBe('growth');
    expect(stage(0, 0)).toBe('decline');
  });

  it('says why', () => {
    expect(productCycleStage({ daysSinceFirstSale: 60, last4Weeks: 20, previous4Weeks: 40 }).reason).toBe(
      'last 4 weeks 20 units vs 40 in the 4 before (-50 %), below −20 %',
    );
  });
});

describe('Given a SKU’s daily units over the history', () => {
  const days = WINDOW.historyDays;

  it('sums weeks back from the report day', () => {
    expect(weeklyUnits(seriesFromWeeks([3, 2, 1]))).toEqual([3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('compares week over week and against the average of its full weeks of history', () => {
    // Weeks 4–7 sold 10 a week, weeks 0–3 sold 5: first sale on week 7's last day, 49 days ago.
    const trend = skuTrend('SKU-D', seriesFromWeeks([5, 5, 5, 5, 10, 10, 10, 10]), days);
    expect(trend).toMatchObject({
      unitsDay: 5,
      unitsThisWeek: 5,
      unitsLastWeek: 5,
      weekOverWeekPercent: 0,
      historyWeeks: 7,
      // (5 + 5 + 5 + 10 + 10 + 10 + 10) / 7 = 7.857…
      weeklyAverage: 7.9,
      // (5 − 55/7) / (55/7) = −36.36 %
      vsHistoryPercent: -36.4,
      firstSaleDay: addDays(DAY, -49),
      last4Weeks: 20,
      previous4Weeks: 40,
      stage: 'decline',
    });
  });

  it('is introduction, with the weeks since its first sale as history, for a SKU first sold 20 days ago', () => {
    const series = Array.from({ length: HISTORY_DAYS }, (_, i) => (i >= HISTORY_DAYS - 21 ? 1 : 0));
    expect(skuTrend('SKU-N', series, days)).toMatchObject({
      unitsThisWeek: 7,
      unitsLastWeek: 7,
      historyWeeks: 2,
      weeklyAverage: 7,
      vsHistoryPercent: 0,
      firstSaleDay: addDays(DAY, -20),
      stage: 'introduction',
    });
  });

  it('is maturity for steady sales over the whole history', () => {
    const trend = skuTrend(
      'SKU-S',
      Array.from({ length: HISTORY_DAYS }, () => 2),
      days,
    );
    expect(trend).toMatchObject({
      unitsThisWeek: 14,
      historyWeeks: 11,
      weeklyAverage: 14,
      stage: 'maturity',
    });
  });

  it('has no trend when it never sold', () => {
    expect(
      skuTrend(
        'SKU-0',
        Array.from({ length: HISTORY_DAYS }, () => 0),
        days,
      ),
    ).toBeUndefined();
  });

  it('ranks top SKUs by units on the day and falling SKUs by the size of the drop, ties by SKU', () => {
    const trends = [
      skuTrend('SKU-B', seriesFromWeeks([4, 10]), days),
      skuTrend('SKU-A', seriesFromWeeks([4, 10]), days),
      skuTrend('SKU-C', seriesFromWeeks([9, 10]), days),
      skuTrend('SKU-E', seriesFromWeeks([6, 2]), days),
    ].flatMap((trend) => (trend ? [trend] : []));
    const onDay = [
      order({ lines: [{ sku: 'SKU-C', quantity: 9, unitPrice: 1, discount: 0 }] }),
      order({ lines: [{ sku: 'SKU-E', quantity: 6, unitPrice: 1, discount: 0 }] }),
    ];
    expect(topSkus(trends, onDay, DAY).map((top) => [top.rank, top.sku, top.units, top.orders])).toEqual([
      [1, 'SKU-C', 9, 1],
      [2, 'SKU-E', 6, 1],
      [3, 'SKU-A', 4, 0],
      [4, 'SKU-B', 4, 0],
    ]);
    expect(fallingSkus(trends).map((f) => [f.sku, f.change, f.changePercent])).toEqual([
      ['SKU-A', -6, -60],
      ['SKU-B', -6, -60],
      ['SKU-C', -1, -10],
    ]);
  });
});

describe('Given stock rows and the shipments of the last 28 days', () => {
  const health = inventoryHealth(
    [
      { sku: 'SKU-A', locationId: 'wh-1', onHand: 10, reserved: 2, safetyStock: 1 },
      { sku: 'SKU-A', locationId: 'wh-1', onHand: 5, reserved: 0, safetyStock: 0 },
      { sku: 'SKU-B', locationId: 'wh-1', onHand: 3, reserved: 3, safetyStock: 0 },
      { sku: 'SKU-C', locationId: 'wh-1', onHand: 100, reserved: 0, safetyStock: 0 },
      { sku: 'SKU-D', locationId: 'st-1', onHand: 90, reserved: 0, safetyStock: 0 },
      { sku: 'SKU-E', locationId: 'st-1', onHand: 5, reserved: 0, safetyStock: 0 },
      { sku: 'SKU-F', locationId: 'st-1', onHand: 0, reserved: 0, safetyStock: 0 },
    ],
    [
      { sku: 'SKU-A', locationId: 'wh-1', units: 50 },
      { sku: 'SKU-A', locationId: 'wh-1', units: 6 },
      { sku: 'SKU-B', locationId: 'wh-1', units: 7 },
      { sku: 'SKU-C', locationId: 'wh-1', units: 28 },
      { sku: 'SKU-D', locationId: 'st-1', units: 28 },
    ],
  );
  const row = (sku: string) => health.rows.find((r) => r.sku === sku);

  it('adds up the buckets and divides available by the average daily demand', () => {
    // 15 on hand − 2 reserved − 1 safety = 12 available; 56 shipped / 28 days = 2 a day: 6 days of cover.
    expect(row('SKU-A')).toEqual({
      sku: 'SKU-A',
      locationId: 'wh-1',
      onHand: 15,
      reserved: 2,
      safetyStock: 1,
      available: 12,
      shippedUnits: 56,
      averageDailyDemand: 2,
      daysOfCover: 6,
      status: 'ok',
    });
  });

  it('flags stock-outs, overstock over 90 days or without demand, and inactive rows', () => {
    expect(row('SKU-B')).toMatchObject({
      available: 0,
      averageDailyDemand: 0.25,
      daysOfCover: 0,
      status: 'stock-out',
    });
    expect(row('SKU-C')).toMatchObject({ daysOfCover: 100, status: 'overstock' });
    expect(row('SKU-D')).toMatchObject({ daysOfCover: 90, status: 'ok' });
    expect(row('SKU-E')).toMatchObject({ daysOfCover: null, status: 'overstock' });
    expect(row('SKU-F')).toMatchObject({ daysOfCover: null, status: 'inactive' });
    expect(health).toMatchObject({ stockOuts: 1, overstocked: 2, demandDays: 28, overstockCoverDays: 90 });
  });
});

describe('Given shipments created on the day', () => {
  const fact = (overrides: Partial<ShipmentFact>): ShipmentFact => ({
    orderId: 'ord_1',
    shipmentId: 'sh_1_1',
    locationId: 'wh-1',
    carrier: 'SIMPARCEL',
    placedAt: '2025-03-10T10:00:00.000Z',
    promiseDay: '2025-03-17',
    shippedAt: '2025-03-11T10:00:00.000Z',
    ...overrides,
  });
  const outage: Disruption = {
    id: 'dis_1',
    kind: 'carrier-outage',
    severity: 'high',
    startsAt: '2025-03-05T00:00:00.000Z',
    endsAt: '2025-03-07T00:00:00.000Z',
    area: { postalPrefixes: ['1'] },
    carriers: ['SIMPOST'],
    affectedOrders: 3,
    repromised: 2,
  };

  it('the promise is the stored promisedBy, else placedAt + 5 business days', () => {
    // Friday + 5 business days is the next Friday.
    expect(promiseDay('2025-03-14T18:00:00.000Z', undefined, 5)).toBe('2025-03-21');
    expect(promiseDay('2025-03-14T18:00:00.000Z', '2025-03-20', 5)).toBe('2025-03-20');
  });

  it('counts on time by day against the promise, with nearest-rank hours, per location', () => {
    const section = fulfillmentSection(
      [
        fact({ pickOpenedAt: '2025-03-10T10:00:00.000Z', pickConfirmedAt: '2025-03-10T14:00:00.000Z' }),
        fact({
          orderId: 'ord_2',
          shipmentId: 'sh_2_1',
          carrier: 'SIMPOST',
          placedAt: '2025-03-03T12:00:00.000Z',
          promiseDay: '2025-03-10',
          shippedAt: '2025-03-11T12:00:00.000Z',
        }),
        fact({
          orderId: 'ord_3',
          shipmentId: 'sh_3_1',
          locationId: 'st-1',
          placedAt: '2025-03-10T00:00:00.000Z',
          promiseDay: '2025-03-11',
          shippedAt: '2025-03-11T23:00:00.000Z',
          pickOpenedAt: '2025-03-10T00:00:00.000Z',
          pickConfirmedAt: '2025-03-10T02:00:00.000Z',
        }),
      ],
      [outage],
    );
    // Hours: 24 (on time), 192 (late), 47 (on time, promised that very day).
    expect(section).toMatchObject({
      shipments: 3,
      onTime: 2,
      late: 1,
      onTimePercent: 66.7,
      lateDuringDisruption: 1,
      placedToShippedHours: { count: 3, average: 87.7, median: 47, p90: 192 },
      pickHours: { count: 2, average: 3, median: 2, p90: 4 },
      lateShipments: [
        { orderId: 'ord_2', shipmentId: 'sh_2_1', promiseDay: '2025-03-10', shippedDay: '2025-03-11' },
      ],
    });
    expect(section.byLocation).toEqual([
      {
        locationId: 'st-1',
        shipments: 1,
        onTime: 1,
        late: 0,
        onTimePercent: 100,
        averageHours: 47,
        medianHours: 47,
      },
      {
        locationId: 'wh-1',
        shipments: 2,
        onTime: 1,
        late: 1,
        onTimePercent: 50,
        averageHours: 108,
        medianHours: 24,
      },
    ]);
  });

  it('a late shipment with a carrier no disruption names is not counted as during one', () => {
    const section = fulfillmentSection(
      [fact({ placedAt: '2025-03-03T12:00:00.000Z', promiseDay: '2025-03-10' })],
      [outage],
    );
    expect(section).toMatchObject({ late: 1, lateDuringDisruption: 0 });
  });
});

describe('Given disruptions around the day', () => {
  const disruption = (id: string, startsAt: string, endsAt: string): Disruption => ({
    id,
    kind: 'weather',
    severity: 'medium',
    startsAt,
    endsAt,
    area: { postalPrefixes: ['10'] },
    affectedOrders: 4,
    repromised: 1,
  });

  it('lists those overlapping [start, end) and adds up their impact', () => {
    const section = disruptionsSection(
      [
        disruption('ends-at-start', '2025-03-13T00:00:00.000Z', '2025-03-14T00:00:00.000Z'),
        disruption('starts-at-end', '2025-03-15T00:00:00.000Z', '2025-03-16T00:00:00.000Z'),
        disruption('spans', '2025-03-10T00:00:00.000Z', '2025-03-20T00:00:00.000Z'),
        disruption('inside', '2025-03-14T06:00:00.000Z', '2025-03-14T08:00:00.000Z'),
      ],
      WINDOW,
    );
    expect(section.items.map((d) => d.id)).toEqual(['spans', 'inside']);
    expect(section).toMatchObject({ count: 2, affectedOrders: 8, repromised: 2 });
  });
});

describe('Given carts abandoned on the day and around it', () => {
  it('counts those still abandoned, by cause, with their value per currency', () => {
    const section = abandonedCartsSection(
      [
        {
          id: 'c1',
          status: 'abandoned',
          abandonedAt: `${DAY}T09:00:00.000Z`,
          cause: 'shipping-cost',
          currency: 'USD',
          subtotal: 1000,
        },
        {
          id: 'c2',
          status: 'abandoned',
          abandonedAt: `${DAY}T10:00:00.000Z`,
          cause: 'shipping-cost',
          currency: 'USD',
          lines: [{ sku: 'SKU-A', quantity: 2, unitPrice: 250 }],
        },
        {
          id: 'c3',
          status: 'abandoned',
          abandonedAt: `${DAY}T11:00:00.000Z`,
          currency: 'JPY',
          subtotal: 800,
        },
        { id: 'c4', status: 'recovered', abandonedAt: `${DAY}T12:00:00.000Z`, cause: 'price' },
        { id: 'c5', status: 'abandoned', abandonedAt: '2025-03-13T12:00:00.000Z', cause: 'price' },
      ],
      DAY,
    );
    expect(section).toEqual({
      carts: 3,
      byCause: [
        { cause: 'shipping-cost', carts: 2, percent: 66.7 },
        { cause: 'unknown', carts: 1, percent: 33.3 },
      ],
      valueByCurrency: [
        { currency: 'JPY', carts: 1, value: 800 },
        { currency: 'USD', carts: 2, value: 1500 },
      ],
    });
  });
});

describe('Given a whole history of orders', () => {
  const report = dailyReport({
    day: DAY,
    generatedAt: '2025-03-15T06:00:00.000Z',
    orders: [
      order({ status: 'shipped' }),
      order({ status: 'failed' }),
      order({ status: 'placed', placedAt: '2025-03-13T10:00:00.000Z' }),
      // Before the history: ignored.
      order({ placedAt: '2024-12-20T23:59:59.000Z' }),
    ],
    shipments: [],
    stock: [],
    shipped: [],
    carts: [],
    disruptions: [],
  });

  it('counts orders placed on the day by status, but only sales in the sales figures', () => {
    expect(report.summary).toMatchObject({
      ordersPlaced: 2,
      ordersByStatus: { failed: 1, shipped: 1 },
      sales: 1,
      unitsSold: 1,
    });
    expect(report.complete).toBe(true);
    expect(report.salesByDay).toHaveLength(7);
    expect(report.salesByDay.slice(-2).map((row) => row.orders)).toEqual([1, 1]);
    expect(report.demandTrends.map((trend) => [trend.sku, trend.unitsThisWeek, trend.stage])).toEqual([
      ['SKU-A', 2, 'introduction'],
    ]);
    expect(report.trendChart.series).toEqual([
      { sku: 'SKU-A', total: 2, units: [...Array.from({ length: 26 }, () => 0), 1, 1] },
    ]);
  });
});
