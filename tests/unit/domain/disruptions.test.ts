import { describe, expect, it } from 'vitest';
import { carrierServices } from '../../../shared/config/carriers.js';
import {
  activeAt,
  assessOrder,
  carriersToAvoid,
  type DisruptionSpec,
  dayInWindow,
  defaultPromise,
  inArea,
  type OrderFacts,
  promiseOf,
  recoveryDate,
  servicesAvoiding,
  touches,
  transitDays,
  windowsOverlap,
} from '../../../shared/domain/disruptions.js';

const NEWARK = { lat: 40.7357, lon: -74.1724 };
const MANHATTAN = { lat: 40.7506, lon: -73.9972 };
const LOS_ANGELES = { lat: 34.0522, lon: -118.2437 };

/** When the disruptions are assessed: before their windows end. */
const NOW = new Date('2026-03-04T12:00:00Z');

// Monday 2026-03-02 … the promise of an order placed then is Monday 2026-03-09.
const PLACED = '2026-03-02T10:00:00.000Z';

const storm = (overrides: Partial<DisruptionSpec> = {}): DisruptionSpec => ({
  id: 'storm-1',
  kind: 'weather',
  severity: 'high',
  startsAt: '2026-03-05T00:00:00.000Z',
  endsAt: '2026-03-09T12:00:00.000Z',
  area: { postalPrefixes: ['100', '101'] },
  ...overrides,
});

const order = (overrides: Partial<OrderFacts> = {}): OrderFacts => ({
  id: 'ord_a',
  status: 'placed',
  placedAt: PLACED,
  destination: { postalCode: '10001' },
  pickup: false,
  origins: [],
  shipments: [],
  ...overrides,
});

describe('Given a disruption area', () => {
  describe('When it is a list of postal prefixes', () => {
    it('holds the codes that start with a prefix, ignoring case, spaces and dashes', () => {
      const area = { postalPrefixes: ['100', 'sw1a', '94-1'] };
      expect(inArea(area, { postalCode: '10001' })).toBe(true);
      expect(inArea(area, { postalCode: '10001-1234' })).toBe(true);
      expect(inArea(area, { postalCode: 'SW1A 1AA' })).toBe(true);
      expect(inArea(area, { postalCode: '94105' })).toBe(true);
    });

    it('does not hold other codes, a shorter code or a place without one', () => {
      const area = { postalPrefixes: ['100'] };
      expect(inArea(area, { postalCode: '20001' })).toBe(false);
      expect(inArea(area, { postalCode: '10' })).toBe(false);
      expect(inArea(area, { postalCode: '01000' })).toBe(false);
      expect(inArea(area, { coordinates: MANHATTAN })).toBe(false);
    });
  });

  describe('When it is a centre and a radius', () => {
    it('holds places within the great-circle distance, the edge included', () => {
      // Newark to Manhattan is about 15 km.
      expect(inArea({ center: NEWARK, radiusKm: 20 }, { coordinates: MANHATTAN })).toBe(true);
      expect(inArea({ center: NEWARK, radiusKm: 10 }, { coordinates: MANHATTAN })).toBe(false);
      expect(inArea({ center: NEWARK, radiusKm: 0.001 }, { coordinates: NEWARK })).toBe(true);
      expect(inArea({ center: NEWARK, radiusKm: 3000 }, { coordinates: LOS_ANGELES })).toBe(false);
      expect(inArea({ center: NEWARK, radiusKm: 4000 }, { coordinates: LOS_ANGELES })).toBe(true);
    });

    it('never holds a place known only by its postal code (codes are not geocoded)', () => {
      expect(inArea({ center: NEWARK, radiusKm: 500 }, { postalCode: '07114' })).toBe(false);
    });
  });

  it('touches a location it names wherever that location is', () => {
    const named = storm({ area: { postalPrefixes: ['999'] }, locations: ['wh-east'] });
    expect(touches(named, { locationId: 'wh-east', postalCode: '07114' })).toBe(true);
    expect(touches(named, { locationId: 'wh-west', postalCode: '90001' })).toBe(false);
  });
});

describe('Given a window', () => {
  const window = { startsAt: '2026-03-05T06:00:00.000Z', endsAt: '2026-03-07T18:00:00.000Z' };

  it('overlaps another that shares an instant, ends included, and not one that is apart', () => {
    expect(
      windowsOverlap(window, { startsAt: '2026-03-07T18:00:00.000Z', endsAt: '2026-03-09T00:00:00Z' }),
    ).toBe(true);
    expect(windowsOverlap(window, { startsAt: '2026-03-01T00:00:00Z', endsAt: '2026-03-10T00:00:00Z' })).toBe(
      true,
    );
    expect(windowsOverlap(window, { startsAt: '2026-03-07T18:00:01Z', endsAt: '2026-03-09T00:00:00Z' })).toBe(
      false,
    );
    expect(windowsOverlap(window, { startsAt: '2026-03-01T00:00:00Z', endsAt: '2026-03-05T05:59:59Z' })).toBe(
      false,
    );
  });

  it('covers its first and last calendar days whatever the hours', () => {
    expect(dayInWindow('2026-03-05', window)).toBe(true);
    expect(dayInWindow('2026-03-07', window)).toBe(true);
    expect(dayInWindow('2026-03-04', window)).toBe(false);
    expect(dayInWindow('2026-03-08', window)).toBe(false);
  });

  it('is active between its start and end instants only', () => {
    expect(activeAt(window, new Date('2026-03-06T00:00:00Z'))).toBe(true);
    expect(activeAt(window, new Date('2026-03-05T05:59:59Z'))).toBe(false);
    expect(activeAt(window, new Date('2026-03-07T18:00:01Z'))).toBe(false);
  });
});

describe('Given the promise rules', () => {
  it('promises five business days after placing, and a disruption-moved date over it', () => {
    expect(defaultPromise(PLACED)).toBe('2026-03-09');
    expect(defaultPromise('2026-03-06T23:00:00Z')).toBe('2026-03-13');
    expect(promiseOf({ placedAt: PLACED })).toBe('2026-03-09');
    expect(promiseOf({ placedAt: PLACED, promisedBy: '2026-03-12' })).toBe('2026-03-12');
  });

  it('recovers the window end + transit + the severity days, in business days, at least one day of transit', () => {
    // Ends Friday 2026-03-06: + 2 transit + 2 (high) = Thursday 2026-03-12.
    expect(recoveryDate({ endsAt: '2026-03-06T12:00:00Z', severity: 'high' }, 2)).toBe('2026-03-12');
    expect(recoveryDate({ endsAt: '2026-03-06T12:00:00Z', severity: 'low' }, 2)).toBe('2026-03-10');
    expect(recoveryDate({ endsAt: '2026-03-06T12:00:00Z', severity: 'severe' }, 2)).toBe('2026-03-13');
    expect(recoveryDate({ endsAt: '2026-03-06T12:00:00Z', severity: 'low' }, 0)).toBe('2026-03-09');
  });

  it('takes the transit of a known service, else the slowest service left for the zone (the farthest when the origin is unknown)', () => {
    expect(transitDays({ services: carrierServices, fromPostalCode: '07114', toPostalCode: '10001' })).toBe(
      2,
    );
    expect(
      transitDays({
        services: carrierServices,
        fromPostalCode: '07114',
        toPostalCode: '90001',
        carrier: 'SIMPARCEL',
        service: 'Express',
      }),
    ).toBe(2);
    expect(transitDays({ services: carrierServices, toPostalCode: '10001' })).toBe(7);
    expect(transitDays({ services: carrierServices, toPostalCode: '10001', avoid: ['SIMPOST'] })).toBe(5);
    expect(
      transitDays({ services: carrierServices, toPostalCode: '10001', avoid: ['SIMPOST', 'SIMPARCEL'] }),
    ).toBe(7);
  });
});

describe('Given a weather disruption over a region', () => {
  describe('When an open order ships there with a promise inside the window', () => {
    it('moves its promise to the recovery date', () => {
      // Not allocated yet: the farthest zone's slowest transit (7) + 2 (high) after Monday 2026-03-09.
      expect(assessOrder(storm(), order(), carrierServices, NOW)).toEqual({
        orderId: 'ord_a',
        status: 'placed',
        reason: 'destination-in-area',
        reasons: ['destination-in-area'],
        promise: { from: '2026-03-09', to: '2026-03-20' },
        action: 'repromised',
      });
    });

    it('prices the transit from the location its stock is reserved at', () => {
      const allocated = order({
        status: 'picking',
        origins: [{ locationId: 'wh-east', postalCode: '07114' }],
      });
      // 07114 → 10001 is zone 2: slowest 2 days, + 2 (high) after Monday 2026-03-09.
      expect(assessOrder(storm(), allocated, carrierServices, NOW)?.promise).toEqual({
        from: '2026-03-09',
        to: '2026-03-13',
      });
    });
  });

  it('leaves alone an order outside the area, one due before the window, one due after recovery, and a closed one', () => {
    expect(
      assessOrder(storm(), order({ destination: { postalCode: '94105' } }), carrierServices, NOW),
    ).toBeUndefined();
    expect(
      assessOrder(
        storm({ startsAt: '2026-03-10T00:00:00Z', endsAt: '2026-03-11T00:00:00Z' }),
        order(),
        carrierServices,
        NOW,
      ),
    ).toBeUndefined();
    expect(assessOrder(storm(), order({ promisedBy: '2026-03-30' }), carrierServices, NOW)).toBeUndefined();
    for (const status of ['completed', 'cancelled', 'failed'] as const) {
      expect(assessOrder(storm(), order({ status }), carrierServices, NOW)).toBeUndefined();
    }
  });

  it('flags an order whose reserved stock sits in the area and recommends re-sourcing it', () => {
    const picking = order({
      status: 'picking',
      destination: { postalCode: '20001' },
      origins: [{ locationId: 'wh-nyc', postalCode: '10013' }],
    });
    const assessment = assessOrder(storm(), picking, carrierServices, NOW);
    expect(assessment).toMatchObject({ reason: 'origin-affected', action: 'repromised' });
    expect(assessment?.recommendation).toMatch(/re-source: stock is reserved at wh-nyc/);
  });

  it('flags a pickup order whose store is in the area or named, with one day to get the goods there', () => {
    const pickup = order({ pickup: true, destination: { locationId: 'store-x', postalCode: '94105' } });
    expect(assessOrder(storm(), pickup, carrierServices, NOW)).toBeUndefined();
    expect(assessOrder(storm({ locations: ['store-x'] }), pickup, carrierServices, NOW)).toMatchObject({
      reason: 'pickup-store-affected',
      // Monday 2026-03-09 + 1 + 2 (high).
      promise: { from: '2026-03-09', to: '2026-03-12' },
    });
  });

  describe('When the order has shipped', () => {
    const shipped = (estimatedDelivery: string, carrier = 'SIMPOST', service = 'Ground') =>
      order({
        status: 'shipped',
        shipments: [
          { carrier, service, estimatedDelivery, origin: { locationId: 'wh-east', postalCode: '07114' } },
        ],
      });

    it('flags a shipment due on a day of the window and moves the promise past recovery', () => {
      expect(assessOrder(storm(), shipped('2026-03-06'), carrierServices, NOW)).toMatchObject({
        reason: 'destination-in-area',
        reasons: ['destination-in-area', 'shipment-affected'],
        action: 'repromised',
        promise: { from: '2026-03-09', to: '2026-03-13' },
      });
    });

    it('leaves alone a shipment due outside the window', () => {
      expect(assessOrder(storm(), shipped('2026-03-04'), carrierServices, NOW)).toBeUndefined();
      expect(assessOrder(storm(), shipped('2026-03-10'), carrierServices, NOW)).toBeUndefined();
    });

    it('flags but keeps a promise that already allows for the disruption', () => {
      expect(
        assessOrder(storm(), { ...shipped('2026-03-06'), promisedBy: '2026-03-20' }, carrierServices, NOW),
      ).toMatchObject({ action: 'promise-holds', promise: { from: '2026-03-20', to: '2026-03-20' } });
    });
  });
});

describe('Given a carrier outage', () => {
  const outage = (overrides: Partial<DisruptionSpec> = {}) =>
    storm({ id: 'out-1', kind: 'carrier-outage', severity: 'medium', carriers: ['SIMPOST'], ...overrides });

  it('moves an open order to the other carriers and keeps its promise', () => {
    expect(assessOrder(outage(), order(), carrierServices, NOW)).toMatchObject({
      action: 'carrier-avoided',
      avoidCarriers: ['SIMPOST'],
      promise: { from: '2026-03-09', to: '2026-03-09' },
    });
  });

  it('moves an open order there whatever its promise while the window lasts, and none once it is over', () => {
    const later = order({ promisedBy: '2026-04-30' });
    expect(assessOrder(outage(), later, carrierServices, NOW)?.action).toBe('carrier-avoided');
    expect(assessOrder(outage(), later, carrierServices, new Date('2026-03-09T12:00:01Z'))).toBeUndefined();
  });

  it('re-promises an open order when every carrier is out', () => {
    const assessment = assessOrder(
      outage({ carriers: ['SIMPOST', 'SIMPARCEL'] }),
      order(),
      carrierServices,
      NOW,
    );
    expect(assessment?.action).toBe('repromised');
    expect(assessment?.avoidCarriers).toBeUndefined();
  });

  it('flags a shipment with the carrier that is out, not one with another carrier, and never a pickup', () => {
    const shipped = (carrier: string, service: string) =>
      order({
        status: 'shipped',
        shipments: [
          {
            carrier,
            service,
            estimatedDelivery: '2026-03-06',
            origin: { locationId: 'wh-east', postalCode: '07114' },
          },
        ],
      });
    expect(assessOrder(outage(), shipped('SIMPOST', 'Ground'), carrierServices, NOW)?.action).toBe(
      'repromised',
    );
    expect(assessOrder(outage(), shipped('SIMPARCEL', 'Standard'), carrierServices, NOW)).toBeUndefined();
    expect(
      assessOrder(
        outage(),
        order({ pickup: true, destination: { locationId: 's', postalCode: '10001' } }),
        carrierServices,
        NOW,
      ),
    ).toBeUndefined();
  });

  describe('When a carrier is chosen for a shipment', () => {
    const at = new Date('2026-03-06T12:00:00Z');
    const route = {
      origin: { locationId: 'wh-east', postalCode: '07114' },
      destination: { postalCode: '10001' },
    };

    it('avoids the carriers of an active outage over the origin or the destination', () => {
      expect(carriersToAvoid({ outages: [outage()], at, ...route })).toEqual(['SIMPOST']);
      expect(
        carriersToAvoid({ outages: [outage({ area: { postalPrefixes: ['071'] } })], at, ...route }),
      ).toEqual(['SIMPOST']);
    });

    it('ignores an outage elsewhere, one not active, and weather', () => {
      expect(
        carriersToAvoid({ outages: [outage({ area: { postalPrefixes: ['9'] } })], at, ...route }),
      ).toEqual([]);
      expect(
        carriersToAvoid({ outages: [outage()], at: new Date('2026-03-10T00:00:00Z'), ...route }),
      ).toEqual([]);
      expect(carriersToAvoid({ outages: [storm()], at, ...route })).toEqual([]);
    });

    it('avoids the carriers recorded on the order while their window lasts', () => {
      const recorded = [
        {
          disruptionId: 'x',
          carriers: ['SIMPARCEL'],
          from: '2026-03-05T00:00:00Z',
          to: '2026-03-07T00:00:00Z',
        },
      ];
      expect(carriersToAvoid({ outages: [], recorded, at, ...route })).toEqual(['SIMPARCEL']);
      expect(
        carriersToAvoid({ outages: [], recorded, at: new Date('2026-03-08T00:00:00Z'), ...route }),
      ).toEqual([]);
    });

    it('rate-shops the services left, or all of them when none would be', () => {
      expect(servicesAvoiding(carrierServices, ['SIMPOST']).map((s) => s.carrier)).toEqual([
        'SIMPARCEL',
        'SIMPARCEL',
      ]);
      expect(servicesAvoiding(carrierServices, ['SIMPOST', 'SIMPARCEL'])).toHaveLength(
        carrierServices.length,
      );
    });
  });
});
