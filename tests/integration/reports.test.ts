import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as buildHandler } from '../../functions/jobs/build-daily-report/handler.js';
import { handler as reportHandler } from '../../functions/jobs/get-daily-report/handler.js';
import { handler as chartHandler } from '../../functions/jobs/get-daily-report-chart/handler.js';
import { buildDailyReport, getDailyReport, type StoredDailyReport } from '../../shared/app/reports.js';
import { REPORT_TABLES, reportFiles } from '../../shared/domain/report-files.js';
import { addDays } from '../../shared/domain/reporting.js';
import { provideDeps } from '../../shared/runtime/deps.js';
import { gsi1, gsi2, keys } from '../../shared/store/keys.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { checkXml, csvRecords, parseCsv } from '../support/well-formed.js';

/**
 * The daily report over a seeded history, checked against numbers worked out by hand. The history is written
 * with direct puts in the stored shapes (orders with their status index keys, shipments, pick tickets, stock
 * buckets, movements, an abandoned-cart index, disruptions), so the times are exactly the ones stated.
 *
 * The report day D is Friday 2025-03-14; the clock stands at D+1 06:00 UTC, when the schedule runs.
 */
const D = '2025-03-14';
const NOW = new Date('2025-03-15T06:00:00.000Z');
const at = (day: string, time: string) => `${day}T${time}:00.000Z`;
const ago = (days: number, time = '09:00') => at(addDays(D, -days), time);

let base: TestDeps;
let deps: TestDeps;
const files = reportFiles(D);
const text = async (key: string) => new TextDecoder().decode(await deps.objects.get(key));

const put = (item: Record<string, unknown>) =>
  deps.db.send(new PutCommand({ TableName: deps.tableName, Item: item }));

interface SeedOrder {
  id: string;
  channel?: string;
  currency?: string;
  status?: string;
  placedAt: string;
  /** When it entered its current status (the status index's sort key and updatedAt). */
  enteredAt: string;
  lines: { sku: string; quantity: number; unitPrice: number; discount?: number }[];
  discount?: number;
  shipping?: number;
  tax?: number;
  allocations?: { locationId: string; lines: { sku: string; quantity: number }[] }[];
  promisedBy?: string;
}

async function putOrder(order: SeedOrder): Promise<void> {
  const lines = order.lines.map((line) => ({ discount: 0, ...line }));
  const subtotal = lines.reduce((sum, line) => sum + line.unitPrice * line.quantity, 0);
  const discount = order.discount ?? 0;
  const shipping = order.shipping ?? 0;
  const tax = order.tax ?? 0;
  const status = order.status ?? 'shipped';
  const email = `${order.id}@example.com`;
  await put({
    ...keys.order(order.id),
    gsi1pk: gsi1.customerEmail(email),
    gsi1sk: `${order.placedAt}#${order.id}`,
    gsi2pk: gsi2.status(status),
    gsi2sk: `${order.enteredAt}#${order.id}`,
    entity: 'Order',
    entityVersion: 1,
    id: order.id,
    channel: order.channel ?? 'shopify',
    externalId: order.id,
    status,
    currency: order.currency ?? 'USD',
    customer: { email },
    shippingAddress: { line1: '1 Main St', city: 'Newark', postalCode: '07114', country: 'US' },
    fulfillment: { type: 'ship' },
    lines,
    totals: { subtotal, discount, shipping, tax, grand: subtotal - discount + shipping + tax },
    payment: { status: 'captured', amount: 0, captured: 0, refunded: 0 },
    allocations: (order.allocations ?? []).map((allocation) => ({
      ...allocation,
      rule: 'single-location',
      reason: 'seeded',
      estimatedCost: 0,
      decidedAt: order.placedAt,
    })),
    placedAt: order.placedAt,
    createdAt: order.placedAt,
    updatedAt: order.enteredAt,
    correlationId: order.id,
    ...(order.promisedBy ? { promisedBy: order.promisedBy } : {}),
  });
}

async function putShipment(
  orderId: string,
  n: number,
  shipment: { locationId: string; carrier: string; createdAt: string; pick?: [string, string] },
): Promise<void> {
  const id = `sh_${orderId.replace(/^ord_/, '')}_${n}`;
  await put({
    ...keys.shipment(orderId, id),
    entity: 'Shipment',
    entityVersion: 1,
    id,
    locationId: shipment.locationId,
    carrier: shipment.carrier,
    service: 'Standard',
    trackingNumber: `TRK-${id}`,
    cost: 600,
    currency: 'USD',
    estimatedDelivery: '2025-03-18',
    options: [],
    createdAt: shipment.createdAt,
  });
  if (shipment.pick) {
    const ticketId = id.replace(/^sh_/, 'pt_');
    await put({
      ...keys.pickTicket(orderId, ticketId),
      entity: 'PickTicket',
      entityVersion: 1,
      id: ticketId,
      orderId,
      locationId: shipment.locationId,
      status: 'confirmed',
      lines: [],
      taskToken: 'token',
      createdAt: shipment.pick[0],
      confirmedAt: shipment.pick[1],
    });
  }
}

async function putStock(sku: string, locationId: string, bucket: number, onHand: number, extra = {}) {
  const row = { onHand, reserved: 0, safetyStock: 0, ...extra };
  await put({
    ...keys.stock(sku, locationId, bucket),
    entity: 'Stock',
    entityVersion: 2,
    sku,
    locationId,
    bucket,
    ...row,
    available: row.onHand - row.reserved - row.safetyStock,
    updatedAt: NOW.toISOString(),
  });
}

let movements = 0;
async function putMovement(
  sku: string,
  locationId: string,
  bucket: number,
  type: string,
  delta: number,
  when: string,
) {
  movements += 1;
  const id = `mv_${String(movements).padStart(4, '0')}`;
  await put({
    ...keys.movement(sku, bucket, locationId, when, id),
    entity: 'StockMovement',
    entityVersion: 1,
    id,
    sku,
    locationId,
    bucket,
    type,
    delta,
    reason: type,
    at: when,
  });
}

async function putCart(id: string, partitionDay: string, cart: Record<string, unknown>) {
  await put({
    pk: `CART#${id}`,
    sk: 'CART',
    gsi2pk: gsi2.abandonedCarts(partitionDay),
    gsi2sk: `${cart.abandonedAt}#${id}`,
    entity: 'Cart',
    entityVersion: 1,
    id,
    ...cart,
  });
}

async function putDisruption(disruption: Record<string, unknown> & { id: string; startsAt: string }) {
  await put({
    ...keys.disruption(disruption.id),
    gsi1pk: gsi1.disruptions,
    gsi1sk: `${disruption.startsAt}#${disruption.id}`,
    entity: 'Disruption',
    entityVersion: 1,
    status: 'applied',
    createdAt: disruption.startsAt,
    ...disruption,
  });
}

beforeAll(async () => {
  base = await createTestDeps();
  deps = { ...base, clock: { now: () => NOW } };

  // ----- The day's orders -------------------------------------------------------------------------------
  // Shopify, USD, shipped from two locations: 10 mugs at 12.50 and a bag at 40.00 less its own 5.00.
  await putOrder({
    id: 'ord_d1',
    placedAt: at(D, '09:00'),
    enteredAt: at(D, '16:05'),
    lines: [
      { sku: 'SKU-MUG', quantity: 10, unitPrice: 1250 },
      { sku: 'SKU-BAG', quantity: 1, unitPrice: 4000, discount: 500 },
    ],
    discount: 500,
    shipping: 599,
    tax: 1280,
    allocations: [
      { locationId: 'wh-1', lines: [{ sku: 'SKU-MUG', quantity: 10 }] },
      { locationId: 'st-1', lines: [{ sku: 'SKU-BAG', quantity: 1 }] },
    ],
  });
  await putShipment('ord_d1', 1, {
    locationId: 'wh-1',
    carrier: 'SIMPARCEL',
    createdAt: at(D, '15:00'),
    pick: [at(D, '09:30'), at(D, '11:30')],
  });
  await putShipment('ord_d1', 2, {
    locationId: 'st-1',
    carrier: 'SIMPOST',
    createdAt: at(D, '16:00'),
    pick: [at(D, '09:30'), at(D, '13:30')],
  });
  // Direct, JPY, still picking: 4 caps at 1500 yen.
  await putOrder({
    id: 'ord_d2',
    channel: 'direct',
    currency: 'JPY',
    status: 'picking',
    placedAt: at(D, '10:00'),
    enteredAt: at(D, '10:05'),
    lines: [{ sku: 'SKU-CAP', quantity: 4, unitPrice: 1500 }],
    shipping: 800,
    tax: 600,
    allocations: [{ locationId: 'wh-1', lines: [{ sku: 'SKU-CAP', quantity: 4 }] }],
  });
  // Failed: placed, never a sale.
  await putOrder({
    id: 'ord_d3',
    channel: 'woocommerce',
    status: 'failed',
    placedAt: at(D, '11:00'),
    enteredAt: at(D, '11:10'),
    lines: [{ sku: 'SKU-MUG', quantity: 5, unitPrice: 1250 }],
  });
  // Backordered: a sale with no allocation yet.
  await putOrder({
    id: 'ord_d4',
    status: 'backordered',
    placedAt: at(D, '12:00'),
    enteredAt: at(D, '12:02'),
    lines: [{ sku: 'SKU-NEW', quantity: 2, unitPrice: 500 }],
  });

  // ----- The history (shopify, USD, shipped the next day) ----------------------------------------------
  // Mugs: 10 a week for 8 weeks. Tees: 10 a week in weeks 4–7, 3 in weeks 1–3, 2 this week (in EUR).
  // Bags: 2 in week 5, 5 in week 2, 1 today. Caps: 3 ten days ago, 4 today.
  const weekly: [number, SeedOrder['lines']][] = [
    [
      7,
      [
        { sku: 'SKU-MUG', quantity: 10, unitPrice: 1250 },
        { sku: 'SKU-TEE', quantity: 3, unitPrice: 2000 },
      ],
    ],
    [
      14,
      [
        { sku: 'SKU-MUG', quantity: 10, unitPrice: 1250 },
        { sku: 'SKU-TEE', quantity: 3, unitPrice: 2000 },
        { sku: 'SKU-BAG', quantity: 5, unitPrice: 4000 },
      ],
    ],
    [
      21,
      [
        { sku: 'SKU-MUG', quantity: 10, unitPrice: 1250 },
        { sku: 'SKU-TEE', quantity: 3, unitPrice: 2000 },
      ],
    ],
    [
      28,
      [
        { sku: 'SKU-MUG', quantity: 10, unitPrice: 1250 },
        { sku: 'SKU-TEE', quantity: 10, unitPrice: 2000 },
      ],
    ],
    [
      35,
      [
        { sku: 'SKU-MUG', quantity: 10, unitPrice: 1250 },
        { sku: 'SKU-TEE', quantity: 10, unitPrice: 2000 },
        { sku: 'SKU-BAG', quantity: 2, unitPrice: 4000 },
      ],
    ],
    [
      42,
      [
        { sku: 'SKU-MUG', quantity: 10, unitPrice: 1250 },
        { sku: 'SKU-TEE', quantity: 10, unitPrice: 2000 },
      ],
    ],
    [
      49,
      [
        { sku: 'SKU-MUG', quantity: 10, unitPrice: 1250 },
        { sku: 'SKU-TEE', quantity: 10, unitPrice: 2000 },
      ],
    ],
    [10, [{ sku: 'SKU-CAP', quantity: 3, unitPrice: 1000 }]],
  ];
  for (const [days, lines] of weekly) {
    await putOrder({ id: `ord_h${days}`, placedAt: ago(days), enteredAt: ago(days - 1), lines });
  }
  await putOrder({
    id: 'ord_h2',
    channel: 'woocommerce',
    currency: 'EUR',
    placedAt: ago(2),
    enteredAt: ago(1),
    lines: [{ sku: 'SKU-TEE', quantity: 2, unitPrice: 2000 }],
  });
  // Shipped late on the day: placed Monday 3 March, promised (5 business days) Monday 10 March.
  await putOrder({
    id: 'ord_late',
    placedAt: at('2025-03-03', '09:00'),
    enteredAt: at(D, '10:05'),
    lines: [{ sku: 'SKU-SOCK', quantity: 1, unitPrice: 1000 }],
  });
  await putShipment('ord_late', 1, { locationId: 'wh-1', carrier: 'SIMPARCEL', createdAt: at(D, '10:00') });
  // Repromised by the carrier outage to 13 March, shipped on the 14th with the carrier that was out.
  await putOrder({
    id: 'ord_promised',
    placedAt: at('2025-03-11', '09:00'),
    enteredAt: at(D, '12:05'),
    promisedBy: '2025-03-13',
    lines: [{ sku: 'SKU-SOCK', quantity: 1, unitPrice: 1000 }],
  });
  await putShipment('ord_promised', 1, { locationId: 'st-1', carrier: 'SIMPOST', createdAt: at(D, '12:00') });
  // Placed before the history (not a sale of it), labelled just before midnight, shipped just after.
  await putOrder({
    id: 'ord_old',
    placedAt: at('2024-12-01', '09:00'),
    enteredAt: at(D, '00:01'),
    lines: [{ sku: 'SKU-MUG', quantity: 100, unitPrice: 1250 }],
  });
  await putShipment('ord_old', 1, { locationId: 'wh-1', carrier: 'SIMPARCEL', createdAt: ago(1, '23:59') });

  // ----- Stock and shipment movements -------------------------------------------------------------------
  await putStock('SKU-MUG', 'wh-1', 0, 30);
  await putStock('SKU-MUG', 'wh-1', 1, 26);
  await putMovement('SKU-MUG', 'wh-1', 0, 'shipment', -20, ago(7, '10:00'));
  await putMovement('SKU-MUG', 'wh-1', 0, 'shipment', -10, ago(27, '00:00'));
  await putMovement('SKU-MUG', 'wh-1', 1, 'shipment', -26, at(D, '15:00'));
  // Outside the 28 days, after the day, or not a shipment: not demand.
  await putMovement('SKU-MUG', 'wh-1', 0, 'shipment', -50, ago(28, '23:59'));
  await putMovement('SKU-MUG', 'wh-1', 1, 'shipment', -5, at(addDays(D, 1), '00:00'));
  await putMovement('SKU-MUG', 'wh-1', 0, 'receipt', 100, ago(5));
  await putStock('SKU-TEE', 'wh-1', 0, 4, { reserved: 4 });
  await putMovement('SKU-TEE', 'wh-1', 0, 'shipment', -14, ago(3));
  await putStock('SKU-CAP', 'st-1', 0, 200, { safetyStock: 5 });
  await putMovement('SKU-CAP', 'st-1', 0, 'shipment', -28, ago(12));
  await putStock('SKU-BAG', 'st-1', 0, 0);
  await putStock('SKU-OLD', 'wh-1', 0, 12);

  // ----- Carts and disruptions --------------------------------------------------------------------------
  await putCart('c1', D, {
    status: 'abandoned',
    abandonedAt: at(D, '08:00'),
    cause: 'shipping-cost',
    currency: 'USD',
    subtotal: 2500,
  });
  await putCart('c2', D, {
    status: 'abandoned',
    abandonedAt: at(D, '09:00'),
    cause: 'shipping-cost',
    currency: 'USD',
    lines: [{ sku: 'SKU-MUG', quantity: 2, unitPrice: 1000 }],
  });
  await putCart('c3', D, {
    status: 'abandoned',
    abandonedAt: at(D, '10:00'),
    currency: 'JPY',
    subtotal: 3000,
  });
  await putCart('c4', D, { status: 'recovered', abandonedAt: at(D, '11:00'), cause: 'price' });
  await putCart('c5', addDays(D, -1), { status: 'abandoned', abandonedAt: ago(1, '11:00'), cause: 'price' });
  await putDisruption({
    id: 'dis_outage',
    kind: 'carrier-outage',
    severity: 'high',
    startsAt: at('2025-03-12', '00:00'),
    endsAt: at(D, '12:00'),
    area: { postalPrefixes: ['0'] },
    carriers: ['SIMPOST'],
    affectedOrders: 5,
    repromised: 3,
  });
  await putDisruption({
    id: 'dis_storm',
    kind: 'weather',
    severity: 'medium',
    startsAt: at('2025-03-01', '00:00'),
    endsAt: at('2025-03-03', '12:00'),
    area: { center: { lat: 40.7, lon: -74.2 }, radiusKm: 50 },
    affectedOrders: 2,
    repromised: 2,
  });
  await putDisruption({
    id: 'dis_next',
    kind: 'weather',
    severity: 'low',
    startsAt: at(addDays(D, 1), '00:00'),
    endsAt: at(addDays(D, 2), '00:00'),
    area: { postalPrefixes: ['1'] },
    affectedOrders: 0,
    repromised: 0,
  });
}, 120_000);

describe('Given a seeded history and the schedule running the morning after', () => {
  let report: StoredDailyReport;

  beforeAll(async () => {
    const result = await buildDailyReport(deps);
    expect(result).toMatchObject({ day: D, files: REPORT_TABLES.length + 2 });
    report = JSON.parse(await text(files.json));
  });

  it('reports the previous day, complete, with its rules stated', () => {
    expect(report).toMatchObject({
      report: 'daily',
      day: D,
      generatedAt: NOW.toISOString(),
      complete: true,
      window: { start: at(D, '00:00'), end: at('2025-03-15', '00:00') },
    });
    expect(report.rules.productCycleStage).toMatch(/introduction .* decline .* growth .* maturity otherwise/);
    expect(report.files).toEqual(files);
  });

  it('counts the day’s orders by status and its sales per currency, the failed order left out', () => {
    expect(report.summary).toEqual({
      ordersPlaced: 4,
      ordersByStatus: { backordered: 1, failed: 1, picking: 1, shipped: 1 },
      sales: 3,
      unitsSold: 17,
      byCurrency: [
        {
          currency: 'JPY',
          orders: 1,
          units: 4,
          gross: 6000,
          discount: 0,
          net: 6000,
          shipping: 800,
          tax: 600,
          total: 7400,
        },
        {
          currency: 'USD',
          orders: 2,
          units: 13,
          gross: 17500,
          discount: 500,
          net: 17000,
          shipping: 599,
          tax: 1280,
          total: 18879,
        },
      ],
    });
  });

  it('reports sales by channel and by location, never adding currencies', () => {
    expect(
      report.salesByChannel.map((row) => [row.channel, row.currency, row.orders, row.net, row.total]),
    ).toEqual([
      ['direct', 'JPY', 1, 6000, 7400],
      ['shopify', 'USD', 2, 17000, 18879],
    ]);
    expect(report.salesByLocation).toEqual([
      { locationId: '(unallocated)', currency: 'USD', orders: 1, units: 2, net: 1000 },
      { locationId: 'st-1', currency: 'USD', orders: 1, units: 1, net: 3500 },
      { locationId: 'wh-1', currency: 'JPY', orders: 1, units: 4, net: 6000 },
      { locationId: 'wh-1', currency: 'USD', orders: 1, units: 10, net: 12500 },
    ]);
  });

  it('reports sales by day for the 7 days ending on the day, every currency each day', () => {
    expect(report.salesByDay).toHaveLength(21);
    const nonZero = report.salesByDay
      .filter((row) => row.orders > 0)
      .map((row) => [row.day, row.currency, row.orders, row.net]);
    expect(nonZero).toEqual([
      ['2025-03-11', 'USD', 1, 1000],
      ['2025-03-12', 'EUR', 1, 4000],
      [D, 'JPY', 1, 6000],
      [D, 'USD', 2, 17000],
    ]);
  });

  it('ranks the top SKUs of the day and the SKUs falling week over week', () => {
    expect(report.topSkus.map((top) => [top.rank, top.sku, top.units, top.orders, top.stage])).toEqual([
      [1, 'SKU-MUG', 10, 1, 'maturity'],
      [2, 'SKU-CAP', 4, 1, 'introduction'],
      [3, 'SKU-NEW', 2, 1, 'introduction'],
      [4, 'SKU-BAG', 1, 1, 'growth'],
    ]);
    expect(report.fallingSkus).toEqual([
      {
        sku: 'SKU-TEE',
        unitsThisWeek: 2,
        unitsLastWeek: 3,
        change: -1,
        changePercent: -33.3,
        stage: 'decline',
      },
    ]);
  });

  it('gives each SKU its trend against last week and its own history, and its product-cycle stage', () => {
    const trend = (sku: string) => report.demandTrends.find((row) => row.sku === sku);
    expect(report.demandTrends.map((row) => row.sku)).toEqual([
      'SKU-MUG',
      'SKU-CAP',
      'SKU-NEW',
      'SKU-TEE',
      'SKU-BAG',
      'SKU-SOCK',
    ]);
    expect(trend('SKU-MUG')).toMatchObject({
      unitsThisWeek: 10,
      unitsLastWeek: 10,
      weekOverWeekPercent: 0,
      historyWeeks: 7,
      weeklyAverage: 10,
      vsHistoryPercent: 0,
      firstSaleDay: addDays(D, -49),
      last4Weeks: 40,
      previous4Weeks: 40,
      stage: 'maturity',
    });
    // 2 this week against (3 + 3 + 3 + 10 + 10 + 10 + 10) / 7 = 7 a week: −71.4 %.
    expect(trend('SKU-TEE')).toMatchObject({
      weeklyAverage: 7,
      vsHistoryPercent: -71.4,
      last4Weeks: 11,
      previous4Weeks: 40,
      stage: 'decline',
    });
    expect(trend('SKU-CAP')).toMatchObject({
      unitsThisWeek: 4,
      unitsLastWeek: 3,
      weekOverWeekPercent: 33.3,
      historyWeeks: 1,
      weeklyAverage: 3,
      vsHistoryPercent: 33.3,
      stage: 'introduction',
    });
    expect(trend('SKU-BAG')).toMatchObject({
      last4Weeks: 6,
      previous4Weeks: 2,
      weekOverWeekPercent: null,
      stage: 'growth',
    });
    expect(trend('SKU-SOCK')).toMatchObject({
      unitsThisWeek: 1,
      unitsLastWeek: 1,
      firstSaleDay: '2025-03-03',
    });
  });

  it('reports days of cover, stock-outs and overstock from the stock rows and 28 days of shipments', () => {
    expect(report.inventoryHealth).toMatchObject({
      stockOuts: 1,
      overstocked: 2,
      demandDays: 28,
      overstockCoverDays: 90,
    });
    expect(
      report.inventoryHealth.rows.map((row) => [
        row.sku,
        row.locationId,
        row.available,
        row.shippedUnits,
        row.daysOfCover,
        row.status,
      ]),
    ).toEqual([
      ['SKU-BAG', 'st-1', 0, 0, null, 'inactive'],
      // 195 available against 28 shipped in 28 days: 195 days.
      ['SKU-CAP', 'st-1', 195, 28, 195, 'overstock'],
      // Two buckets: 56 available, 20 + 10 + 26 shipped: 2 a day, 28 days.
      ['SKU-MUG', 'wh-1', 56, 56, 28, 'ok'],
      ['SKU-OLD', 'wh-1', 12, 0, null, 'overstock'],
      ['SKU-TEE', 'wh-1', 0, 14, 0, 'stock-out'],
    ]);
  });

  it('counts the day’s abandoned carts by cause', () => {
    expect(report.abandonedCarts).toEqual({
      carts: 3,
      byCause: [
        { cause: 'shipping-cost', carts: 2, percent: 66.7 },
        { cause: 'unknown', carts: 1, percent: 33.3 },
      ],
      valueByCurrency: [
        { currency: 'JPY', carts: 1, value: 3000 },
        { currency: 'USD', carts: 2, value: 4500 },
      ],
    });
  });

  it('measures the day’s shipments: hours from placed, pick hours, on time against the promise', () => {
    // 6 h and 7 h (on time), 75 h (promised the 13th), 265 h (promised the 10th); the label bought before
    // midnight belongs to the day before.
    expect(report.fulfillment).toMatchObject({
      shipments: 4,
      onTime: 2,
      late: 2,
      onTimePercent: 50,
      lateDuringDisruption: 1,
      placedToShippedHours: { count: 4, average: 88.3, median: 7, p90: 265 },
      pickHours: { count: 2, average: 3, median: 2, p90: 4 },
    });
    expect(report.fulfillment.byLocation).toEqual([
      {
        locationId: 'st-1',
        shipments: 2,
        onTime: 1,
        late: 1,
        onTimePercent: 50,
        averageHours: 41,
        medianHours: 7,
      },
      {
        locationId: 'wh-1',
        shipments: 2,
        onTime: 1,
        late: 1,
        onTimePercent: 50,
        averageHours: 135.5,
        medianHours: 6,
      },
    ]);
    expect(report.fulfillment.lateShipments.map((late) => [late.orderId, late.promiseDay])).toEqual([
      ['ord_late', '2025-03-10'],
      ['ord_promised', '2025-03-13'],
    ]);
  });

  it('lists the disruptions overlapping the day, and shades those of the chart’s weeks', () => {
    expect(report.disruptions).toMatchObject({ count: 1, affectedOrders: 5, repromised: 3 });
    expect(report.disruptions.items.map((d) => d.id)).toEqual(['dis_outage']);
    expect(report.trendChart.disruptions).toEqual([
      { id: 'dis_storm', kind: 'weather', from: '2025-03-01', to: '2025-03-03' },
      { id: 'dis_outage', kind: 'carrier-outage', from: '2025-03-12', to: D },
    ]);
  });

  it('writes one CSV per table that parses, with money in each currency’s decimals', async () => {
    for (const table of REPORT_TABLES) {
      const rows = parseCsv(await text(files.csv[table] as string));
      expect(rows[0]?.length, table).toBeGreaterThan(1);
    }
    expect(csvRecords(await text(files.csv['sales-by-channel'] as string))).toEqual([
      expect.objectContaining({ channel: 'direct', currency: 'JPY', net: '6000', total: '7400' }),
      expect.objectContaining({ channel: 'shopify', currency: 'USD', net: '170.00', total: '188.79' }),
    ]);
    expect(csvRecords(await text(files.csv['inventory-health'] as string))).toContainEqual(
      expect.objectContaining({ sku: 'SKU-TEE', available: '0', days_of_cover: '0', status: 'stock-out' }),
    );
    expect(csvRecords(await text(files.csv.disruptions as string))).toEqual([
      expect.objectContaining({
        id: 'dis_outage',
        carriers: 'SIMPOST',
        area: 'postal 0',
        affected_orders: '5',
      }),
    ]);
  });

  it('draws the trend chart as well-formed SVG: a line per top SKU over 28 days', async () => {
    const svg = await text(files.trendChart);
    const elements = checkXml(svg);
    expect(elements.filter((name) => name === 'polyline')).toHaveLength(5);
    expect(report.trendChart.series.map((series) => [series.sku, series.total])).toEqual([
      ['SKU-MUG', 40],
      ['SKU-TEE', 11],
      ['SKU-CAP', 7],
      ['SKU-BAG', 6],
      ['SKU-NEW', 2],
    ]);
    expect(svg).toContain('Daily units, top 5 SKUs, 2025-02-15 to 2025-03-14');
  });

  it('writes the same files again on a re-run', async () => {
    const before = await Promise.all([files.json, files.trendChart, ...Object.values(files.csv)].map(text));
    await buildDailyReport(deps, { day: D });
    const after = await Promise.all([files.json, files.trendChart, ...Object.values(files.csv)].map(text));
    expect(after).toEqual(before);
  });
});

describe('Given the report asked for on demand', () => {
  const context = {
    awsRequestId: 'req-1',
    functionName: 'get-daily-report',
    getRemainingTimeInMillis: () => 29_000,
  } as unknown as Context;
  const event = (
    path: string,
    query: Record<string, string> = {},
    pathParameters: Record<string, string> = {},
  ): APIGatewayProxyEventV2 =>
    ({
      version: '2.0',
      routeKey: `GET ${path}`,
      rawPath: path,
      rawQueryString: new URLSearchParams(query).toString(),
      headers: {},
      queryStringParameters: query,
      pathParameters,
      isBase64Encoded: false,
      requestContext: { http: { method: 'GET', path }, requestId: 'req-1', routeKey: `GET ${path}` },
    }) as unknown as APIGatewayProxyEventV2;

  beforeAll(() => {
    provideDeps(deps);
  });

  it('answers a stored, complete report as stored, and the schedule’s run brings in later data', async () => {
    await buildDailyReport(deps, { day: D });
    await putOrder({
      id: 'ord_late_arrival',
      placedAt: at(D, '20:00'),
      enteredAt: at(D, '20:00'),
      status: 'placed',
      lines: [{ sku: 'SKU-MUG', quantity: 1, unitPrice: 1250 }],
    });
    expect((await getDailyReport(deps, D)).summary.ordersPlaced).toBe(4);
    await buildHandler({ day: D }, context);
    expect((await getDailyReport(deps, D)).summary.ordersPlaced).toBe(5);
  });

  it('GET /reports/daily answers the JSON, yesterday by default', async () => {
    const response = await reportHandler(event('/reports/daily'), context);
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['content-type']).toBe('application/json');
    expect(JSON.parse(response.body ?? '{}')).toMatchObject({ day: D, complete: true });
  });

  it('builds a missing day’s report, and today’s afresh (incomplete) every time', async () => {
    const older = await reportHandler(event('/reports/daily', { date: '2025-02-01' }), context);
    expect(JSON.parse(older.body ?? '{}')).toMatchObject({ day: '2025-02-01', complete: true });
    expect(await deps.objects.get(reportFiles('2025-02-01').json)).toBeDefined();
    const today = await reportHandler(event('/reports/daily', { date: '2025-03-15' }), context);
    expect(JSON.parse(today.body ?? '{}')).toMatchObject({ day: '2025-03-15', complete: false });
  });

  it('refuses a date that is not a day, or is in the future, naming the field', async () => {
    for (const date of ['2025-02-30', 'yesterday', '2025-03-16']) {
      const response = await reportHandler(event('/reports/daily', { date }), context);
      expect(response.statusCode, date).toBe(400);
      expect(JSON.parse(response.body ?? '{}').error.fields).toEqual([
        expect.objectContaining({ field: 'date' }),
      ]);
    }
  });

  it('GET /reports/daily/{date}/trend.svg answers the chart as SVG', async () => {
    const response = await chartHandler(event(`/reports/daily/${D}/trend.svg`, {}, { date: D }), context);
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['content-type']).toMatch(/^image\/svg\+xml/);
    expect(response.body).toBe(await text(files.trendChart));
    const bad = await chartHandler(event('/reports/daily/x/trend.svg', {}, { date: 'x' }), context);
    expect(bad.statusCode).toBe(400);
  });
});
