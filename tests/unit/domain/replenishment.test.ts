import { describe, expect, it } from 'vitest';
import {
  dailySeries,
  defaultOrderCost,
  demandStats,
  economicOrderQuantity,
  inverseNormalCdf,
  planReorder,
  type ReorderInput,
  roundUpToPack,
  safetyStock,
  windowDays,
  zForServiceLevel,
} from '../../../shared/domain/replenishment.js';

/**
 * Ten days of demand, worked by hand: total 20, d = 2.0; deviations 0,−2,2,−1,1,−2,0,3,−1,0 square to 24,
 * so the sample variance is 24/9 = 2.6667 and σd = 1.63299.
 */
const SERIES = [2, 0, 4, 1, 3, 0, 2, 5, 1, 2];
const SIGMA = Math.sqrt(24 / 9);
const Z95 = 1.6448536;

const input = (overrides: Partial<ReorderInput> = {}): ReorderInput => ({
  sku: 'SKU-A',
  locationId: 'wh-1',
  demand: SERIES,
  leadTimeDays: 9,
  leadTimeStdDevDays: 0,
  serviceLevel: 0.95,
  // S = 50.00 USD per order, H = 2.50 USD per unit-year.
  orderCost: 5000,
  holdingCost: 250,
  currency: 'USD',
  packSize: 12,
  minimumOrderQuantity: 1,
  onHand: 20,
  reserved: 2,
  onOrder: 0,
  ...overrides,
});

describe('Given a service level', () => {
  it('gives z from the inverse normal (Acklam), in the centre and both tails', () => {
    expect(zForServiceLevel(0.5)).toBe(0);
    expect(zForServiceLevel(0.95)).toBeCloseTo(1.6448536, 6);
    expect(zForServiceLevel(0.975)).toBeCloseTo(1.959964, 6);
    expect(zForServiceLevel(0.99)).toBeCloseTo(2.3263479, 6);
    expect(zForServiceLevel(0.999)).toBeCloseTo(3.0902323, 6);
    expect(inverseNormalCdf(0.01)).toBeCloseTo(-2.3263479, 6);
    expect(inverseNormalCdf(0.2)).toBeCloseTo(-0.8416212, 6);
  });

  it('refuses a level outside 50 %–99.99 %', () => {
    expect(() => zForServiceLevel(0.4)).toThrow(/service level/);
    expect(() => zForServiceLevel(1)).toThrow(/service level/);
    expect(() => inverseNormalCdf(0)).toThrow();
  });
});

describe('Given shipments over a window', () => {
  it('builds the daily series with zero days and leaves out days outside the window', () => {
    const days = windowDays('2026-03-05', 4);
    expect(days).toEqual(['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04']);
    const series = dailySeries(
      [
        { at: '2026-03-01T09:00:00.000Z', quantity: 2 },
        { at: '2026-03-01T17:00:00.000Z', quantity: 1 },
        { at: '2026-03-03T10:00:00.000Z', quantity: 4 },
        { at: '2026-02-28T23:59:59.999Z', quantity: 50 },
        { at: '2026-03-05T00:00:00.000Z', quantity: 50 },
      ],
      days,
    );
    expect(series).toEqual([3, 0, 4, 0]);
  });

  it('measures d and the sample σd, zero days included', () => {
    const stats = demandStats(SERIES);
    expect(stats).toMatchObject({ days: 10, total: 20, mean: 2 });
    expect(stats.stdDev).toBeCloseTo(SIGMA, 10);
    expect(demandStats([5])).toEqual({ days: 1, total: 5, mean: 5, stdDev: 0 });
    expect(demandStats([])).toEqual({ days: 0, total: 0, mean: 0, stdDev: 0 });
  });
});

describe('Given demand and a lead time', () => {
  it('uses z·σd·√L when the lead time is fixed', () => {
    const ss = safetyStock({
      z: Z95,
      demandMean: 2,
      demandStdDev: SIGMA,
      leadTimeDays: 9,
      leadTimeStdDevDays: 0,
    });
    expect(ss.form).toBe('fixed-lead-time');
    // 1.6448536 × 1.63299 × 3 = 8.0581
    expect(ss.units).toBeCloseTo(8.0581, 3);
  });

  it('uses z·√(L·σd² + d²·σL²) when the lead time varies', () => {
    const ss = safetyStock({
      z: Z95,
      demandMean: 2,
      demandStdDev: SIGMA,
      leadTimeDays: 9,
      leadTimeStdDevDays: 2,
    });
    expect(ss.form).toBe('variable-lead-time');
    // 9 × 2.6667 + 2² × 2² = 24 + 16 = 40; 1.6448536 × √40 = 10.4030
    expect(ss.units).toBeCloseTo(10.403, 3);
  });

  it('gives the EOQ √(2DS/H) and rounds up to whole packs', () => {
    // D = 730, S = 5000, H = 250: √29 200 = 170.88
    expect(economicOrderQuantity({ annualDemand: 730, orderCost: 5000, holdingCost: 250 })).toBeCloseTo(
      170.88,
      2,
    );
    expect(roundUpToPack(170.88, 12)).toBe(180);
    expect(roundUpToPack(171, 1)).toBe(171);
    // A perfect square stays one pack: √(2·730·144/1460) = 12 exactly.
    expect(
      roundUpToPack(economicOrderQuantity({ annualDemand: 730, orderCost: 144, holdingCost: 1460 }), 12),
    ).toBe(12);
    expect(() => economicOrderQuantity({ annualDemand: 730, orderCost: 5000, holdingCost: 0 })).toThrow(
      /holding/,
    );
  });

  it('defaults the order cost to 50 units of the currency', () => {
    expect(defaultOrderCost('USD')).toBe(5000);
    expect(defaultOrderCost('JPY')).toBe(50);
    expect(defaultOrderCost('KWD')).toBe(50_000);
  });
});

describe('Given the known series at one location', () => {
  describe('When the position (on hand 20 − reserved 2) is below the reorder point', () => {
    const plan = planReorder(input());

    it('computes SS ⌈8.06⌉ = 9, ROP ⌈2·9 + 8.06⌉ = 27, and orders the EOQ in whole packs of 12: 180', () => {
      expect(plan.safetyStock).toMatchObject({ units: 9, form: 'fixed-lead-time' });
      expect(plan.reorderPoint).toBe(27);
      expect(plan.position).toEqual({ onHand: 20, reserved: 2, onOrder: 0, total: 18 });
      expect(plan.annualDemand).toBe(730);
      expect(plan.eoq).toBeCloseTo(170.88, 2);
      expect(plan).toMatchObject({ reorder: true, orderQuantity: 180 });
    });

    it('explains every figure', () => {
      expect(plan.explanation).toBe(
        'SKU-A at wh-1: demand 2.00/day (σ 1.63), 20 units over 10 days; lead time 9 days; ' +
          'z 1.645 for 95% service; safety stock 1.645·1.63·√9 = 8.06; reorder point ⌈2.00·9 + 8.06⌉ = 27; ' +
          'position 18 (on hand 20 − reserved 2 + on order 0); at or below the reorder point: ' +
          'EOQ √(2·730.00·50.00 USD/2.50 USD) = 170.88, 180 in packs of 12 → order 180.',
      );
    });
  });

  describe('When the supplier’s lead time varies by 2 days', () => {
    it('uses the variable form: SS ⌈10.40⌉ = 11, ROP ⌈18 + 10.40⌉ = 29', () => {
      const plan = planReorder(input({ leadTimeStdDevDays: 2 }));
      expect(plan.safetyStock).toMatchObject({ units: 11, form: 'variable-lead-time' });
      expect(plan.reorderPoint).toBe(29);
      expect(plan.explanation).toContain('safety stock 1.645·√(9·1.63² + 2.00²·2²) = 10.40');
    });
  });

  describe('When the minimum order quantity is 200 and the pack 12', () => {
    it('orders the minimum rounded up to whole packs: 204', () => {
      const plan = planReorder(input({ minimumOrderQuantity: 200 }));
      expect(plan.orderQuantity).toBe(204);
      expect(plan.explanation).toContain('180 in packs of 12, minimum 204 → order 204');
    });
  });

  describe('When an open purchase order brings 10 units', () => {
    it('counts them in the position (28 > 27) and orders nothing', () => {
      const plan = planReorder(input({ onOrder: 10 }));
      expect(plan.position.total).toBe(28);
      expect(plan).toMatchObject({ reorder: false, orderQuantity: 0 });
      expect(plan.explanation).toMatch(/on order 10\); above the reorder point: no reorder\.$/);
    });

    it('still orders when the position equals the reorder point (9 on order: 27 ≤ 27)', () => {
      expect(planReorder(input({ onOrder: 9 }))).toMatchObject({ reorder: true, orderQuantity: 180 });
    });
  });

  describe('When one order quantity would not lift the position above the reorder point', () => {
    it('orders the fewest multiples that do: ROP 438 from 0 takes 3 × 171', () => {
      const plan = planReorder(input({ leadTimeDays: 200, onHand: 0, reserved: 0, packSize: 1 }));
      expect(plan.reorderPoint).toBe(438);
      expect(plan.orderQuantity).toBe(513);
      expect(plan.explanation).toContain('×3 to clear the reorder point');
    });
  });

  describe('When nothing shipped in the window', () => {
    it('proposes nothing, whatever the position', () => {
      const plan = planReorder(input({ demand: [0, 0, 0, 0], onHand: 0, reserved: 0 }));
      expect(plan).toMatchObject({ reorder: false, orderQuantity: 0, reorderPoint: 0 });
      expect(plan.explanation).toMatch(/no shipments in the last 4 days: no reorder\.$/);
    });
  });

  it('refuses settings no supplier can have', () => {
    expect(() => planReorder(input({ packSize: 0 }))).toThrow(/packSize/);
    expect(() => planReorder(input({ leadTimeDays: -1 }))).toThrow(/leadTimeDays/);
    expect(() => planReorder(input({ holdingCost: 0 }))).toThrow(/holding/);
  });
});
