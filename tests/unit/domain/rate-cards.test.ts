import { describe, expect, it } from 'vitest';
import {
  type CarrierRateCard,
  carrierPreference,
  carrierRateCards,
  federalHolidays,
  parcelCarrierHolidays,
} from '../../../shared/config/carriers.js';
import {
  billableWeight,
  carrierShipDay,
  estimateParcel,
  holidaysIn,
  isResidential,
  type Parcel,
  type QuoteRequest,
  shopRates,
} from '../../../shared/domain/rate-shopping.js';

const SMALL: Parcel = { lengthIn: 10, widthIn: 8, heightIn: 4, weightLb: 2 };
const MONDAY_MORNING = new Date('2026-03-09T14:00:00Z');

const quote = (overrides: Partial<QuoteRequest> = {}) =>
  shopRates({
    rateCards: carrierRateCards,
    preference: carrierPreference,
    origin: { postalCode: '07114', cutoffTime: '17:00' },
    destination: { postalCode: '10001', country: 'US', residential: true },
    parcels: [SMALL],
    at: MONDAY_MORNING,
    promiseDate: '2026-03-11',
    ...overrides,
  });

const option = (result: ReturnType<typeof shopRates>, name: string) => {
  const found = result.options.find((entry) => `${entry.carrier} ${entry.service}` === name);
  if (!found) throw new Error(`no option ${name}`);
  return found;
};

describe('Given the configured rate cards and a 2 lb parcel from 07114 to a home at 10001 (zone 2)', () => {
  describe('When every service arrives by the promise date', () => {
    it('chooses the lowest landed cost and prices each option from its card', () => {
      const result = quote();
      expect(result.chosen).toMatchObject({ carrier: 'SIMPOST', service: 'Ground', total: 614, kept: true });
      expect(result.meetsPromise).toBe(true);
      // SIMPARCEL: 320 in³ / 139 = 2.3 → 3 lb; 692 base + 545 residential + 15.5 % fuel of 1237 (191.7 → 192).
      expect(option(result, 'SIMPARCEL Standard')).toMatchObject({
        zone: 2,
        billableWeightLb: 3,
        breakdown: {
          base: 692,
          surcharges: [{ code: 'residential', amount: 545 }],
          fuel: { basisPoints: 1550, amount: 192 },
          total: 1429,
        },
        estimatedDelivery: '2026-03-11',
        kept: true,
      });
      expect(option(result, 'SIMPOST Ground').breakdown).toEqual({
        base: 614,
        surcharges: [],
        fuel: { basisPoints: 0, on: [], amount: 0 },
        total: 614,
      });
    });
  });

  describe('When the cheapest service arrives a day after the promise', () => {
    it('keeps only the services on time and picks the cheapest of them', () => {
      const result = quote({ promiseDate: '2026-03-10' });
      expect(result.chosen).toMatchObject({
        carrier: 'SIMPARCEL',
        service: 'Express',
        estimatedDelivery: '2026-03-10',
      });
      expect(option(result, 'SIMPOST Ground')).toMatchObject({
        kept: false,
        reasonCode: 'misses-promise',
        daysLate: 1,
        reason: 'misses the promise by 1 day (delivers 2026-03-11, promise 2026-03-10)',
      });
    });
  });

  describe('When the destination is a business', () => {
    it('adds no residential surcharge and takes fuel on the base only', () => {
      const standard = option(
        quote({ destination: { postalCode: '10001', country: 'US', residential: false } }),
        'SIMPARCEL Standard',
      );
      // 15.5 % of 692 = 107.26 → 107.
      expect(standard.breakdown).toMatchObject({
        base: 692,
        surcharges: [],
        fuel: { amount: 107 },
        total: 799,
      });
    });
  });

  describe('When a carrier is avoided', () => {
    it('marks its options not kept with the reason and ships with another carrier', () => {
      const result = quote({ avoidCarriers: ['SIMPOST'] });
      expect(option(result, 'SIMPOST Ground')).toMatchObject({ kept: false, reasonCode: 'carrier-avoided' });
      expect(result.chosen).toMatchObject({ carrier: 'SIMPARCEL', service: 'Standard' });
    });
  });

  describe('When nothing can arrive by the promise date', () => {
    it('falls back to the earliest delivery and says the promise is missed', () => {
      const result = quote({ promiseDate: '2026-03-09' });
      expect(result.options.every((entry) => !entry.kept)).toBe(true);
      expect(result).toMatchObject({
        meetsPromise: false,
        fallback: 'earliest-delivery',
        chosen: { carrier: 'SIMPARCEL', service: 'Express', estimatedDelivery: '2026-03-10', daysLate: 1 },
      });
    });
  });

  describe('When a parcel is too heavy for some services', () => {
    it('reports them as not available for the weight', () => {
      const result = quote({ parcels: [{ lengthIn: 10, widthIn: 10, heightIn: 10, weightLb: 80 }] });
      expect(option(result, 'SIMPOST Ground')).toMatchObject({
        available: false,
        kept: false,
        reasonCode: 'unavailable-weight',
        reason: 'Ground takes parcels up to 70 lb billable; one is 80 lb',
      });
      expect(option(result, 'SIMPARCEL Express')).toMatchObject({ reasonCode: 'unavailable-weight' });
      expect(result.chosen).toMatchObject({ carrier: 'SIMPARCEL', service: 'Standard' });
    });
  });

  describe('When the destination is abroad', () => {
    it('prices it on the international zone of the carriers that serve other countries only', () => {
      const result = quote({
        destination: { postalCode: 'M5V 2T6', country: 'CA', residential: true },
        promiseDate: '2026-03-31',
      });
      expect(result.options.map((entry) => [entry.service, entry.reasonCode, entry.zone])).toEqual([
        ['Ground', 'country-not-served', undefined],
        ['Standard', 'meets-promise', 8],
        ['Express', 'meets-promise', 8],
      ]);
      expect(result.chosen).toMatchObject({ carrier: 'SIMPARCEL', service: 'Standard' });
    });

    it('has no choice when no carrier serves the country', () => {
      const domestic = carrierRateCards.map(({ internationalZone: _zone, ...card }) => card);
      const result = quote({
        rateCards: domestic,
        destination: { postalCode: 'M5V 2T6', country: 'CA', residential: true },
      });
      expect(result.options.every((entry) => entry.reasonCode === 'country-not-served')).toBe(true);
      expect(result.chosen).toBeUndefined();
      expect(result.meetsPromise).toBe(false);
    });
  });

  describe('When the shipment has two parcels', () => {
    it('prices each parcel and adds the residential surcharge per parcel', () => {
      const result = quote({ parcels: [SMALL, { lengthIn: 12, widthIn: 12, heightIn: 12, weightLb: 5 }] });
      const standard = option(result, 'SIMPARCEL Standard');
      // 3 lb → 692; 1728 / 139 = 12.43 → 13 lb → 20 lb bracket 1390.
      expect(standard.parcels.map((parcel) => [parcel.billableLb, parcel.base])).toEqual([
        [3, 692],
        [13, 1390],
      ]);
      expect(standard.breakdown?.surcharges).toEqual([{ code: 'residential', amount: 1090 }]);
      expect(standard.breakdown?.total).toBe(692 + 1390 + 1090 + Math.round((692 + 1390 + 1090) * 0.155));
    });
  });
});

describe('Given a federal holiday that a UPS-style carrier works (Columbus Day, Monday 2026-10-12)', () => {
  const friday = new Date('2026-10-09T14:00:00Z');

  describe('When a parcel ships the Friday before, promised for Tuesday', () => {
    it('pushes the USPS-style delivery past the promise and another carrier wins', () => {
      const result = quote({ at: friday, promiseDate: '2026-10-13' });
      expect(option(result, 'SIMPOST Ground')).toMatchObject({
        estimatedDelivery: '2026-10-14',
        kept: false,
        daysLate: 1,
      });
      expect(result.chosen).toMatchObject({
        carrier: 'SIMPARCEL',
        service: 'Standard',
        estimatedDelivery: '2026-10-13',
      });
    });

    it('leaves the carrier that delivers on the holiday unaffected', () => {
      const result = quote({ at: friday, promiseDate: '2026-10-13' });
      expect(option(result, 'SIMPARCEL Express').estimatedDelivery).toBe('2026-10-12');
      // The same two business days as an ordinary week (Friday 2026-10-02 → Tuesday 2026-10-06).
      const ordinary = quote({ at: new Date('2026-10-02T14:00:00Z'), promiseDate: '2026-10-06' });
      expect(option(ordinary, 'SIMPARCEL Standard').estimatedDelivery).toBe('2026-10-06');
      expect(option(ordinary, 'SIMPOST Ground')).toMatchObject({
        estimatedDelivery: '2026-10-06',
        kept: true,
      });
      expect(ordinary.chosen?.carrier).toBe('SIMPOST');
    });
  });
});

describe('Given the holiday calendars', () => {
  describe('When the holidays of a year are listed', () => {
    it('applies the weekday rules and the observed-day rule', () => {
      const federal2026 = holidaysIn(federalHolidays, 2026);
      expect(federal2026.get('2026-01-19')).toBe('Birthday of Martin Luther King, Jr.');
      expect(federal2026.get('2026-05-25')).toBe('Memorial Day');
      // July 4 2026 is a Saturday: observed Friday July 3.
      expect(federal2026.get('2026-07-03')).toBe('Independence Day');
      expect(federal2026.get('2026-10-12')).toBe('Columbus Day');
      expect(federal2026.get('2026-11-26')).toBe('Thanksgiving Day');
      expect(federal2026.size).toBe(11);
      // January 1 2028 is a Saturday: observed Friday December 31 2027.
      expect(holidaysIn(federalHolidays, 2027).get('2027-12-31')).toBe("New Year's Day");
      const parcel2026 = holidaysIn(parcelCarrierHolidays, 2026);
      expect([...parcel2026.keys()].sort()).toEqual([
        '2026-01-01',
        '2026-05-25',
        '2026-07-03',
        '2026-09-07',
        '2026-11-26',
        '2026-12-25',
      ]);
    });
  });
});

describe('Given an origin with a cut-off time', () => {
  const ship = (at: string, timeZone?: string) =>
    carrierShipDay({
      holidays: federalHolidays,
      at: new Date(at),
      cutoffTime: '17:00',
      ...(timeZone ? { timeZone } : {}),
    });

  describe('When the order is in before or at the cut-off in the location’s time zone', () => {
    it('ships the same day', () => {
      // 16:59 and 17:00:00 in New York (EDT, UTC-4 from 2026-03-08).
      expect(ship('2026-03-09T20:59:00Z', 'America/New_York')).toEqual({
        shipDay: '2026-03-09',
        afterCutoff: false,
      });
      expect(ship('2026-03-09T21:00:00Z', 'America/New_York')).toEqual({
        shipDay: '2026-03-09',
        afterCutoff: false,
      });
    });
  });

  describe('When the order is in after the cut-off', () => {
    it('ships the carrier’s next business day', () => {
      expect(ship('2026-03-09T21:00:01Z', 'America/New_York')).toEqual({
        shipDay: '2026-03-10',
        afterCutoff: true,
      });
      // Friday after the cut-off: Monday.
      expect(ship('2026-03-13T22:00:00Z', 'America/New_York').shipDay).toBe('2026-03-16');
      // Without a time zone the cut-off is UTC: 17:30 UTC is after it.
      expect(ship('2026-03-09T17:30:00Z').shipDay).toBe('2026-03-10');
      // The Friday before Columbus Day, after the cut-off: the USPS-style carrier next takes it Tuesday.
      expect(ship('2026-10-09T21:30:00Z', 'America/New_York').shipDay).toBe('2026-10-13');
    });

    it('moves the estimated delivery and can break the promise', () => {
      const late = quote({ at: new Date('2026-03-09T17:30:00Z'), promiseDate: '2026-03-11' });
      expect(option(late, 'SIMPOST Ground')).toMatchObject({
        shipDate: '2026-03-10',
        estimatedDelivery: '2026-03-12',
        kept: false,
      });
      expect(late.chosen).toMatchObject({ carrier: 'SIMPARCEL', service: 'Express', shipDate: '2026-03-10' });
    });
  });

  describe('When the local date differs from the UTC date', () => {
    it('uses the local date', () => {
      // 02:00 UTC Tuesday is 19:00 Monday in Los Angeles (PDT): after a 17:00 cut-off, ships Tuesday.
      expect(ship('2026-03-10T02:00:00Z', 'America/Los_Angeles')).toEqual({
        shipDay: '2026-03-10',
        afterCutoff: true,
      });
      // 23:00 UTC Sunday is 08:00 Monday in Tokyo: ships Monday.
      expect(ship('2026-03-08T23:00:00Z', 'Asia/Tokyo').shipDay).toBe('2026-03-09');
    });
  });
});

describe('Given a parcel’s size and weight', () => {
  const UPS = { divisor: 139 };
  const USPS = { divisor: 166, minCubicIn: 1728 };

  describe('When the carrier divides by 139 on every parcel', () => {
    it('bills the dimensional weight when it is larger, rounded up', () => {
      expect(billableWeight({ lengthIn: 12, widthIn: 12, heightIn: 12, weightLb: 5 }, UPS)).toMatchObject({
        cubicIn: 1728,
        divisor: 139,
        dimensionalLb: 12.43,
        basis: 'dimensional',
        billableLb: 13,
      });
    });

    it('bills the actual weight when it is larger', () => {
      expect(billableWeight({ lengthIn: 12, widthIn: 12, heightIn: 12, weightLb: 20 }, UPS)).toMatchObject({
        basis: 'actual',
        billableLb: 20,
      });
    });

    it('does not round a whole dimensional weight up again', () => {
      expect(billableWeight({ lengthIn: 139, widthIn: 10, heightIn: 1, weightLb: 1 }, UPS)).toMatchObject({
        dimensionalLb: 10,
        billableLb: 10,
      });
    });
  });

  describe('When the carrier divides by 166 only above 1,728 in³', () => {
    it('ignores the size at exactly 1,728 in³', () => {
      const weight = billableWeight({ lengthIn: 12, widthIn: 12, heightIn: 12, weightLb: 5 }, USPS);
      expect(weight).toMatchObject({ basis: 'actual', billableLb: 5 });
      expect(weight.divisor).toBeUndefined();
      expect(weight.dimensionalLb).toBeUndefined();
    });

    it('applies the dimensional weight just above 1,728 in³', () => {
      // 12 × 12 × 12.5 = 1800 in³ / 166 = 10.84 → 11 lb.
      expect(billableWeight({ lengthIn: 12, widthIn: 12, heightIn: 12.5, weightLb: 5 }, USPS)).toMatchObject({
        cubicIn: 1800,
        divisor: 166,
        dimensionalLb: 10.84,
        basis: 'dimensional',
        billableLb: 11,
      });
    });
  });

  describe('When the actual weight has a fraction', () => {
    it('rounds it up to the next whole pound', () => {
      expect(billableWeight({ ...SMALL, weightLb: 2.01 }, USPS).billableLb).toBe(3);
      expect(billableWeight({ ...SMALL, weightLb: 2 }, USPS).billableLb).toBe(2);
      expect(billableWeight({ ...SMALL, weightLb: 0.2 }, USPS).billableLb).toBe(1);
    });
  });
});

describe('Given two carriers with the same price', () => {
  const card = (carrier: string, transit: number): CarrierRateCard => ({
    carrier,
    currency: 'USD',
    countries: ['US'],
    dimensional: { divisor: 139 },
    residentialSurcharge: 0,
    fuel: { basisPoints: 0, on: [] },
    holidays: [],
    zones: [{ origin: '', destination: '', zone: 1 }],
    services: [{ service: 'Flat', transitDaysByZone: [transit], brackets: [{ upToLb: 150, byZone: [700] }] }],
  });
  const tie = (cards: CarrierRateCard[], preference: string[]) =>
    quote({ rateCards: cards, preference, promiseDate: '2026-03-20' }).chosen?.carrier;

  describe('When their transit is the same too', () => {
    it('follows the configured carrier preference', () => {
      expect(tie([card('ALPHA', 2), card('BETA', 2)], ['BETA', 'ALPHA'])).toBe('BETA');
      expect(tie([card('ALPHA', 2), card('BETA', 2)], ['ALPHA', 'BETA'])).toBe('ALPHA');
      // A carrier missing from the list comes after the listed ones.
      expect(tie([card('ALPHA', 2), card('BETA', 2)], ['BETA'])).toBe('BETA');
    });
  });

  describe('When one is faster', () => {
    it('chooses the faster one whatever the preference', () => {
      expect(tie([card('ALPHA', 3), card('BETA', 2)], ['ALPHA', 'BETA'])).toBe('BETA');
    });
  });

  describe('When one is cheaper', () => {
    it('chooses the cheaper one whatever the transit or preference', () => {
      const cheap = {
        ...card('BETA', 4),
        services: [{ service: 'Flat', transitDaysByZone: [4], brackets: [{ upToLb: 150, byZone: [699] }] }],
      };
      expect(tie([card('ALPHA', 1), cheap], ['ALPHA', 'BETA'])).toBe('BETA');
    });
  });

  describe('When a zone is missing from one carrier’s chart', () => {
    it('reports that carrier as not serving the zone', () => {
      const partial = { ...card('BETA', 1), zones: [{ origin: '9', destination: '9', zone: 1 }] };
      const result = quote({
        rateCards: [card('ALPHA', 2), partial],
        preference: [],
        promiseDate: '2026-03-20',
      });
      expect(option(result, 'BETA Flat')).toMatchObject({ available: false, reasonCode: 'unavailable-zone' });
      expect(result.chosen?.carrier).toBe('ALPHA');
    });
  });
});

describe('Given the units of a pick without recorded cartons', () => {
  describe('When one parcel is estimated', () => {
    it('keeps a single unit’s size and packs several into a cube of their volume, rounded up', () => {
      expect(estimateParcel([{ lengthIn: 12, widthIn: 9, heightIn: 4, weightLb: 1.5, quantity: 1 }])).toEqual(
        {
          lengthIn: 12,
          widthIn: 9,
          heightIn: 4,
          weightLb: 1.5,
        },
      );
      // 3 × 160 in³ + 1 × 1000 in³ = 1480 in³ → cube root 11.4 → 12 in; 3 × 1.1 + 4 = 7.3 lb.
      expect(
        estimateParcel([
          { lengthIn: 10, widthIn: 8, heightIn: 2, weightLb: 1.1, quantity: 3 },
          { lengthIn: 10, widthIn: 10, heightIn: 10, weightLb: 4, quantity: 1 },
        ]),
      ).toEqual({ lengthIn: 12, widthIn: 12, heightIn: 12, weightLb: 7.3 });
      // 8 units of 1 in³ make exactly a 2 in cube.
      expect(
        estimateParcel([{ lengthIn: 1, widthIn: 1, heightIn: 1, weightLb: 0.1, quantity: 8 }]).lengthIn,
      ).toBe(2);
    });
  });
});

describe('Given a destination address', () => {
  describe('When it is classed residential or business', () => {
    it('follows an explicit flag, else a company name means business, else residential', () => {
      expect(isResidential({})).toBe(true);
      expect(isResidential({ company: 'Acme' })).toBe(false);
      expect(isResidential({ company: 'Acme', residential: true })).toBe(true);
      expect(isResidential({ residential: false })).toBe(false);
    });
  });
});
