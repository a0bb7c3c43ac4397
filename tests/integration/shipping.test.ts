import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { allocateOrder } from '../../shared/app/allocate-order.js';
import { confirmPick } from '../../shared/app/confirm-pick.js';
import { setStock } from '../../shared/app/inventory.js';
import { placeOrder } from '../../shared/app/place-order.js';
import { selectCarrier } from '../../shared/app/select-carrier.js';
import { setSkuDimensions } from '../../shared/app/shipping.js';
import { keys } from '../../shared/store/keys.js';
import { putLocation } from '../../shared/store/locations.js';
import { getOrderAggregate } from '../../shared/store/orders.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { startTestRuntime, type TestRuntime } from '../support/runtime.js';

const RUN = Date.now().toString(36);
const SMALL = { lengthIn: 10, widthIn: 8, heightIn: 4, weightLb: 2 };
const quoteBody = (overrides: Record<string, unknown> = {}) => ({
  origin: { postalCode: '07114', cutoffTime: '17:00', timeZone: 'America/New_York' },
  destination: { postalCode: '10001', country: 'US' },
  parcels: [SMALL],
  // Monday 10:00 in Newark.
  shipAt: '2026-03-09T14:00:00Z',
  promiseDate: '2026-03-10',
  ...overrides,
});

describe('Given the local runtime over HTTP', () => {
  let oms: TestRuntime;

  beforeAll(async () => {
    oms = await startTestRuntime();
  });
  afterAll(async () => {
    await oms?.stop();
  });

  describe('When a parcel to a home is quoted with a promise only an express service keeps', () => {
    it('lists every option with its cost breakdown, billable weight and reason, and the chosen one', async () => {
      const reply = await oms.request('POST', '/shipping/quotes', quoteBody());
      expect(reply.status).toBe(200);
      const byName = Object.fromEntries(
        // biome-ignore lint/suspicious/noExplicitAny: JSON answer.
        reply.body.options.map((option: any) => [`${option.carrier} ${option.service}`, option]),
      );
      expect(reply.body).toMatchObject({
        currency: 'USD',
        promiseDate: '2026-03-10',
        residential: true,
        meetsPromise: true,
        origin: { postalCode: '07114', cutoffTime: '17:00', timeZone: 'America/New_York' },
        chosen: { carrier: 'SIMPARCEL', service: 'Express', kept: true, estimatedDelivery: '2026-03-10' },
      });
      expect(byName['SIMPOST Ground']).toMatchObject({
        kept: false,
        reasonCode: 'misses-promise',
        reason: 'misses the promise by 1 day (delivers 2026-03-11, promise 2026-03-10)',
        billableWeightLb: 2,
        parcels: [{ basis: 'actual', billableLb: 2, cubicIn: 320 }],
        breakdown: { base: 614, surcharges: [], fuel: { amount: 0 }, total: 614 },
      });
      expect(byName['SIMPARCEL Express']).toMatchObject({
        zone: 2,
        shipDate: '2026-03-09',
        billableWeightLb: 3,
        parcels: [{ basis: 'dimensional', divisor: 139, dimensionalLb: 2.3, billableLb: 3 }],
        // 1729 base + 545 residential + 15.5 % fuel of 2274 (352.47 → 352).
        breakdown: {
          base: 1729,
          surcharges: [{ code: 'residential', amount: 545 }],
          fuel: { basisPoints: 1550, on: ['base', 'residential'], amount: 352 },
          total: 2626,
        },
        total: 2626,
      });
      expect(byName['SIMPARCEL Standard']).toMatchObject({ kept: false, daysLate: 1 });
    });
  });

  describe('When the parcel is too heavy for some services, the address is a business and a carrier is avoided', () => {
    it('says why each option is not kept', async () => {
      const reply = await oms.request(
        'POST',
        '/shipping/quotes',
        quoteBody({
          destination: { postalCode: '10001', country: 'US', company: 'Acme Corp' },
          parcels: [{ lengthIn: 20, widthIn: 20, heightIn: 20, weightLb: 60 }],
          promiseDate: '2026-03-20',
          avoidCarriers: ['SIMPOST'],
        }),
      );
      expect(reply.status).toBe(200);
      expect(reply.body.residential).toBe(false);
      // biome-ignore lint/suspicious/noExplicitAny: JSON answer.
      const reasons = reply.body.options.map((option: any) => [option.service, option.reasonCode]);
      expect(reasons).toEqual([
        ['Ground', 'carrier-avoided'],
        ['Standard', 'meets-promise'],
        ['Express', 'unavailable-weight'],
      ]);
      // 8000 in³ / 139 = 57.55 < 60 lb actual → 60 lb → the 70 lb bracket.
      expect(reply.body.chosen).toMatchObject({
        service: 'Standard',
        parcels: [{ basis: 'actual', billableLb: 60 }],
        breakdown: { base: 3442, surcharges: [] },
      });
    });
  });

  describe('When the quote is made after the origin’s cut-off in its own time zone', () => {
    it('ships the next business day', async () => {
      expect(
        (
          await oms.request('PUT', `/locations/wh-ship-${RUN}`, {
            kind: 'warehouse',
            name: 'Newark',
            address: { line1: '1 Dock', city: 'Newark', postalCode: '07114', country: 'US' },
            shipsToHome: true,
            pickup: false,
            cutoffTime: '17:00',
            timeZone: 'America/New_York',
          })
        ).status,
      ).toBeLessThan(300);
      // 17:30 in Newark (EDT).
      const reply = await oms.request(
        'POST',
        '/shipping/quotes',
        quoteBody({
          origin: { locationId: `wh-ship-${RUN}` },
          shipAt: '2026-03-09T21:30:00Z',
          promiseDate: '2026-03-12',
        }),
      );
      expect(reply.status).toBe(200);
      expect(reply.body.chosen).toMatchObject({
        carrier: 'SIMPOST',
        shipDate: '2026-03-10',
        estimatedDelivery: '2026-03-12',
      });
    });
  });

  describe('When the quote body is invalid', () => {
    it('answers 400 naming each field', async () => {
      const reply = await oms.request(
        'POST',
        '/shipping/quotes',
        quoteBody({
          parcels: [{ ...SMALL, weightLb: -1 }],
          destination: { postalCode: '10001', country: 'usa' },
          promiseDate: 'soon',
        }),
      );
      expect(reply.status).toBe(400);
      const fields = JSON.stringify(reply.body);
      for (const field of ['parcels[0].weightLb', 'destination.country', 'promiseDate'])
        expect(fields).toContain(field);
    });
  });

  describe('When a freight class is asked for', () => {
    it('answers the density and class, and 400 for bad fields', async () => {
      const reply = await oms.request('POST', '/shipping/freight-class', {
        weightLb: 500,
        lengthIn: 48,
        widthIn: 40,
        heightIn: 48,
        shipDate: '2025-08-01',
      });
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({
        densityLbPerFt3: 9.375,
        freightClass: '100',
        scale: '13-tier',
        cubicFeet: 53.333,
      });
      const dense = await oms.request('POST', '/shipping/freight-class', {
        weightLb: 40,
        lengthIn: 12,
        widthIn: 12,
        heightIn: 12,
        shipDate: '2025-07-18',
      });
      expect(dense.body).toMatchObject({ freightClass: '60', scale: '11-tier' });
      const bad = await oms.request('POST', '/shipping/freight-class', {
        weightLb: 0,
        lengthIn: 12,
        widthIn: 12,
        shipDate: 'x',
      });
      expect(bad.status).toBe(400);
      for (const field of ['weightLb', 'heightIn', 'shipDate'])
        expect(JSON.stringify(bad.body)).toContain(field);
    });
  });

  describe('When SKU dimensions are recorded', () => {
    it('stores them, and refuses a non-positive size', async () => {
      const ok = await oms.request('PUT', `/skus/SKU-${RUN}/dimensions`, {
        lengthIn: 12,
        widthIn: 10,
        heightIn: 6,
        weightLb: 3,
      });
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ sku: `SKU-${RUN}`, lengthIn: 12, weightLb: 3 });
      const bad = await oms.request('PUT', `/skus/SKU-${RUN}/dimensions`, {
        lengthIn: 0,
        widthIn: 10,
        heightIn: 6,
        weightLb: 3,
      });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.body)).toContain('lengthIn');
      // Positive, but below what DynamoDB can store (1e-130): a 400 on the field, not a failed write.
      const tiny = await oms.request('PUT', `/skus/SKU-${RUN}/dimensions`, {
        lengthIn: 12,
        widthIn: 10,
        heightIn: 5e-324,
        weightLb: 3,
      });
      expect(tiny.status, tiny.text).toBe(400);
      expect(tiny.body.error.fields).toEqual([expect.objectContaining({ field: 'heightIn' })]);
    });
  });
});

describe('Given a picked order at a warehouse with a 17:00 cut-off in New York', () => {
  let deps: TestDeps;
  let sequence = 0;
  // Monday 2026-03-09 17:30 EDT: after the cut-off.
  const afterCutoff = new Date('2026-03-09T21:30:00Z');

  const pickedOrder = async (sku: string, quantity: number, address: Record<string, unknown> = {}) => {
    sequence += 1;
    const { orderId } = await placeOrder(deps, {
      order: {
        channel: 'direct',
        externalId: `shipping-${RUN}-${sequence}`,
        currency: 'USD',
        customer: { email: `ship${sequence}@example.com` },
        shippingAddress: {
          line1: '1 Main St',
          city: 'New York',
          postalCode: '10001',
          country: 'US',
          ...address,
        },
        lines: [{ sku, quantity, unitPrice: 1000, discount: 0 }],
        shipping: 0,
        tax: 0,
        discount: 0,
        total: 1000 * quantity,
        placedAt: '2026-03-09T15:00:00Z',
        fulfillment: { type: 'ship' },
      },
    });
    await allocateOrder(deps, { orderId, taskToken: `token-${orderId}` });
    const ticket = (await getOrderAggregate(deps, orderId))?.pickTickets[0];
    if (!ticket) throw new Error('no pick ticket');
    await confirmPick(deps, {
      pickTicketId: ticket.id,
      lines: ticket.lines.map(({ sku: s, quantity: q }) => ({ sku: s, quantity: q })),
    });
    return { orderId, ticketId: ticket.id };
  };
  const select = (orderId: string) =>
    selectCarrier({ ...deps, clock: { now: () => afterCutoff } }, { orderId });

  beforeAll(async () => {
    deps = await createTestDeps();
    await putLocation(deps, {
      id: 'wh-nyc',
      kind: 'warehouse',
      name: 'Newark',
      address: { line1: '1 Dock', city: 'Newark', postalCode: '07114', country: 'US' },
      shipsToHome: true,
      pickup: false,
      dailyCapacity: 0,
      cutoffTime: '17:00',
      timeZone: 'America/New_York',
    });
    for (const sku of ['SKU-BOX', 'SKU-PLAIN', 'SKU-CARTON'])
      await setStock(deps, { locationId: 'wh-nyc', sku, onHand: 100 });
    await setSkuDimensions(deps, { sku: 'SKU-BOX', lengthIn: 12, widthIn: 12, heightIn: 12, weightLb: 3 });
  });

  describe('When its carrier is selected after the cut-off', () => {
    it('ships the next business day and prices the SKU’s recorded size, residential by default', async () => {
      const { orderId } = await pickedOrder('SKU-BOX', 1);
      const [shipment] = (await select(orderId)).shipments;
      // 12×12×12 in, 3 lb: SIMPOST bills 3 lb (not above 1,728 in³), SIMPARCEL 13 lb (1728/139) + residential.
      expect(shipment).toMatchObject({
        carrier: 'SIMPOST',
        service: 'Ground',
        shipDate: '2026-03-10',
        estimatedDelivery: '2026-03-12',
        billableWeightLb: 3,
        cost: 668,
        currency: 'USD',
        breakdown: { base: 668, surcharges: [], fuel: 0 },
      });
      expect(shipment?.options).toContainEqual(
        expect.objectContaining({
          carrier: 'SIMPARCEL',
          service: 'Standard',
          cost: 1390 + 545 + Math.round((1390 + 545) * 0.155),
        }),
      );
      expect(shipment?.trackingNumber).toMatch(/^SIM\d{18}$/);
      // A repeat returns the same shipment (same label key, same tracking number).
      expect((await select(orderId)).shipments[0]?.trackingNumber).toBe(shipment?.trackingNumber);
    });
  });

  describe('When the SKU has no recorded dimensions and the address is a company', () => {
    it('estimates from the default unit size and adds no residential surcharge', async () => {
      const { orderId } = await pickedOrder('SKU-PLAIN', 3, { company: 'Acme Corp' });
      const [shipment] = (await select(orderId)).shipments;
      // 3 × (10×8×2 in, 1.1 lb): 480 in³ → a 8 in cube (512 in³), 3.3 lb → 4 lb on either carrier.
      expect(shipment).toMatchObject({ carrier: 'SIMPOST', billableWeightLb: 4, cost: 775 });
      const standard = ((shipment?.options ?? []) as { service: string; cost: number }[]).find(
        (o) => o.service === 'Standard',
      );
      expect(standard?.cost).toBe(774 + Math.round(774 * 0.155));
    });
  });

  describe('When the pick ticket has recorded cartons', () => {
    it('prices the cartons instead of the estimate', async () => {
      const { orderId, ticketId } = await pickedOrder('SKU-CARTON', 2);
      await deps.db.send(
        new UpdateCommand({
          TableName: deps.tableName,
          Key: keys.pickTicket(orderId, ticketId),
          UpdateExpression: 'SET cartons = :cartons',
          ExpressionAttributeValues: {
            ':cartons': [
              { id: 'c1', lengthIn: 20, widthIn: 12, heightIn: 10, weightLb: 8 },
              { id: 'c2', lengthIn: 10, widthIn: 8, heightIn: 4, weightLb: 2 },
            ],
          },
        }),
      );
      const [shipment] = (await select(orderId)).shipments;
      // SIMPOST: 2400 in³ / 166 = 14.46 → 15 lb (20 lb bracket, 1581) + 2 lb (614) = 2195.
      expect(shipment).toMatchObject({ carrier: 'SIMPOST', billableWeightLb: 17, cost: 2195 });
    });
  });
});

describe('Given an order to be picked up at a store', () => {
  it('records a free store-pickup shipment and buys no carrier label', async () => {
    const deps = await createTestDeps();
    await putLocation(deps, {
      id: 'store-soho',
      kind: 'store',
      name: 'SoHo',
      address: { line1: '2 Spring St', city: 'New York', postalCode: '10012', country: 'US' },
      shipsToHome: false,
      pickup: true,
      dailyCapacity: 0,
      cutoffTime: '17:00',
    });
    await setStock(deps, { locationId: 'store-soho', sku: 'SKU-PICKUP', onHand: 5 });
    const { orderId } = await placeOrder(deps, {
      order: {
        channel: 'direct',
        externalId: `pickup-${RUN}`,
        currency: 'USD',
        customer: { email: 'pickup@example.com' },
        shippingAddress: { line1: '9 Any St', city: 'New York', postalCode: '10013', country: 'US' },
        lines: [{ sku: 'SKU-PICKUP', quantity: 2, unitPrice: 1000, discount: 0 }],
        shipping: 0,
        tax: 0,
        discount: 0,
        total: 2000,
        fulfillment: { type: 'pickup', locationId: 'store-soho' },
      },
    });
    await allocateOrder(deps, { orderId, taskToken: `token-${orderId}` });
    const ticket = (await getOrderAggregate(deps, orderId))?.pickTickets[0];
    if (!ticket) throw new Error('no pick ticket');
    expect(ticket.locationId).toBe('store-soho');
    await confirmPick(deps, { pickTicketId: ticket.id, lines: [{ sku: 'SKU-PICKUP', quantity: 2 }] });
    const labels = vi.spyOn(deps.carriers, 'createLabel');

    const { shipments } = await selectCarrier(deps, { orderId });

    expect(labels).not.toHaveBeenCalled();
    expect(shipments).toEqual([
      expect.objectContaining({
        carrier: 'store-pickup',
        service: 'customer-pickup',
        cost: 0,
        locationId: 'store-soho',
      }),
    ]);
    // A repeat answers the same shipment.
    expect((await selectCarrier(deps, { orderId })).shipments.map((s) => s.id)).toEqual([shipments[0]?.id]);
  });
});
