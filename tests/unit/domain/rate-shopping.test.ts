import { describe, expect, it } from 'vitest';
import { type CarrierService, carrierServices } from '../../../shared/config/carriers.js';
import { UnprocessableError } from '../../../shared/domain/errors.js';
import { addBusinessDays, rateShop, shippingZone } from '../../../shared/domain/rate-shopping.js';

const MONDAY = new Date('2025-03-10T15:00:00.000Z');
const FAR_FUTURE = new Date('2026-01-01T00:00:00.000Z');

const byName = (name: string): CarrierService => {
  const service = carrierServices.find((candidate) => `${candidate.carrier} ${candidate.service}` === name);
  if (!service) throw new Error(`no carrier service ${name} in the table`);
  return service;
};
const GROUND = byName('SIMPOST Ground');
const STANDARD = byName('SIMPARCEL Standard');
const EXPRESS = byName('SIMPARCEL Express');

/** The price the rate table states: the zone's first-kilogram price plus perKg for each further started kg. */
function tablePrice(service: CarrierService, zone: number, kilograms: number): number {
  const base = service.baseByZone[zone - 1];
  if (base === undefined) throw new Error(`no zone ${zone} price`);
  return base + service.perKg * (kilograms - 1);
}

const service = (name: string, cost: number, transit: number, preference: number): CarrierService => ({
  carrier: name,
  service: 'Flat',
  baseByZone: [cost],
  perKg: 0,
  transitDaysByZone: [transit],
  preference,
});

const shop = (overrides: Partial<Parameters<typeof rateShop>[0]> = {}) =>
  rateShop({
    services: carrierServices,
    fromPostalCode: '10001',
    toPostalCode: '10001',
    weightGrams: 500,
    shipDate: MONDAY,
    promiseDate: FAR_FUTURE,
    ...overrides,
  });

describe('Given two postal codes', () => {
  describe('When the shipping zone is derived', () => {
    it.each([
      ['10001', '10001', 1],
      ['10001', '20001', 2],
      ['90210', '10001', 8],
      ['50000', '10000', 5],
      ['00501', '99950', 8],
    ])('%s → %s is zone %i', (from, to, zone) => {
      expect(shippingZone(from, to)).toBe(zone);
    });

    it('falls back to the farthest zone when a code does not start with a digit', () => {
      expect(shippingZone('SW1A 1AA', '10001')).toBe(8);
      expect(shippingZone('10001', '')).toBe(8);
    });
  });
});

describe('Given a start date', () => {
  describe('When business days are added', () => {
    it.each([
      ['Monday + 1', '2025-03-10T15:00:00.000Z', 1, '2025-03-11T00:00:00.000Z'],
      ['Friday + 1', '2025-03-14T23:30:00.000Z', 1, '2025-03-17T00:00:00.000Z'],
      ['Saturday + 1', '2025-03-15T08:00:00.000Z', 1, '2025-03-17T00:00:00.000Z'],
      ['Sunday + 1', '2025-03-16T08:00:00.000Z', 1, '2025-03-17T00:00:00.000Z'],
      ['Monday + 5', '2025-03-10T08:00:00.000Z', 5, '2025-03-17T00:00:00.000Z'],
      ['Thursday + 3', '2025-03-13T08:00:00.000Z', 3, '2025-03-18T00:00:00.000Z'],
      ['Monday + 10', '2025-03-10T08:00:00.000Z', 10, '2025-03-24T00:00:00.000Z'],
      ['Saturday + 0', '2025-03-15T08:00:00.000Z', 0, '2025-03-15T00:00:00.000Z'],
    ])('%s skips weekends (%s + %i → %s)', (_case, start, days, expected) => {
      expect(addBusinessDays(new Date(start), days).toISOString()).toBe(expected);
    });

    it('does not change the start date', () => {
      const start = new Date('2025-03-14T23:30:00.000Z');
      addBusinessDays(start, 3);
      expect(start.toISOString()).toBe('2025-03-14T23:30:00.000Z');
    });
  });
});

describe('Given the configured carrier services', () => {
  describe('When every service meets the promise date (zone 1, 1 kg)', () => {
    it('chooses the cheapest one', () => {
      const { chosen } = shop();
      expect(chosen).toEqual({
        carrier: 'SIMPOST',
        service: 'Ground',
        zone: 1,
        cost: 520,
        transitDays: 2,
        estimatedDelivery: '2025-03-12',
        meetsPromise: true,
      });
    });

    it('lists every service priced from the table, in configured order', () => {
      const { options } = shop();
      expect(
        options.map((option) => [option.carrier, option.service, option.cost, option.transitDays]),
      ).toEqual(
        carrierServices.map((entry) => [
          entry.carrier,
          entry.service,
          tablePrice(entry, 1, 1),
          entry.transitDaysByZone[0],
        ]),
      );
      expect(options.map((option) => option.cost)).toEqual([520, 590, 1450]);
    });
  });

  describe('When the cheapest service arrives after the promise date', () => {
    it('chooses the cheapest service that arrives in time', () => {
      // Promise: Tuesday. Ground takes 2 business days (Wednesday); Standard and Express take 1.
      const { chosen, options } = shop({ promiseDate: new Date('2025-03-11T23:59:59.000Z') });
      expect(chosen).toMatchObject({
        carrier: 'SIMPARCEL',
        service: 'Standard',
        cost: 590,
        meetsPromise: true,
      });
      expect(options.map((option) => option.meetsPromise)).toEqual([false, true, true]);
    });

    it('counts delivery on the promise day itself as on time', () => {
      const { chosen } = shop({ promiseDate: new Date('2025-03-12T00:00:00.000Z') });
      expect(chosen).toMatchObject({
        service: 'Ground',
        estimatedDelivery: '2025-03-12',
        meetsPromise: true,
      });
    });
  });

  describe('When the parcel crosses the country (zone 8)', () => {
    it('chooses Standard, which is both cheaper and faster than Ground there', () => {
      const { chosen } = shop({ fromPostalCode: '10001', toPostalCode: '98101' });
      expect(chosen).toMatchObject({
        service: 'Standard',
        zone: 8,
        cost: tablePrice(STANDARD, 8, 1),
        transitDays: 5,
        estimatedDelivery: '2025-03-17',
      });
      expect(tablePrice(STANDARD, 8, 1)).toBe(890);
    });
  });

  describe('When no service meets the promise date', () => {
    it('falls back to the fastest service and shows the delay', () => {
      // Zone 8: Express takes 2 business days, the promise allows 1.
      const { chosen } = shop({ toPostalCode: '98101', promiseDate: new Date('2025-03-11T23:59:59.000Z') });
      expect(chosen).toEqual({
        carrier: 'SIMPARCEL',
        service: 'Express',
        zone: 8,
        cost: 2100,
        transitDays: 2,
        estimatedDelivery: '2025-03-12',
        meetsPromise: false,
      });
    });
  });

  describe('When the parcel gets heavier', () => {
    it.each([
      [0, 1],
      [1000, 1],
      [1001, 2],
      [2500, 3],
      [20_000, 20],
    ])('prices %i g as %i started kilograms for every service', (grams, kilograms) => {
      const { options } = shop({ toPostalCode: '40000', weightGrams: grams });
      expect(options.map((option) => option.cost)).toEqual([
        tablePrice(GROUND, 4, kilograms),
        tablePrice(STANDARD, 4, kilograms),
        tablePrice(EXPRESS, 4, kilograms),
      ]);
    });

    it('states 3 kg in zone 4 as 660 + 2 × 110 for Ground', () => {
      expect(shop({ toPostalCode: '40000', weightGrams: 2500 }).options[0]?.cost).toBe(880);
    });

    it('switches to Standard once its lower per-kg price outweighs its higher base', () => {
      // Zone 1: Ground 520 + 110/kg, Standard 590 + 95/kg; Standard is cheaper from the 6th kilogram.
      expect(shop({ weightGrams: 5000 }).chosen).toMatchObject({ service: 'Ground', cost: 960 });
      expect(shop({ weightGrams: 5001 }).chosen).toMatchObject({ service: 'Standard', cost: 1065 });
    });
  });
});

describe('Given services that tie on cost', () => {
  describe('When both meet the promise', () => {
    it('chooses the shorter transit', () => {
      const { chosen } = shop({ services: [service('SLOW', 500, 3, 1), service('QUICK', 500, 2, 2)] });
      expect(chosen.carrier).toBe('QUICK');
    });

    it('chooses the preferred carrier when transit ties too', () => {
      const { chosen } = shop({ services: [service('SECOND', 500, 2, 2), service('FIRST', 500, 2, 1)] });
      expect(chosen.carrier).toBe('FIRST');
    });
  });

  describe('When none meets the promise and two are equally fast', () => {
    it('falls back to the cheaper of the fastest', () => {
      const { chosen } = shop({
        services: [service('DEAR', 900, 2, 1), service('CHEAP', 700, 2, 2), service('SLOWEST', 100, 9, 1)],
        promiseDate: new Date('2025-03-10T23:59:59.000Z'),
      });
      expect(chosen).toMatchObject({ carrier: 'CHEAP', meetsPromise: false });
    });
  });

  describe('When a zone is beyond the end of a short rate table', () => {
    it('uses the last zone listed', () => {
      const { chosen } = shop({ services: [service('ONEZONE', 450, 4, 1)], toPostalCode: '90000' });
      expect(chosen).toMatchObject({ zone: 8, cost: 450, transitDays: 4 });
    });
  });
});

describe('Given no carrier services', () => {
  describe('When rates are shopped', () => {
    it('refuses with UnprocessableError', () => {
      expect(() => shop({ services: [] })).toThrow(UnprocessableError);
    });
  });
});
