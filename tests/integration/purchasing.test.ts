import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { allocateOrder } from '../../shared/app/allocate-order.js';
import { adjustStockAndAnnounce, setStock } from '../../shared/app/inventory.js';
import { proposeReorders } from '../../shared/app/jobs.js';
import { placeOrder } from '../../shared/app/place-order.js';
import {
  cancelPurchaseOrder,
  createPurchaseOrder,
  createSupplier,
  getPurchaseOrderView,
  linkSkuToSupplier,
  receivePurchaseOrder,
  sendPurchaseOrder,
} from '../../shared/app/purchasing.js';
import { releaseBackorders } from '../../shared/app/release-backorders.js';
import { windowDays } from '../../shared/domain/replenishment.js';
import { listMovements, putLocation, stockForSku } from '../../shared/store/inventory.js';
import { keys } from '../../shared/store/keys.js';
import { getOrderRecord } from '../../shared/store/orders.js';
import { readPurchaseOrder, receiptLineItem } from '../../shared/store/purchasing.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';

let deps: TestDeps;
const today = () => new Date().toISOString().slice(0, 10);
const text = async (key: string) => new TextDecoder().decode(await deps.objects.get(key));
const onHand = async (sku: string) =>
  (await stockForSku(deps, sku)).find((row) => row.locationId === 'wh-1')?.onHand;

/** One week of units shipped a day, repeated over the job's 56-day window. */
const WEEK = [2, 0, 4, 1, 3, 0, 2];

/**
 * Shipment history as `bill-order` leaves it: `shipment` movements in the SKU's partition, one a day at noon,
 * on the days of the job's window (the 56 days before today).
 */
async function seedShipments(sku: string) {
  const days = windowDays(today(), 56);
  for (const [index, day] of days.entries()) {
    const units = WEEK[index % WEEK.length] ?? 0;
    if (units === 0) continue;
    const at = `${day}T12:00:00.000Z`;
    const id = deps.ids.next('mv');
    await deps.db.send(
      new PutCommand({
        TableName: deps.tableName,
        Item: {
          ...keys.movement(sku, 0, 'wh-1', at, id),
          entity: 'StockMovement',
          entityVersion: 1,
          id,
          sku,
          locationId: 'wh-1',
          bucket: 0,
          type: 'shipment',
          delta: -units,
          reason: 'shipped',
          reference: `ord_${index}`,
          at,
        },
      }),
    );
  }
  // A receipt in the window is not demand.
  const at = `${days[3]}T08:00:00.000Z`;
  await deps.db.send(
    new PutCommand({
      TableName: deps.tableName,
      Item: {
        ...keys.movement(sku, 0, 'wh-1', at, 'mv_receipt'),
        entity: 'StockMovement',
        entityVersion: 1,
        id: 'mv_receipt',
        sku,
        locationId: 'wh-1',
        bucket: 0,
        type: 'receipt',
        delta: 50,
        reason: 'PO-old',
        at,
      },
    }),
  );
}

beforeAll(async () => {
  deps = await createTestDeps();
  await putLocation(deps, {
    id: 'wh-1',
    kind: 'warehouse',
    name: 'Newark warehouse',
    address: { line1: '1 Dock St', city: 'Newark', postalCode: '07114', country: 'US' },
    shipsToHome: true,
    pickup: false,
    dailyCapacity: 0,
    cutoffTime: '23:59',
  });
  await createSupplier(deps, {
    id: 'acme',
    name: 'Acme Mugs',
    email: 'orders@acme.example',
    currency: 'USD',
    leadTimeDays: 10,
    leadTimeStdDevDays: 0,
    minimumOrderQuantity: 24,
    packSize: 12,
    autoSend: false,
  });
  for (const sku of ['SKU-R', 'SKU-S']) {
    await linkSkuToSupplier(deps, { sku, supplierId: 'acme', unitCost: 400 });
    await setStock(deps, { locationId: 'wh-1', sku, onHand: 20 });
    await seedShipments(sku);
  }
});

describe('Given a supplier and two linked SKUs with eight weeks of shipments', () => {
  /**
   * By hand: the week 2,0,4,1,3,0,2 eight times is 96 units over 56 days, d = 1.7143/day; the squared
   * deviations add up to 13.4286 a week, 107.43 in all, so σd = √(107.43/55) = 1.3976. With L = 10 days and
   * z(95 %) = 1.6449: SS = 1.6449·1.3976·√10 = 7.27, ROP = ⌈17.14 + 7.27⌉ = 25. EOQ with D = 625.71/year,
   * S = 50.00 (the default) and H = 25 % of 4.00 = 1.00: √(2·625.71·5000/100) = 250.14 → 252 in packs of 12.
   * SKU-R: on hand 20 + a draft for 3 = 23 ≤ 25, reorder 252. SKU-S: 20 + 6 = 26 > 25, nothing.
   */
  let manualDraft: string;
  let jobOrder: string;

  beforeAll(async () => {
    manualDraft = (
      await createPurchaseOrder(deps, {
        supplierId: 'acme',
        lines: [
          { sku: 'SKU-R', locationId: 'wh-1', quantity: 3 },
          { sku: 'SKU-S', locationId: 'wh-1', quantity: 6 },
        ],
      })
    ).id;
  });

  describe('When the reorder job runs', () => {
    it('drafts one purchase order for what is at or below its reorder point, counting open orders', async () => {
      const result = await proposeReorders(deps);
      expect(result.proposals).toBe(1);
      const [order, ...others] = result.run.purchaseOrders;
      expect(others).toEqual([]);
      expect(order).toMatchObject({
        supplierId: 'acme',
        status: 'draft',
        currency: 'USD',
        total: 252 * 400,
        lines: [{ sku: 'SKU-R', locationId: 'wh-1', quantity: 252 }],
      });
      jobOrder = order?.id ?? '';

      const r = result.run.evaluations.find((e) => e.sku === 'SKU-R');
      expect(r).toMatchObject({
        reorder: true,
        reorderPoint: 25,
        orderQuantity: 252,
        safetyStock: { units: 8, form: 'fixed-lead-time' },
        position: { onHand: 20, reserved: 0, onOrder: 3, total: 23 },
        demand: { days: 56, total: 96 },
      });
      expect(r?.demand.stdDev).toBeCloseTo(1.3976, 4);
      expect(r?.explanation).toBe(
        'SKU-R at wh-1: demand 1.71/day (σ 1.40), 96 units over 56 days; lead time 10 days; z 1.645 for 95% ' +
          'service; safety stock 1.645·1.40·√10 = 7.27; reorder point ⌈1.71·10 + 7.27⌉ = 25; position 23 ' +
          '(on hand 20 − reserved 0 + on order 3); at or below the reorder point: EOQ √(2·625.71·50.00 USD/1.00 ' +
          'USD) = 250.14, 252 in packs of 12 → order 252.',
      );
      expect(result.run.evaluations.find((e) => e.sku === 'SKU-S')).toMatchObject({
        reorder: false,
        orderQuantity: 0,
        position: { onOrder: 6, total: 26 },
      });

      const stored = await getPurchaseOrderView(deps, jobOrder);
      expect(stored).toMatchObject({ origin: 'reorder-job', status: 'draft' });
      expect(stored.lines[0]?.explanation).toBe(r?.explanation);

      const csv = (await text(`reorders/${today()}.csv`)).split('\r\n');
      expect(csv[0]).toBe(
        'sku,location_id,supplier_id,position,reorder_point,order_quantity,purchase_order_id,reason',
      );
      expect(csv[1]).toMatch(new RegExp(`^SKU-R,wh-1,acme,23,25,252,${jobOrder},"SKU-R at wh-1: demand`));
      expect(csv[2]).toMatch(/^SKU-S,wh-1,acme,26,25,0,,/);
      const json = JSON.parse(await text(`reorders/${today()}.json`));
      expect(json.evaluations.map((e: { explanation: string }) => e.explanation)).toEqual(
        result.run.evaluations.map((e) => e.explanation),
      );
    });

    it('proposes nothing more on a second run: the draft is on order', async () => {
      const again = await proposeReorders(deps);
      expect(again.proposals).toBe(0);
      expect(again.run.evaluations.find((e) => e.sku === 'SKU-R')?.position).toMatchObject({
        onOrder: 255,
        total: 275,
      });
    });
  });

  describe('When the drafted order is sent', () => {
    it('emails it through the port and announces PurchaseOrderSent on the order', async () => {
      const { purchaseOrder, duplicate } = await sendPurchaseOrder(deps, jobOrder);
      expect(duplicate).toBe(false);
      expect(purchaseOrder.status).toBe('sent');
      expect(purchaseOrder.message?.uri).toMatch(/^file:\/\/.*\.eml$/);
      const eml = await readFile(fileURLToPath(purchaseOrder.message?.uri ?? ''), 'utf8');
      expect(eml).toContain('To: orders@acme.example\r\n');
      expect(eml).toContain(`Subject: Purchase order ${jobOrder}: 1 line, 1008.00 USD`);
      const body = Buffer.from(eml.split('\r\n\r\n')[2]?.split('\r\n--')[0] ?? '', 'base64').toString('utf8');
      expect(body).toMatch(/SKU-R +wh-1 +252 +4\.00 +1008\.00/);
      expect(body).toContain('wh-1: Newark warehouse, 1 Dock St, 07114 Newark, US');
      const document = JSON.parse(
        await readFile(fileURLToPath(purchaseOrder.message?.uri ?? '').replace(/\.eml$/, '.json'), 'utf8'),
      );
      expect(document).toMatchObject({ purchaseOrderId: jobOrder, to: 'orders@acme.example' });

      const sent = (await deps.outbox()).filter((event) => event.detailType === 'PurchaseOrderSent');
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({
        source: 'oms.purchasing',
        detail: {
          metadata: { idempotencyKey: `${jobOrder}:sent` },
          data: {
            purchaseOrderId: jobOrder,
            supplierId: 'acme',
            origin: 'reorder-job',
            total: 100_800,
            lines: [{ sku: 'SKU-R', locationId: 'wh-1', quantity: 252, unitCost: 400 }],
          },
        },
      });
    });

    it('answers a second send as a duplicate, without sending or announcing again', async () => {
      const { duplicate } = await sendPurchaseOrder(deps, jobOrder);
      expect(duplicate).toBe(true);
      expect((await deps.outbox()).filter((event) => event.detailType === 'PurchaseOrderSent')).toHaveLength(
        1,
      );
    });
  });

  describe('When goods arrive in two deliveries', () => {
    it('adds the first, marks the order partially received, and ignores the same receipt again', async () => {
      const first = await receivePurchaseOrder(deps, jobOrder, {
        receiptId: 'DN-1',
        lines: [{ sku: 'SKU-R', locationId: 'wh-1', quantity: 100 }],
      });
      expect(first.duplicate).toBe(false);
      expect(first.purchaseOrder).toMatchObject({ status: 'partially-received', lines: [{ received: 100 }] });
      expect(await onHand('SKU-R')).toBe(120);

      const repeat = await receivePurchaseOrder(deps, jobOrder, {
        receiptId: 'DN-1',
        lines: [{ sku: 'SKU-R', locationId: 'wh-1', quantity: 100 }],
      });
      expect(repeat.duplicate).toBe(true);
      expect(await onHand('SKU-R')).toBe(120);
      await expect(
        receivePurchaseOrder(deps, jobOrder, {
          receiptId: 'DN-1',
          lines: [{ sku: 'SKU-R', locationId: 'wh-1', quantity: 90 }],
        }),
      ).rejects.toMatchObject({ statusCode: 409 });
    });

    it('refuses more than is outstanding, then receives the rest and closes the order', async () => {
      await expect(
        receivePurchaseOrder(deps, jobOrder, {
          receiptId: 'DN-2',
          lines: [{ sku: 'SKU-R', locationId: 'wh-1', quantity: 153 }],
        }),
      ).rejects.toMatchObject({ statusCode: 409 });
      const rest = await receivePurchaseOrder(deps, jobOrder, {
        receiptId: 'DN-2',
        lines: [{ sku: 'SKU-R', locationId: 'wh-1', quantity: 152 }],
      });
      expect(rest.purchaseOrder).toMatchObject({
        status: 'received',
        lines: [{ quantity: 252, received: 252 }],
      });
      expect(rest.purchaseOrder.receipts.map((receipt) => receipt.id)).toEqual(['DN-1', 'DN-2']);
      expect(await onHand('SKU-R')).toBe(272);
      const receipts = (await listMovements(deps, 'SKU-R', 'wh-1')).filter((m) =>
        m.reference?.startsWith(jobOrder),
      );
      expect(receipts.map((m) => [m.type, m.delta, m.reference])).toEqual([
        ['receipt', 100, `${jobOrder}/DN-1`],
        ['receipt', 152, `${jobOrder}/DN-2`],
      ]);
      const received = (await deps.outbox()).filter(
        (event) =>
          event.detailType === 'StockReceived' && (event.detail.data as { sku: string }).sku === 'SKU-R',
      );
      expect(received.map((event) => (event.detail.data as { quantity: number }).quantity)).toEqual([
        20, 100, 152,
      ]);
      await expect(
        receivePurchaseOrder(deps, jobOrder, {
          receiptId: 'DN-3',
          lines: [{ sku: 'SKU-R', locationId: 'wh-1', quantity: 1 }],
        }),
      ).rejects.toMatchObject({ statusCode: 409 });
    });
  });

  describe('When orders are cancelled', () => {
    it('cancels a draft (and answers a repeat as it is), refuses one that received goods', async () => {
      const cancelled = await cancelPurchaseOrder(deps, manualDraft, 'ordered by phone');
      expect(cancelled).toMatchObject({
        duplicate: false,
        purchaseOrder: { status: 'cancelled', cancelReason: 'ordered by phone' },
      });
      expect((await cancelPurchaseOrder(deps, manualDraft)).duplicate).toBe(true);
      await expect(cancelPurchaseOrder(deps, jobOrder)).rejects.toMatchObject({ statusCode: 409 });
      await expect(sendPurchaseOrder(deps, manualDraft)).rejects.toMatchObject({ statusCode: 409 });
      await expect(
        receivePurchaseOrder(deps, manualDraft, {
          receiptId: 'DN-9',
          lines: [{ sku: 'SKU-R', locationId: 'wh-1', quantity: 1 }],
        }),
      ).rejects.toMatchObject({ statusCode: 409 });
    });

    it('no longer counts a cancelled or received order as on order', async () => {
      const run = await proposeReorders(deps, { send: false });
      expect(run.run.evaluations.find((e) => e.sku === 'SKU-S')?.position).toMatchObject({
        onOrder: 0,
        total: 20,
      });
      // SKU-S is now at 20 ≤ 25: it is proposed, on a draft left for a buyer.
      expect(run.run.purchaseOrders).toMatchObject([
        { status: 'draft', lines: [{ sku: 'SKU-S', quantity: 252 }] },
      ]);
    });
  });
});

describe('Given a receipt that stopped after booking one of its two lines', () => {
  it('books only the other line when it is sent again', async () => {
    await linkSkuToSupplier(deps, { sku: 'SKU-T', supplierId: 'acme', unitCost: 100 });
    const draft = await createPurchaseOrder(deps, {
      supplierId: 'acme',
      lines: [
        { sku: 'SKU-T', locationId: 'wh-1', quantity: 10 },
        { sku: 'SKU-U', locationId: 'wh-1', quantity: 5, unitCost: 300 },
      ],
    });
    await sendPurchaseOrder(deps, draft.id);
    // What the first attempt did before it was cut short: SKU-T's stock and its line, in one transaction.
    const stored = await readPurchaseOrder(deps, draft.id);
    await adjustStockAndAnnounce(deps, {
      locationId: 'wh-1',
      sku: 'SKU-T',
      type: 'receipt',
      quantity: 10,
      reason: `purchase order ${draft.id}`,
      alsoWrite: [
        receiptLineItem(
          deps,
          stored?.order ?? draft,
          { index: 0, quantity: 10, key: 'DN-7#SKU-T@wh-1' },
          new Date().toISOString(),
        ),
      ],
    });
    const lines = [
      { sku: 'SKU-T', locationId: 'wh-1', quantity: 10 },
      { sku: 'SKU-U', locationId: 'wh-1', quantity: 5 },
    ];
    const result = await receivePurchaseOrder(deps, draft.id, { receiptId: 'DN-7', lines });
    expect(result.purchaseOrder).toMatchObject({
      status: 'received',
      lines: [{ received: 10 }, { received: 5 }],
    });
    expect(await onHand('SKU-T')).toBe(10);
    expect(await onHand('SKU-U')).toBe(5);

    // The same line again: the order refuses it inside the adjustment's transaction, and no stock moves.
    const fresh = await readPurchaseOrder(deps, draft.id);
    await expect(
      adjustStockAndAnnounce(deps, {
        locationId: 'wh-1',
        sku: 'SKU-T',
        type: 'receipt',
        quantity: 10,
        reason: 'replayed',
        alsoWrite: [
          receiptLineItem(
            deps,
            fresh?.order ?? draft,
            { index: 0, quantity: 10, key: 'DN-7#SKU-T@wh-1' },
            new Date().toISOString(),
          ),
        ],
      }),
    ).rejects.toMatchObject({ statusCode: 409, details: { companion: true } });
    expect(await onHand('SKU-T')).toBe(10);
  });
});

describe('Given an order backordered for a SKU on a sent purchase order', () => {
  it('receiving the order releases the backorder', async () => {
    await setStock(deps, { locationId: 'wh-1', sku: 'SKU-BO', onHand: 0 });
    const { orderId } = await placeOrder(deps, {
      order: {
        channel: 'direct',
        externalId: `po-bo-${Date.now()}`,
        currency: 'USD',
        customer: { email: 'purchasing@example.com' },
        shippingAddress: { line1: '1 Main St', city: 'New York', postalCode: '10001', country: 'US' },
        lines: [{ sku: 'SKU-BO', quantity: 2, unitPrice: 1000, discount: 0 }],
        shipping: 0,
        tax: 0,
        discount: 0,
        total: 2000,
        fulfillment: { type: 'ship' },
      },
    });
    await expect(allocateOrder(deps, { orderId, taskToken: 'token' })).rejects.toMatchObject({
      name: 'OutOfStockError',
    });
    expect((await getOrderRecord(deps, orderId))?.status).toBe('backordered');

    const po = await createPurchaseOrder(deps, {
      supplierId: 'acme',
      lines: [{ sku: 'SKU-BO', locationId: 'wh-1', quantity: 5, unitCost: 700 }],
    });
    await sendPurchaseOrder(deps, po.id);
    await receivePurchaseOrder(deps, po.id, {
      receiptId: 'DN-BO',
      lines: [{ sku: 'SKU-BO', locationId: 'wh-1', quantity: 5 }],
    });
    // The receipt announced the stock: what the backorders queue hands release-backorders.
    const announced = (await deps.outbox()).filter(
      (event) =>
        event.detailType === 'StockReceived' && (event.detail.data as { sku: string }).sku === 'SKU-BO',
    );
    expect(announced.map((event) => event.detail.data)).toEqual([
      { sku: 'SKU-BO', locationId: 'wh-1', quantity: 5, onHand: 5, reason: `purchase order ${po.id}` },
    ]);
    const released = await releaseBackorders(deps, { sku: 'SKU-BO' });
    expect(released.allocated).toEqual([orderId]);
    expect((await getOrderRecord(deps, orderId))?.status).toBe('allocated');
    expect((await stockForSku(deps, 'SKU-BO'))[0]).toMatchObject({ onHand: 5, reserved: 2, available: 3 });
  });
});
