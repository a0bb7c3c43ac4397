import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/domain/errors.js';
import { nmfcClass } from '../../../shared/domain/freight-class.js';

// A 12 × 12 × 12 in box is exactly one cubic foot, so its density equals its weight.
const cube = (weightLb: number, shipDate: string, scale?: '13-tier' | '11-tier') =>
  nmfcClass({ weightLb, lengthIn: 12, widthIn: 12, heightIn: 12, shipDate, ...(scale ? { scale } : {}) });

/** [breakpoint, class below it, class at and above it] */
const elevenTierBreaks: [number, string, string][] = [
  [1, '400', '300'],
  [2, '300', '250'],
  [4, '250', '175'],
  [6, '175', '125'],
  [8, '125', '100'],
  [10, '100', '92.5'],
  [12, '92.5', '85'],
  [15, '85', '70'],
  [22.5, '70', '65'],
  [30, '65', '60'],
];
const thirteenTierBreaks: [number, string, string][] = [
  ...elevenTierBreaks,
  [35, '60', '55'],
  [50, '55', '50'],
];

describe('Given a shipment dated on or after 2025-07-19', () => {
  describe.each(thirteenTierBreaks)(
    'When its density is around the %s lb/ft³ breakpoint',
    (at, below, above) => {
      it(`is class ${below} just below, ${above} at and just above`, () => {
        expect(cube(at - 0.001, '2025-07-19').freightClass).toBe(below);
        expect(cube(at, '2025-07-19').freightClass).toBe(above);
        expect(cube(at + 0.001, '2026-01-05').freightClass).toBe(above);
      });
    },
  );

  describe('When the density is far below 1 or far above 50', () => {
    it('is class 400 and class 50 on the 13-tier scale', () => {
      expect(cube(0.2, '2025-07-19')).toEqual({
        densityLbPerFt3: 0.2,
        freightClass: '400',
        scale: '13-tier',
      });
      expect(cube(300, '2025-07-19')).toEqual({ densityLbPerFt3: 300, freightClass: '50', scale: '13-tier' });
    });
  });
});

describe('Given a real pallet whose density lands exactly on a breakpoint', () => {
  it('takes the class at the breakpoint, not the one below through a rounding error', () => {
    // 48 × 40 × 60 in is 66.67 ft³: 1000 lb is exactly 15 lb/ft³ (class 70), and 500 lb exactly 7.5.
    const pallet = (weightLb: number) =>
      nmfcClass({ weightLb, lengthIn: 48, widthIn: 40, heightIn: 60, shipDate: '2026-01-05' });
    expect(pallet(1000)).toMatchObject({ densityLbPerFt3: 15, freightClass: '70' });
    expect(pallet(1000 * (22.5 / 15))).toMatchObject({ densityLbPerFt3: 22.5, freightClass: '65' });
    expect(pallet(500).freightClass).toBe('125');
  });
});

describe('Given a shipment dated before 2025-07-19', () => {
  describe.each(elevenTierBreaks)(
    'When its density is around the %s lb/ft³ breakpoint',
    (at, below, above) => {
      it(`is class ${below} just below, ${above} at and just above`, () => {
        expect(cube(at - 0.001, '2025-07-18').freightClass).toBe(below);
        expect(cube(at, '2025-07-18').freightClass).toBe(above);
        expect(cube(at + 0.001, '2024-03-01').freightClass).toBe(above);
      });
    },
  );

  describe('When the density is 35 or 50 lb/ft³ or more', () => {
    it('stays class 60, the top of the 11-tier scale', () => {
      for (const density of [34.999, 35, 49.999, 50, 300]) {
        expect(cube(density, '2025-07-18')).toMatchObject({ freightClass: '60', scale: '11-tier' });
      }
    });
  });

  describe('When the density is below 1', () => {
    it('is class 400', () => {
      expect(cube(0.5, '2025-07-18').freightClass).toBe('400');
    });
  });
});

describe('Given the ship date is a timestamp or a Date', () => {
  describe('When it falls on either side of the effective date', () => {
    it('uses its UTC calendar date to pick the scale', () => {
      expect(cube(40, '2025-07-18T23:59:59Z')).toMatchObject({ freightClass: '60', scale: '11-tier' });
      expect(
        nmfcClass({
          weightLb: 40,
          lengthIn: 12,
          widthIn: 12,
          heightIn: 12,
          shipDate: new Date('2025-07-19T00:00:00Z'),
        }),
      ).toMatchObject({ freightClass: '55', scale: '13-tier' });
    });
  });
});

describe('Given an explicit scale', () => {
  describe('When it contradicts the ship date', () => {
    it('overrides the date rule', () => {
      expect(cube(40, '2026-01-05', '11-tier')).toMatchObject({ freightClass: '60', scale: '11-tier' });
      expect(cube(40, '2024-01-05', '13-tier')).toMatchObject({ freightClass: '55', scale: '13-tier' });
    });
  });
});

describe('Given a pallet measured in inches', () => {
  describe('When the density is computed', () => {
    it('divides the weight by L×W×H/1728', () => {
      // 48 × 40 × 48 in = 53.333 ft³; 500 lb / 53.333 = 9.375 lb/ft³ → class 100.
      const result = nmfcClass({
        weightLb: 500,
        lengthIn: 48,
        widthIn: 40,
        heightIn: 48,
        shipDate: '2025-08-01',
      });
      expect(result.densityLbPerFt3).toBeCloseTo(9.375, 9);
      expect(result.freightClass).toBe('100');
    });
  });
});

describe('Given bad input', () => {
  describe('When weight, a dimension or the date is invalid', () => {
    it('names every bad field', () => {
      let caught: unknown;
      try {
        nmfcClass({ weightLb: 0, lengthIn: -1, widthIn: Number.NaN, heightIn: 10, shipDate: 'not a date' });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ValidationError);
      expect((caught as ValidationError).fields.map((issue) => issue.field)).toEqual([
        'weightLb',
        'lengthIn',
        'widthIn',
        'shipDate',
      ]);
    });
  });

  describe('When the ship date is a day that does not exist', () => {
    it.each(['2026-02-30', '2025-04-31', '2026-13-01'])('refuses %s on shipDate', (shipDate) => {
      expect(() => nmfcClass({ weightLb: 100, lengthIn: 48, widthIn: 40, heightIn: 40, shipDate })).toThrow(
        ValidationError,
      );
    });
  });
});
