import { beforeAll, describe, expect, it } from 'vitest';
import { allocateOrder } from '../../shared/app/allocate-order.js';
import { billOrder } from '../../shared/app/bill-order.js';
import { confirmPick } from '../../shared/app/confirm-pick.js';
import { recordAccountingEvent } from '../../shared/app/consumers.js';
import { exportLedger, proposeReorders } from '../../shared/app/jobs.js';
import { notifyCustomer } from '../../shared/app/notify-customer.js';
import { placeOrder } from '../../shared/app/place-order.js';
import { buildDailyReport } from '../../shared/app/reports.js';
import { selectCarrier } from '../../shared/app/select-carrier.js';
import { putLocation, setOnHand } from '../../shared/store/inventory.js';
import { getOrderAggregate } from '../../shared/store/orders.js';
import { busEnvelope, eventOf } from '../support/bus.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';

let deps: TestDeps;
let orderId: string;
const today = () => new Date().toISOString().slice(0, 10);
const text = async (key: string) => new TextDecoder().decode(await deps.objects.get(key));

beforeAll(async () => {
  deps = await createTestDeps();
  await putLocation(deps, {
    id: 'wh-1',
    kind: 'warehouse',
    name: 'Warehouse',
    address: { line1: '1 Dock', city: 'Newark', postalCode: '07114', country: 'US' },
    shipsToHome: true,
    pickup: false,
    dailyCapacity: 0,
    cutoffTime: '23:59',
  });
  await setOnHand(deps, 'wh-1', 'SKU-A', 8);
  await setOnHand(deps, 'wh-1', 'SKU-B', 50);
  // One order through every step, so the jobs have real rows to read.
  ({ orderId } = await placeOrder(deps, {
    order: {
      channel: 'direct',
      externalId: 'jobs-1',
      currency: 'JPY',
      customer: { email: 'jobs@example.com' },
      shippingAddress: { line1: '1-1 Chiyoda', city: 'Tokyo', postalCode: '1000001', country: 'JP' },
      lines: [{ sku: 'SKU-A', quantity: 4, unitPrice: 1500, discount: 300 }],
      shipping: 800,
      tax: 570,
      discount: 300,
      total: 7070,
      fulfillment: { type: 'ship' },
    },
  }));
  await allocateOrder(deps, { orderId, taskToken: 'token' });
  const order = await getOrderAggregate(deps, orderId);
  const ticket = order?.pickTickets[0];
  if (!ticket) throw new Error('no pick ticket');
  await confirmPick(deps, { pickTicketId: ticket.id, lines: [{ sku: 'SKU-A', quantity: 4 }] });
  await selectCarrier(deps, { orderId });
  await billOrder(deps, { orderId });
  await notifyCustomer(deps, { orderId });
  // The accounting consumer posts the sale from the published capture.
  await recordAccountingEvent(
    deps,
    busEnvelope(eventOf(await deps.outbox(), 'PaymentCaptured', orderId), 'c-1'),
  );
});

describe('Given low stock of SKUs that no supplier is linked to', () => {
  it('the reorder job proposes nothing and writes its CSV and JSON all the same', async () => {
    // The reorder rule itself is exercised in tests/integration/purchasing.test.ts.
    const result = await proposeReorders(deps);
    expect(result.proposals).toBe(0);
    expect(result.run.purchaseOrders).toEqual([]);
    const csv = await text(`reorders/${today()}.csv`);
    expect(csv.split('\r\n')).toEqual([
      'sku,location_id,supplier_id,position,reorder_point,order_quantity,purchase_order_id,reason',
      '',
    ]);
    expect(JSON.parse(await text(`reorders/${today()}.json`))).toMatchObject({
      evaluations: [],
      skipped: [],
    });
  });
});

describe('Given a shipped and notified order', () => {
  it('the report job reports the day’s sale, its shipment and the stock it left', async () => {
    const result = await buildDailyReport(deps, { day: today() });
    expect(result.summary.ordersByStatus).toEqual({ shipped: 1 });
    expect(result.summary.byCurrency).toEqual([
      expect.objectContaining({ currency: 'JPY', orders: 1, units: 4, net: 5700, total: 7070 }),
    ]);
    const report = JSON.parse(await text(`reports/daily/${today()}.json`));
    expect(report.salesByLocation).toEqual([
      { locationId: 'wh-1', currency: 'JPY', orders: 1, units: 4, net: 5700 },
    ]);
    expect(report.fulfillment).toMatchObject({ shipments: 1, onTime: 1, onTimePercent: 100 });
    expect(report.inventoryHealth.rows).toContainEqual(
      expect.objectContaining({ sku: 'SKU-A', locationId: 'wh-1', available: 4, shippedUnits: 4 }),
    );
  });

  it('the ledger export writes the day in the currency’s own decimals, and the same file on a re-run', async () => {
    const first = await exportLedger(deps, { day: today() });
    expect(first.entries).toBe(1);
    const csv = await text(`exports/ledger/${today()}.csv`);
    const rows = csv.trim().split('\r\n');
    expect(rows[0]).toBe('entry_id,posted_at,account,debit,credit,currency,order_id,memo');
    // JPY has no minor unit: 7070 yen is written as 7070, not 70.70.
    expect(rows).toContainEqual(expect.stringMatching(/,1100-payment-clearing,7070,0,JPY,/));
    expect(rows).toContainEqual(expect.stringMatching(/,4000-sales-revenue,0,6000,JPY,/));
    await exportLedger(deps, { day: today() });
    expect(await text(`exports/ledger/${today()}.csv`)).toBe(csv);
  });
});
