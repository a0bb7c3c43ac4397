import { createHash } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocateOrder } from '../../shared/app/allocate-order.js';
import { confirmPick } from '../../shared/app/confirm-pick.js';
import { issueDocument, listOrderDocuments } from '../../shared/app/documents.js';
import { setStock } from '../../shared/app/inventory.js';
import { placeOrder } from '../../shared/app/place-order.js';
import { selectCarrier } from '../../shared/app/select-carrier.js';
import { UnprocessableError } from '../../shared/domain/errors.js';
import type { Deps } from '../../shared/runtime/deps.js';
import { gsi1, keys } from '../../shared/store/keys.js';
import { putLocation } from '../../shared/store/locations.js';
import { getOrderAggregate, type ShipmentRecord } from '../../shared/store/orders.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { uniqueNumber } from '../support/fixtures.js';
import { startTestRuntime, type TestRuntime } from '../support/runtime.js';

const textOf = async (bytes: Uint8Array) => {
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(bytes)), { mergePages: true });
  return text.replace(/\s+/g, ' ');
};

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function seedLocation(deps: Deps, id: string) {
  await putLocation(deps, {
    id,
    kind: 'warehouse',
    name: id,
    address: { line1: '1 Dock Rd', city: 'Newark', region: 'NJ', postalCode: '07102', country: 'US' },
    shipsToHome: true,
    pickup: false,
    dailyCapacity: 0,
    cutoffTime: '23:59',
  });
}

/**
 * An order as the shipping run leaves it: header, a confirmed and packed pick ticket with two cartons, and its
 * shipment (indexed by tracking number, as select-carrier writes it). Written directly: what is tested here
 * is the paperwork, not the workflow.
 */
async function seedShippedOrder(
  deps: Deps,
  options: { country: string; locationId: string; currency?: string },
) {
  const hash = uniqueNumber().toString(16);
  const orderId = `ord_${hash}`;
  const ticketId = `pt_${hash}_1`;
  const shipmentId = `sh_${hash}_1`;
  const at = '2026-11-20T15:00:00.000Z';
  const currency = options.currency ?? 'USD';
  const put = (Item: Record<string, unknown>) =>
    deps.db.send(new PutCommand({ TableName: deps.tableName, Item }));
  await put({
    ...keys.order(orderId),
    entity: 'Order',
    entityVersion: 1,
    id: orderId,
    channel: 'direct',
    externalId: `docs-${hash}`,
    orderNumber: `SF-${hash}`,
    status: 'shipped',
    currency,
    customer: { email: `docs-${hash}@example.com`, name: 'Ada Lovelace' },
    shippingAddress:
      options.country === 'US'
        ? {
            name: 'Ada Lovelace',
            line1: '350 Fifth Ave',
            city: 'New York',
            region: 'NY',
            postalCode: '10118',
            country: 'US',
          }
        : {
            name: 'Ada Lovelace',
            line1: '12 Queen St W',
            city: 'Toronto',
            region: 'ON',
            postalCode: 'M5H 2N2',
            country: options.country,
          },
    lines: [
      { sku: 'SKU-TSHIRT-M', name: 'T-shirt, size M', quantity: 2, unitPrice: 2500, discount: 500 },
      { sku: 'SKU-MUG', name: 'Ceramic mug', quantity: 1, unitPrice: 1250, discount: 0 },
    ],
    totals: { subtotal: 6250, discount: 500, shipping: 599, tax: 0, grand: 6349 },
    payment: { status: 'captured', amount: 6349, captured: 6349, refunded: 0 },
    allocations: [],
    placedAt: at,
    createdAt: at,
    updatedAt: at,
    correlationId: orderId,
  });
  await put({
    ...keys.pickTicket(orderId, ticketId),
    entity: 'PickTicket',
    entityVersion: 2,
    id: ticketId,
    orderId,
    locationId: options.locationId,
    status: 'confirmed',
    lines: [
      { sku: 'SKU-TSHIRT-M', quantity: 2, bin: 'A-01' },
      { sku: 'SKU-MUG', quantity: 1, bin: 'B-02' },
    ],
    picked: [
      { sku: 'SKU-TSHIRT-M', ordered: 2, picked: 2 },
      { sku: 'SKU-MUG', ordered: 1, picked: 1 },
    ],
    taskToken: '',
    createdAt: at,
    confirmedAt: at,
    packedAt: '2026-11-20T16:00:00.000Z',
    cartons: [
      {
        id: 'c1',
        lengthIn: 12,
        widthIn: 10,
        heightIn: 4,
        weightLb: 1.5,
        lines: [{ sku: 'SKU-TSHIRT-M', quantity: 2 }],
      },
      {
        id: 'c2',
        lengthIn: 8,
        widthIn: 8,
        heightIn: 8,
        weightLb: 2,
        lines: [{ sku: 'SKU-MUG', quantity: 1 }],
      },
    ],
  });
  const shipment: ShipmentRecord = {
    id: shipmentId,
    locationId: options.locationId,
    pickTicketId: ticketId,
    carrier: 'SIMPARCEL',
    service: 'Standard',
    trackingNumber: `1ZDOC${hash.toUpperCase()}`,
    cost: 1234,
    currency: 'USD',
    estimatedDelivery: '2026-11-24',
    options: [],
    createdAt: '2026-11-20T17:00:00.000Z',
  };
  await put({
    ...keys.shipment(orderId, shipmentId),
    gsi1pk: gsi1.shipmentTracking(shipment.trackingNumber),
    gsi1sk: shipmentId,
    entity: 'Shipment',
    entityVersion: 1,
    ...shipment,
  });
  return { orderId, ticketId, shipmentId, shipment };
}

describe('Given a cross-border order that was packed and shipped', () => {
  let deps: TestDeps;
  let seeded: Awaited<ReturnType<typeof seedShippedOrder>>;

  beforeAll(async () => {
    deps = await createTestDeps();
    await seedLocation(deps, 'wh-docs');
    seeded = await seedShippedOrder(deps, { country: 'CA', locationId: 'wh-docs' });
  });

  describe('When its packing slip, bill of lading and commercial invoice are issued', () => {
    it('stores three PDFs that hold the order data, with their size, sha256 and retention', async () => {
      const slip = await issueDocument(deps, {
        orderId: seeded.orderId,
        type: 'packing-slip',
        pickTicketId: seeded.ticketId,
      });
      const bol = await issueDocument(deps, {
        orderId: seeded.orderId,
        type: 'bill-of-lading',
        shipmentId: seeded.shipmentId,
        hazmatSkus: ['SKU-MUG'],
        specialInstructions: 'Dock door 4',
      });
      const invoice = await issueDocument(deps, {
        orderId: seeded.orderId,
        type: 'commercial-invoice',
        shipmentId: seeded.shipmentId,
        hsCodes: { 'SKU-MUG': '6912.00' },
      });
      expect([slip.id, bol.id, invoice.id]).toEqual([
        `ps_${seeded.ticketId}`,
        `bol_${seeded.shipmentId}`,
        `ci_${seeded.shipmentId}`,
      ]);
      expect(slip.retainUntil).toBe('2029-11-20T16:00:00.000Z');
      expect(invoice.retainUntil).toBe('2033-11-20T17:00:00.000Z');

      const bytes = async (key: string) => {
        const stored = await deps.objects.get(key);
        if (!stored) throw new Error(`nothing stored at ${key}`);
        return stored;
      };
      const slipBytes = await bytes(slip.key);
      expect(slip.key).toBe(`documents/${seeded.orderId}/ps_${seeded.ticketId}.pdf`);
      expect(slip.size).toBe(slipBytes.byteLength);
      expect(slip.sha256).toBe(sha256(slipBytes));
      const slipText = await textOf(slipBytes);
      for (const part of [
        `SF-${seeded.orderId.slice(4)}`,
        '1 Dock Rd',
        '12 Queen St W',
        'Toronto, ON, M5H 2N2',
        'SKU-TSHIRT-M T-shirt, size M 2',
        'SKU-MUG Ceramic mug 1',
      ]) {
        expect(slipText).toContain(part);
      }

      const bolText = await textOf(await bytes(bol.key));
      for (const part of [
        `BOL number: ${seeded.shipmentId}`,
        'SIMPARCEL (SCAC SMPL)',
        `PRO number: ${seeded.shipment.trackingNumber}`,
        'Dock door 4',
        'Declared totals: 2 handling unit(s), 3.5 lb, contains hazardous materials',
      ]) {
        expect(bolText).toContain(part);
      }
      // Carton 1: 480 in³ = 0.278 ft³, 1.5 lb → 5.4 lb/ft³ → class 175; carton 2: 512 in³, 2 lb → 6.75 → 125.
      expect(bolText).toMatch(/1 CTN 1\.5 T-shirt, size M 12 x 10 x 4 5\.4 175/);
      expect(bolText).toMatch(/1 CTN 2 X Ceramic mug 8 x 8 x 8 6\.75 125/);

      const invoiceText = await textOf(await bytes(invoice.key));
      for (const part of [
        'Commercial invoice',
        'Incoterms 2020: DAP',
        '6912.00',
        'not known',
        '25.00 USD',
        '50.00 USD',
        '12.50 USD',
        '-5.00 USD',
        '5.99 USD',
        'Total invoice value 63.49 USD',
        'docs-',
      ]) {
        expect(invoiceText).toContain(part);
      }
    });
  });

  describe('When a document is issued twice', () => {
    it('returns the first record and keeps one document', async () => {
      const first = await issueDocument(deps, {
        orderId: seeded.orderId,
        type: 'bill-of-lading',
        shipmentId: seeded.shipmentId,
      });
      const again = await issueDocument(deps, { orderId: seeded.orderId, type: 'bill-of-lading' });
      expect(again).toEqual(first);
      const listed = await listOrderDocuments(deps, seeded.orderId);
      expect(listed.filter((document) => document.type === 'bill-of-lading')).toHaveLength(1);
    });
  });
});

describe('Given a cross-border shipment whose label select-carrier just bought', () => {
  it('issues the commercial invoice from the shipment before it is recorded, and once', async () => {
    const deps = await createTestDeps();
    await seedLocation(deps, 'wh-docs-2');
    const seeded = await seedShippedOrder(deps, { country: 'MX', locationId: 'wh-docs-2', currency: 'JPY' });
    const shipment = {
      ...seeded.shipment,
      id: `${seeded.shipmentId.slice(0, -2)}_2`,
      pickTicketId: seeded.ticketId,
    };
    const record = await issueDocument(deps, {
      orderId: seeded.orderId,
      type: 'commercial-invoice',
      shipment,
    });
    expect(record.shipmentId).toBe(shipment.id);
    const text = await textOf((await deps.objects.get(record.key)) as Uint8Array);
    // JPY has no minor unit: 2500 is ¥2,500.
    expect(text).toContain('2500 JPY');
    const again = await issueDocument(deps, {
      orderId: seeded.orderId,
      type: 'commercial-invoice',
      shipment,
    });
    expect(again.sha256).toBe(record.sha256);
    expect((await listOrderDocuments(deps, seeded.orderId)).length).toBe(1);
  });
});

describe('Given a cross-border order picked and labelled by the shipping run', () => {
  it('buys the label and issues its commercial invoice with the order’s lines, once', async () => {
    const deps = await createTestDeps();
    await seedLocation(deps, 'wh-xb');
    await setStock(deps, { locationId: 'wh-xb', sku: 'SKU-XB', onHand: 10 });
    const { orderId } = await placeOrder(deps, {
      order: {
        channel: 'direct',
        externalId: `xb-${uniqueNumber()}`,
        currency: 'USD',
        customer: { email: 'xb@example.com', name: 'Jean Tremblay' },
        shippingAddress: {
          line1: '1 Rue Sainte-Catherine',
          city: 'Montréal',
          postalCode: 'H2X 1K4',
          country: 'CA',
        },
        lines: [{ sku: 'SKU-XB', name: 'Maple mug', quantity: 2, unitPrice: 1250, discount: 0 }],
        shipping: 900,
        tax: 0,
        discount: 0,
        total: 3400,
        fulfillment: { type: 'ship' },
      },
    });
    await allocateOrder(deps, { orderId, taskToken: `token-${orderId}` });
    const ticket = (await getOrderAggregate(deps, orderId))?.pickTickets[0];
    if (!ticket) throw new Error('no pick ticket');
    await confirmPick(deps, { pickTicketId: ticket.id, lines: [{ sku: 'SKU-XB', quantity: 2 }] });

    const { shipments } = await selectCarrier(deps, { orderId });
    await selectCarrier(deps, { orderId });

    expect(shipments).toHaveLength(1);
    const documents = await listOrderDocuments(deps, orderId);
    expect(documents.map((document) => [document.type, document.shipmentId])).toEqual([
      ['commercial-invoice', shipments[0]?.id],
    ]);
    const text = await textOf((await deps.objects.get(documents[0]?.key ?? '')) as Uint8Array);
    expect(text).toContain('Maple mug');
    expect(text).toContain('12.50 USD');
    expect(text).toContain(shipments[0]?.trackingNumber ?? 'no tracking');
  });
});

describe('Given a domestic order picked and labelled by the shipping run', () => {
  let deps: TestDeps;
  let orderId: string;

  beforeAll(async () => {
    deps = await createTestDeps();
    await seedLocation(deps, 'wh-dom');
    await setStock(deps, { locationId: 'wh-dom', sku: 'SKU-DOM', onHand: 100 });
    ({ orderId } = await placeOrder(deps, {
      order: {
        channel: 'direct',
        externalId: `dom-${uniqueNumber()}`,
        currency: 'USD',
        customer: { email: 'dom@example.com' },
        shippingAddress: { line1: '1 Main St', city: 'Town', postalCode: '10001', country: 'US' },
        lines: [{ sku: 'SKU-DOM', quantity: 1, unitPrice: 2500, discount: 0 }],
        shipping: 500,
        tax: 0,
        discount: 0,
        total: 3000,
        fulfillment: { type: 'ship' },
      },
    }));
    await allocateOrder(deps, { orderId, taskToken: `token-${orderId}` });
    const ticket = (await getOrderAggregate(deps, orderId))?.pickTickets[0];
    if (!ticket) throw new Error('no pick ticket');
    await confirmPick(deps, {
      pickTicketId: ticket.id,
      lines: ticket.lines.map(({ sku, quantity }) => ({ sku, quantity })),
    });
    await selectCarrier(deps, { orderId });
  });

  it('writes no document (no S3 PUT for domestic parcels)', async () => {
    expect(await listOrderDocuments(deps, orderId)).toEqual([]);
  });

  it('refuses a commercial invoice with a clear reason', async () => {
    const failure = issueDocument(deps, { orderId, type: 'commercial-invoice' });
    await expect(failure).rejects.toThrow(UnprocessableError);
    await expect(failure).rejects.toThrow(/only for cross-border shipments/);
  });

  it('finds the shipment by its tracking number through gsi1', async () => {
    const shipment = (await getOrderAggregate(deps, orderId))?.shipments[0];
    const { shipmentsByTracking } = await import('../../shared/store/freight-invoices.js');
    const found = await shipmentsByTracking(deps, shipment?.trackingNumber ?? 'none');
    expect(found.map((entry) => [entry.orderId, entry.id])).toEqual([[orderId, shipment?.id]]);
  });
});

describe('Given the local runtime over HTTP', () => {
  let runtime: TestRuntime;
  let seeded: Awaited<ReturnType<typeof seedShippedOrder>>;

  beforeAll(async () => {
    runtime = await startTestRuntime();
    await seedLocation(runtime.deps, 'wh-http');
    seeded = await seedShippedOrder(runtime.deps, { country: 'GB', locationId: 'wh-http' });
  });
  afterAll(async () => {
    await runtime.stop();
  });

  describe('When documents are issued, listed and downloaded', () => {
    it('answers 201 then 200 for the same document, lists it and returns the same PDF bytes', async () => {
      const path = `/orders/${seeded.orderId}/documents`;
      const first = await runtime.request('POST', path, {
        type: 'bill-of-lading',
        shipmentId: seeded.shipmentId,
      });
      expect(first.status).toBe(201);
      const again = await runtime.request('POST', path, {
        type: 'bill-of-lading',
        shipmentId: seeded.shipmentId,
      });
      expect(again.status).toBe(200);
      expect(again.body.sha256).toBe(first.body.sha256);
      const invoice = await runtime.request('POST', path, { type: 'commercial-invoice' });
      expect(invoice.status).toBe(201);

      const listed = await runtime.request('GET', path, undefined);
      expect(listed.status).toBe(200);
      expect(listed.body.items.map((item: { id: string }) => item.id).sort()).toEqual([
        `bol_${seeded.shipmentId}`,
        `ci_${seeded.shipmentId}`,
      ]);
      const listedBol = listed.body.items.find((item: { type: string }) => item.type === 'bill-of-lading');
      expect(listedBol).toMatchObject({
        shipmentId: seeded.shipmentId,
        key: `documents/${seeded.orderId}/bol_${seeded.shipmentId}.pdf`,
        size: first.body.size,
        sha256: first.body.sha256,
        retainUntil: '2029-11-20T17:00:00.000Z',
      });

      const response = await fetch(`${runtime.url}${path}/bol_${seeded.shipmentId}`, {});
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/pdf');
      const pdf = new Uint8Array(await response.arrayBuffer());
      expect(sha256(pdf)).toBe(first.body.sha256);
      expect(await textOf(pdf)).toContain(`BOL number: ${seeded.shipmentId}`);
    });

    it('answers 422 with the reason for a document that does not apply, and 404 for an unknown one', async () => {
      const domestic = await seedShippedOrder(runtime.deps, { country: 'US', locationId: 'wh-http' });
      const refused = await runtime.request('POST', `/orders/${domestic.orderId}/documents`, {
        type: 'commercial-invoice',
      });
      expect(refused.status).toBe(422);
      expect(refused.body.error.message).toMatch(/cross-border/);
      expect(refused.body.error.details.reason).toBe('domestic-shipment');
      const missing = await runtime.request(
        'GET',
        `/orders/${domestic.orderId}/documents/bol_sh_nope_1`,
        undefined,
      );
      expect(missing.status).toBe(404);
    });
  });
});
