import { describe, expect, it } from 'vitest';
import { type CarrierService, carrierServices } from '../../../shared/config/carriers.js';
import {
  type SourcingProfile,
  sourcingProfileFor,
  sourcingProfiles,
} from '../../../shared/config/sourcing-profiles.js';
import { ValidationError } from '../../../shared/domain/errors.js';
import { CHANNELS } from '../../../shared/domain/order.js';
import { rateShop } from '../../../shared/domain/rate-shopping.js';
import {
  applyDecision,
  decideSourcing,
  estimateShipmentCost,
  type Fulfillment,
  optimalSourcing,
  type SourcingDecision,
  type SourcingLocation,
  type SourcingRequest,
} from '../../../shared/domain/sourcing.js';

// Postal codes starting 1 are zone 1 from a 1xxxx customer; 9xxxx is zone 8 (see shippingZone).
const NEAR = '10001';
const FAR = '90001';

const warehouse = (
  id: string,
  available: Record<string, number>,
  overrides: Partial<SourcingLocation> = {},
): SourcingLocation => ({
  id,
  kind: 'warehouse',
  shipsToHome: true,
  pickup: false,
  postalCode: NEAR,
  country: 'US',
  remainingCapacity: 10,
  available,
  ...overrides,
});

const store = (id: string, available: Record<string, number>, overrides: Partial<SourcingLocation> = {}) =>
  warehouse(id, available, { kind: 'store', pickup: true, ...overrides });

const toCustomer: Fulfillment = { type: 'ship', postalCode: '10010', country: 'US' };

const order = (lines: Record<string, number>, fulfillment: Fulfillment = toCustomer): SourcingRequest => ({
  lines: Object.entries(lines).map(([sku, quantity]) => ({ sku, quantity })),
  fulfillment,
});

const SHOPIFY = sourcingProfileFor('shopify');
const profile = (overrides: Partial<SourcingProfile> = {}): SourcingProfile => ({ ...SHOPIFY, ...overrides });

/**
 * Prices that depend on the zone only, steeply: with the real table one extra parcel always costs more than
 * any zone saving, so "splitting would be cheaper" cannot be staged with it.
 */
const BY_ZONE: readonly CarrierService[] = [
  {
    carrier: 'TEST',
    service: 'Zone',
    baseByZone: [100, 200, 300, 400, 500, 600, 700, 3000],
    perKg: 0,
    transitDaysByZone: [1, 1, 1, 1, 1, 1, 1, 1],
    preference: 1,
  },
];
const zonePriced = { carrierServices: BY_ZONE };
const NO_HANDLING = profile({ cost: { perShipment: 0, useCarrierRates: true } });

const shippedFrom = (decision: SourcingDecision) => decision.shipments.map((shipment) => shipment.locationId);

describe('Given a pickup order', () => {
  const pickupAt = (locationId: string) => ({ type: 'pickup', locationId }) as const;

  describe('When the pickup store has every line', () => {
    it('reserves the whole order at that store, not at a cheaper warehouse', () => {
      const decision = decideSourcing(
        order({ A: 2, B: 1 }, pickupAt('st-1')),
        [warehouse('wh-1', { A: 9, B: 9 }), store('st-1', { A: 2, B: 5 })],
        SHOPIFY,
      );

      expect(decision).toMatchObject({ outcome: 'allocated', rule: 'pickup-store', missing: [] });
      expect(decision.shipments).toEqual([
        {
          locationId: 'st-1',
          lines: [
            { sku: 'A', quantity: 2 },
            { sku: 'B', quantity: 1 },
          ],
          estimatedCost: SHOPIFY.cost.perShipment,
        },
      ]);
      expect(decision.candidates.find((candidate) => candidate.locationId === 'wh-1')?.rejected).toMatch(
        /not the pickup location/,
      );
    });
  });

  describe('When the pickup store is short of some lines', () => {
    it('refuses the order, naming the store and each short SKU with what it has, instead of splitting', () => {
      const decision = decideSourcing(
        order({ A: 3, B: 1, C: 1 }, pickupAt('st-1')),
        [warehouse('wh-1', { A: 9, B: 9, C: 9 }), store('st-1', { A: 1, C: 4 })],
        SHOPIFY,
      );

      expect(decision).toMatchObject({ outcome: 'unfillable', rule: 'pickup-store', shipments: [] });
      expect(decision.reason).toContain('st-1');
      expect(decision.reason).toContain('A has 1 of 3');
      expect(decision.reason).toContain('B has 0 of 1');
      expect(decision.reason).not.toContain('C has');
      expect(decision.missing).toEqual([
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 1 },
      ]);
    });
  });

  describe('When the named location does not offer pickup', () => {
    it('refuses the order and says so, even though the location has the stock', () => {
      const decision = decideSourcing(
        order({ A: 1 }, pickupAt('wh-1')),
        [warehouse('wh-1', { A: 5 })],
        SHOPIFY,
      );

      expect(decision).toMatchObject({ outcome: 'unfillable', rule: 'pickup-store' });
      expect(decision.reason).toBe('location wh-1 does not offer pickup');
      expect(decision.candidates[0]).toMatchObject({ eligible: false, rejected: 'does not offer pickup' });
    });
  });

  describe('When the named location does not exist', () => {
    it('refuses the order and says so', () => {
      const decision = decideSourcing(
        order({ A: 1 }, pickupAt('st-404')),
        [store('st-1', { A: 5 })],
        SHOPIFY,
      );

      expect(decision).toMatchObject({ outcome: 'unfillable', rule: 'pickup-store' });
      expect(decision.reason).toBe('pickup location st-404 does not exist');
      expect(decision.missing).toEqual([{ sku: 'A', quantity: 1 }]);
    });
  });
});

describe('Given an order to ship that one location can fill', () => {
  describe('When several locations could fill it', () => {
    it('ships from the one with the lowest estimated cost and explains the choice', () => {
      const near = warehouse('wh-near', { A: 5, B: 5 });
      const far = warehouse('wh-far', { A: 5, B: 5 }, { postalCode: FAR });
      const decision = decideSourcing(order({ A: 1, B: 2 }), [far, near], SHOPIFY);

      expect(decision).toMatchObject({ outcome: 'allocated', rule: 'single-location', profileId: 'shopify' });
      expect(shippedFrom(decision)).toEqual(['wh-near']);
      const expected = estimateShipmentCost(near, toCustomer, decision.shipments[0]?.lines ?? [], SHOPIFY);
      expect(decision.totalCost).toBe(expected);
      expect(decision.totalCost).toBeLessThan(decision.candidates[0]?.estimatedCost ?? 0);
      expect(decision.reason).toBe(
        `single location wh-near fills all 2 lines at the lowest estimated cost ${(expected / 100).toFixed(2)} USD of 2 that could`,
      );
    });

    it('breaks a cost tie by the profile’s kind order, then by id', () => {
      const tiedKinds = decideSourcing(
        order({ A: 1 }),
        [store('a-store', { A: 1 }), warehouse('z-wh', { A: 1 })],
        SHOPIFY,
      );
      const tiedIds = decideSourcing(
        order({ A: 1 }),
        [warehouse('wh-b', { A: 1 }), warehouse('wh-a', { A: 1 })],
        SHOPIFY,
      );
      const storesFirst = decideSourcing(
        order({ A: 1 }),
        [store('a-store', { A: 1 }), warehouse('z-wh', { A: 1 })],
        profile({ locationKindTieBreak: ['store', 'warehouse'] }),
      );

      expect(shippedFrom(tiedKinds)).toEqual(['z-wh']);
      expect(shippedFrom(tiedIds)).toEqual(['wh-a']);
      expect(shippedFrom(storesFirst)).toEqual(['a-store']);
    });
  });

  describe('When two shipments from nearby locations would cost less', () => {
    it('still ships from the single location', () => {
      const locations = [
        warehouse('wh-far', { A: 1, B: 1 }, { postalCode: FAR }),
        warehouse('wh-near-a', { A: 1 }),
        warehouse('wh-near-b', { B: 1 }),
      ];
      const request = order({ A: 1, B: 1 });
      const [far, nearA, nearB] = locations as [SourcingLocation, SourcingLocation, SourcingLocation];
      const single = estimateShipmentCost(far, toCustomer, request.lines, NO_HANDLING, undefined, BY_ZONE);
      const split =
        estimateShipmentCost(
          nearA,
          toCustomer,
          [{ sku: 'A', quantity: 1 }],
          NO_HANDLING,
          undefined,
          BY_ZONE,
        ) +
        estimateShipmentCost(nearB, toCustomer, [{ sku: 'B', quantity: 1 }], NO_HANDLING, undefined, BY_ZONE);
      expect(split).toBeLessThan(single);

      const decision = decideSourcing(request, locations, NO_HANDLING, zonePriced);

      expect(decision.rule).toBe('single-location');
      expect(shippedFrom(decision)).toEqual(['wh-far']);
      expect(decision.totalCost).toBe(single);
    });
  });
});

describe('Given a parcel to price', () => {
  it('costs the profile’s handling plus the cheapest carrier rate for its zone and weight', () => {
    const from = warehouse('wh-1', {}, { postalCode: '30301' });
    const cost = estimateShipmentCost(from, toCustomer, [{ sku: 'A', quantity: 3 }], SHOPIFY, { A: 700 });
    const { chosen } = rateShop({
      services: carrierServices,
      fromPostalCode: '30301',
      toPostalCode: '10010',
      weightGrams: 2100,
      shipDate: new Date('2025-03-10T00:00:00.000Z'),
      promiseDate: new Date('2030-01-01T00:00:00.000Z'),
    });

    expect(cost).toBe(SHOPIFY.cost.perShipment + chosen.cost);
  });

  it('prices a parcel to another country at the farthest zone', () => {
    const from = warehouse('wh-1', {}, { postalCode: '10001', country: 'CA' });
    const domestic = warehouse('wh-2', {}, { postalCode: FAR });
    const units = [{ sku: 'A', quantity: 1 }];

    expect(estimateShipmentCost(from, toCustomer, units, SHOPIFY)).toBe(
      estimateShipmentCost(domestic, toCustomer, units, SHOPIFY),
    );
  });

  it('prices handling only when the profile does not use carrier rates', () => {
    const flat = profile({ cost: { perShipment: 400, useCarrierRates: false } });
    const from = warehouse('wh-1', {}, { postalCode: FAR });

    expect(estimateShipmentCost(from, toCustomer, [{ sku: 'A', quantity: 9 }], flat)).toBe(400);
  });
});

describe('Given an order no single location can fill', () => {
  describe('When a two-shipment plan costs more than a three-shipment one', () => {
    it('plans the fewest shipments first, then the lowest cost', () => {
      const locations = [
        warehouse('near-a', { A: 1 }),
        warehouse('near-b', { B: 1 }),
        warehouse('near-c', { C: 1 }),
        warehouse('far-ab', { A: 1, B: 1 }, { postalCode: FAR }),
      ];

      const decision = decideSourcing(order({ A: 1, B: 1, C: 1 }), locations, NO_HANDLING, zonePriced);

      expect(decision.rule).toBe('fewest-shipments');
      expect(shippedFrom(decision).sort()).toEqual(['far-ab', 'near-c']);
      expect(decision.totalCost).toBe(3000 + 100);
    });

    it('among plans with as few shipments, picks the cheapest', () => {
      const locations = [
        warehouse('far-a', { A: 1 }, { postalCode: FAR }),
        warehouse('near-a', { A: 1 }),
        warehouse('mid-b', { B: 1 }, { postalCode: '50001' }),
        warehouse('near-b', { B: 1 }),
      ];

      const decision = decideSourcing(order({ A: 1, B: 1 }), locations, NO_HANDLING, zonePriced);

      expect(shippedFrom(decision).sort()).toEqual(['near-a', 'near-b']);
      expect(decision.reason).toBe(
        'no single location fills all 2 lines; 2 shipments from near-a, near-b fill them at the lowest estimated cost 2.00 USD',
      );
    });
  });

  describe('When a chosen location holds all of a line', () => {
    it('ships that line whole from it, even when splitting it would round into lighter parcels', () => {
      const locations = [warehouse('wh-1', { A: 4 }), warehouse('wh-2', { A: 2, B: 2 })];
      const weights = { A: 600, B: 600 };
      const request = { ...order({ A: 4, B: 2 }), weightGramsPerUnit: weights };
      const [one, two] = locations as [SourcingLocation, SourcingLocation];
      const cost = (location: SourcingLocation, lines: Record<string, number>) =>
        estimateShipmentCost(location, toCustomer, order(lines).lines, SHOPIFY, weights);
      expect(cost(one, { A: 3 }) + cost(two, { A: 1, B: 2 })).toBeLessThan(
        cost(one, { A: 4 }) + cost(two, { B: 2 }),
      );

      const decision = decideSourcing(request, locations, SHOPIFY);

      expect(decision.shipments).toEqual([
        { locationId: 'wh-1', lines: [{ sku: 'A', quantity: 4 }], estimatedCost: cost(one, { A: 4 }) },
        { locationId: 'wh-2', lines: [{ sku: 'B', quantity: 2 }], estimatedCost: cost(two, { B: 2 }) },
      ]);
    });
  });

  describe('When no location holds all of a line', () => {
    it('splits that line across the chosen locations and says so', () => {
      const decision = decideSourcing(
        order({ A: 5 }),
        [warehouse('wh-1', { A: 3 }), warehouse('wh-2', { A: 2 }), warehouse('wh-3', { A: 1 })],
        SHOPIFY,
      );

      expect(decision.rule).toBe('fewest-shipments');
      expect(decision.shipments.map((shipment) => [shipment.locationId, shipment.lines])).toEqual([
        ['wh-1', [{ sku: 'A', quantity: 3 }]],
        ['wh-2', [{ sku: 'A', quantity: 2 }]],
      ]);
      expect(decision.reason).toContain('split A across locations');
    });
  });
});

describe('Given locations the profile or the day rules out', () => {
  it('rejects a location with no shipping capacity left, even the cheapest', () => {
    const decision = decideSourcing(
      order({ A: 1 }),
      [
        warehouse('wh-near', { A: 5 }, { remainingCapacity: 0 }),
        warehouse('wh-far', { A: 5 }, { postalCode: FAR }),
      ],
      SHOPIFY,
    );

    expect(shippedFrom(decision)).toEqual(['wh-far']);
    expect(decision.candidates[0]).toEqual({
      locationId: 'wh-near',
      eligible: false,
      rejected: 'no shipping capacity left today',
      fillsAll: true,
      unitsAvailable: 1,
    });
  });

  it('rejects a location that does not ship to home', () => {
    const decision = decideSourcing(
      order({ A: 1 }),
      [store('st-1', { A: 5 }, { shipsToHome: false })],
      SHOPIFY,
    );

    expect(decision.outcome).toBe('unfillable');
    expect(decision.candidates[0]?.rejected).toBe('does not ship to home');
  });

  describe('When the profile does not ship from stores', () => {
    const noStores = sourcingProfileFor('default');

    it('ships from a farther warehouse rather than a nearer store', () => {
      const decision = decideSourcing(
        order({ A: 1 }),
        [store('st-near', { A: 5 }), warehouse('wh-far', { A: 5 }, { postalCode: FAR })],
        noStores,
      );

      expect(noStores.shipFromStores).toBe(false);
      expect(shippedFrom(decision)).toEqual(['wh-far']);
      expect(decision.candidates[0]?.rejected).toBe('profile default does not ship from stores');
    });

    it('counts no store stock, so an order only stores could fill backorders', () => {
      const decision = decideSourcing(
        order({ A: 2 }),
        [store('st-1', { A: 5 }), warehouse('wh-1', { A: 1 })],
        noStores,
      );

      expect(decision).toMatchObject({
        outcome: 'unfillable',
        rule: 'none',
        missing: [{ sku: 'A', quantity: 1 }],
      });
    });
  });
});

describe('Given an order the profile cannot source', () => {
  describe('When the eligible stock falls short', () => {
    it('backorders the whole order and reports each SKU’s shortfall against all eligible stock', () => {
      const decision = decideSourcing(
        order({ A: 5, B: 1, C: 4 }),
        [warehouse('wh-1', { A: 2, B: 1 }), warehouse('wh-2', { A: 1, C: 1 }), warehouse('wh-3', { C: 9 })],
        SHOPIFY,
      );

      expect(decision).toMatchObject({ outcome: 'unfillable', rule: 'none', shipments: [], totalCost: 0 });
      expect(decision.missing).toEqual([{ sku: 'A', quantity: 2 }]);
      expect(decision.reason).toBe('not enough stock across 3 eligible locations: A short 2 of 5');
    });
  });

  describe('When the profile does not split', () => {
    it('refuses a split and reports what the best single location lacks', () => {
      const noSplit = sourcingProfileFor('woocommerce');
      const decision = decideSourcing(
        order({ A: 1, B: 2 }),
        [warehouse('wh-1', { A: 1, B: 1 }), warehouse('wh-2', { B: 2 })],
        noSplit,
      );

      expect(noSplit.allowSplit).toBe(false);
      expect(decision).toMatchObject({
        outcome: 'unfillable',
        rule: 'none',
        missing: [{ sku: 'B', quantity: 1 }],
      });
      expect(decision.reason).toBe(
        'no single location fills all 2 lines and profile woocommerce does not split orders',
      );
    });
  });

  describe('When it would take more shipments than the profile allows', () => {
    it('refuses rather than exceed the limit', () => {
      const twoAtMost = sourcingProfileFor('default');
      const decision = decideSourcing(
        order({ A: 1, B: 1, C: 1 }),
        [warehouse('wh-1', { A: 1 }), warehouse('wh-2', { B: 1 }), warehouse('wh-3', { C: 1 })],
        twoAtMost,
      );

      expect(twoAtMost.maxShipments).toBe(2);
      expect(decision).toMatchObject({ outcome: 'unfillable', rule: 'none' });
      expect(decision.missing).toHaveLength(1);
      expect(decision.reason).toBe('every unit is in stock, but not within 2 shipments (profile default)');
    });
  });

  it('refuses a request with no quantity to source', () => {
    expect(() => decideSourcing(order({ A: 0 }), [warehouse('wh-1', { A: 1 })], SHOPIFY)).toThrow(
      ValidationError,
    );
  });
});

// ------------------------------------------------------------------------------------- random instances

/** mulberry32: a seeded PRNG, so a failing instance can be replayed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Instance {
  request: SourcingRequest;
  locations: SourcingLocation[];
  profile: SourcingProfile;
}

function randomInstance(random: () => number, locationCount: number, skuCount: number): Instance {
  const int = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
  const skus = Array.from({ length: skuCount }, (_, index) => `S${index}`);
  const lineSkus = skus.filter(() => random() < 0.6);
  const lines = (lineSkus.length > 0 ? lineSkus : [skus[0] ?? 'S0']).map((sku) => ({
    sku,
    quantity: int(1, 4),
  }));
  return {
    locations: Array.from({ length: locationCount }, (_, index) => ({
      id: `L${index}`,
      kind: random() < 0.3 ? 'store' : 'warehouse',
      shipsToHome: random() < 0.9,
      pickup: true,
      postalCode: `${int(0, 9)}0000`,
      country: 'US',
      remainingCapacity: random() < 0.1 ? 0 : 2,
      available: Object.fromEntries(skus.map((sku) => [sku, random() < 0.5 ? 0 : int(1, 4)])),
    })),
    request: {
      lines,
      fulfillment: { type: 'ship', postalCode: `${int(0, 9)}1234`, country: 'US' },
      weightGramsPerUnit: Object.fromEntries(skus.map((sku) => [sku, int(1, 30) * 100])),
    },
    profile: random() < 0.5 ? SHOPIFY : sourcingProfileFor('default'),
  };
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
  }
  return copy;
}

describe('Given the same inputs', () => {
  it('returns the same decision every time, whatever the order of the locations', () => {
    const random = seeded(7);
    let splits = 0;
    for (let n = 0; n < 100; n++) {
      const { request, locations, profile: chosen } = randomInstance(random, 6, 4);
      const first = decideSourcing(request, locations, chosen);
      const again = decideSourcing(request, locations, chosen);
      const reordered = decideSourcing(request, shuffled(locations, random), chosen);
      if (first.rule === 'fewest-shipments') splits += 1;

      expect(again).toEqual(first);
      expect({ ...reordered, candidates: [] }).toEqual({ ...first, candidates: [] });
    }
    expect(splits).toBeGreaterThan(5);
  });
});

describe('Given random small instances', () => {
  it('matches the exhaustive optimum in outcome, shipment count and cost', () => {
    const random = seeded(20250310);
    let splits = 0;
    for (let n = 0; n < 400; n++) {
      const { request, locations, profile: chosen } = randomInstance(random, 2 + (n % 5), 1 + (n % 4));
      const decision = decideSourcing(request, locations, chosen);
      const optimum = optimalSourcing(request, locations, chosen);
      if (optimum.rule === 'fewest-shipments') splits += 1;
      const context = { n, reason: decision.reason, optimum: optimum.reason };

      expect({ ...context, outcome: decision.outcome }).toEqual({ ...context, outcome: optimum.outcome });
      expect({ ...context, shipments: decision.shipments.length }).toEqual({
        ...context,
        shipments: optimum.shipments.length,
      });
      if (decision.reason.includes('greedy')) {
        // Only an assignment too large to enumerate takes the heuristic at this size.
        expect(decision.totalCost).toBeLessThanOrEqual(optimum.totalCost * 1.01);
      } else {
        expect({ ...context, cost: decision.totalCost }).toEqual({ ...context, cost: optimum.totalCost });
      }
    }
    // Guards against a generator that stops producing the interesting case.
    expect(splits).toBeGreaterThan(40);
  });

  it('stays within 1 % of the optimum on average when the heuristic is forced', () => {
    const random = seeded(99);
    const heuristic = { exactSubsetBudget: 0, exactAssignmentBudget: 0 };
    let optimumTotal = 0;
    let heuristicTotal = 0;
    for (let n = 0; n < 200; n++) {
      const { request, locations, profile: chosen } = randomInstance(random, 6, 4);
      const optimum = optimalSourcing(request, locations, chosen);
      if (optimum.rule !== 'fewest-shipments') continue;
      const decision = decideSourcing(request, locations, chosen, heuristic);

      expect(decision.shipments).toHaveLength(optimum.shipments.length);
      optimumTotal += optimum.totalCost;
      heuristicTotal += decision.totalCost;
    }
    expect(optimumTotal).toBeGreaterThan(0);
    expect(heuristicTotal).toBeLessThanOrEqual(optimumTotal * 1.01);
  });
});

describe('Given a network too large to search exhaustively', () => {
  it('plans shipments that fill every line from stock each location has, one shipment per location', () => {
    const random = seeded(5);
    const int = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
    const skus = Array.from({ length: 12 }, (_, index) => `S${index}`);
    const locations = Array.from({ length: 45 }, (_, index) =>
      warehouse(`L${index}`, Object.fromEntries(skus.map((sku) => [sku, random() < 0.5 ? int(1, 2) : 0])), {
        postalCode: `${int(0, 9)}0000`,
      }),
    );
    let greedy = 0;
    for (let n = 0; n < 60; n++) {
      const request = order(
        Object.fromEntries(skus.filter(() => random() < 0.4).map((sku) => [sku, int(2, 4)])),
      );
      if (request.lines.length === 0) continue;
      const decision = decideSourcing(request, locations, SHOPIFY);
      if (decision.outcome !== 'allocated') continue;
      if (decision.reason.includes('greedy')) greedy += 1;

      const ids = shippedFrom(decision);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBeLessThanOrEqual(SHOPIFY.maxShipments);
      const shipped: Record<string, number> = {};
      for (const shipment of decision.shipments) {
        const location = locations.find((candidate) => candidate.id === shipment.locationId);
        for (const line of shipment.lines) {
          expect(line.quantity).toBeLessThanOrEqual(location?.available[line.sku] ?? 0);
          shipped[line.sku] = (shipped[line.sku] ?? 0) + line.quantity;
        }
      }
      expect(shipped).toEqual(Object.fromEntries(request.lines.map((line) => [line.sku, line.quantity])));
    }
    expect(greedy).toBeGreaterThan(5);
  });
});

describe('Given a decision that is carried out', () => {
  it('takes the shipped units out of ATP and one shipment out of each location’s capacity', () => {
    const locations = [
      warehouse('wh-1', { A: 3 }),
      warehouse('wh-2', { A: 2, B: 1 }),
      warehouse('wh-3', { A: 9 }),
    ];
    const decision = decideSourcing(order({ A: 4, B: 1 }), locations.slice(0, 2), SHOPIFY);

    const after = applyDecision(locations, decision);

    expect(after.map((location) => [location.id, location.available, location.remainingCapacity])).toEqual([
      ['wh-1', { A: 0 }, 9],
      ['wh-2', { A: 1, B: 0 }, 9],
      ['wh-3', { A: 9 }, 10],
    ]);
    expect(locations[0]?.available).toEqual({ A: 3 });
  });
});

describe('Given the sourcing profiles', () => {
  it('has a profile for every channel and falls back to default for any other', () => {
    for (const channel of CHANNELS) expect(sourcingProfileFor(channel).id).toBe(channel);
    expect(sourcingProfileFor('marketplace')).toBe(sourcingProfiles.default);
    expect(sourcingProfileFor('toString')).toBe(sourcingProfiles.default);
  });

  it('keeps every profile consistent: no split means one shipment, and a split means at least two', () => {
    for (const entry of Object.values(sourcingProfiles)) {
      expect(entry.maxShipments >= 2).toBe(entry.allowSplit);
      expect(new Set(entry.locationKindTieBreak)).toEqual(new Set(['warehouse', 'store']));
    }
  });
});
