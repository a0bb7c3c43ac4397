import { describe, expect, it } from 'vitest';
import {
  consolidateLines,
  type LocationCandidate,
  planAllocation,
} from '../../../shared/domain/allocation.js';

const location = (
  locationId: string,
  available: Record<string, number>,
  overrides: Partial<LocationCandidate> = {},
): LocationCandidate => ({ locationId, kind: 'warehouse', shipsToHome: true, available, ...overrides });

const store = (locationId: string, available: Record<string, number>) =>
  location(locationId, available, { kind: 'store' });

describe('Given a request that repeats a SKU', () => {
  describe('When the lines are consolidated', () => {
    it('merges the quantities per SKU in first-seen order', () => {
      expect(
        consolidateLines([
          { sku: 'A', quantity: 2 },
          { sku: 'B', quantity: 1 },
          { sku: 'A', quantity: 3 },
        ]),
      ).toEqual([
        { sku: 'A', quantity: 5 },
        { sku: 'B', quantity: 1 },
      ]);
    });
  });

  describe('When it is allocated', () => {
    it('reserves the merged quantity, which only a location with enough for the total can fulfil', () => {
      const plan = planAllocation(
        [
          { sku: 'A', quantity: 2 },
          { sku: 'A', quantity: 2 },
        ],
        [location('W1', { A: 3 }), location('W2', { A: 4 })],
      );
      expect(plan).toMatchObject({ kind: 'allocated', locationId: 'W2', lines: [{ sku: 'A', quantity: 4 }] });
    });
  });
});

describe('Given a warehouse and a store that can both fulfil the order', () => {
  describe('When the order is allocated', () => {
    it('picks the warehouse even when the store has more to spare', () => {
      const plan = planAllocation(
        [{ sku: 'A', quantity: 1 }],
        [store('S1', { A: 100 }), location('W1', { A: 1 })],
      );
      expect(plan.kind).toBe('allocated');
      if (plan.kind !== 'allocated') return;
      expect(plan.locationId).toBe('W1');
      expect(plan.reason).toBe(
        'single-location: warehouse W1 has every line; warehouses before stores, then most stock to spare',
      );
    });
  });
});

describe('Given several warehouses that can fulfil the order', () => {
  describe('When the order is allocated', () => {
    it('picks the one with the most stock to spare across the lines', () => {
      const plan = planAllocation(
        [
          { sku: 'A', quantity: 2 },
          { sku: 'B', quantity: 1 },
        ],
        [location('W1', { A: 10, B: 1 }), location('W2', { A: 5, B: 9 }), location('W3', { A: 2, B: 2 })],
      );
      // Spare: W1 (10-2)+(1-1)=8, W2 (5-2)+(9-1)=11, W3 0+1=1.
      expect(plan).toMatchObject({ kind: 'allocated', locationId: 'W2' });
      expect(plan.candidates.map((score) => score.spare)).toEqual([8, 11, 1]);
    });

    it('breaks a tie on spare stock by location id', () => {
      const plan = planAllocation(
        [{ sku: 'A', quantity: 1 }],
        [location('W-b', { A: 5 }), location('W-a', { A: 5 })],
      );
      expect(plan).toMatchObject({ kind: 'allocated', locationId: 'W-a' });
    });
  });
});

describe('Given the best-stocked location does not ship to home', () => {
  describe('When the order is allocated', () => {
    it('skips it and says why', () => {
      const plan = planAllocation(
        [{ sku: 'A', quantity: 1 }],
        [location('W1', { A: 50 }, { shipsToHome: false }), location('W2', { A: 2 })],
      );
      expect(plan).toMatchObject({ kind: 'allocated', locationId: 'W2' });
      expect(plan.candidates[0]).toEqual({
        locationId: 'W1',
        fulfilsAll: false,
        spare: 0,
        rejected: 'does not ship to home',
      });
    });
  });
});

describe('Given a location that lost a race for stock', () => {
  describe('When the order is allocated again excluding it', () => {
    it('chooses the next best location and marks the excluded one', () => {
      const plan = planAllocation(
        [{ sku: 'A', quantity: 1 }],
        [location('W1', { A: 50 }), location('W2', { A: 2 })],
        new Set(['W1']),
      );
      expect(plan).toMatchObject({ kind: 'allocated', locationId: 'W2' });
      expect(plan.candidates[0]).toEqual({
        locationId: 'W1',
        fulfilsAll: false,
        spare: 0,
        rejected: 'lost a race for stock',
      });
    });

    it('is short when the excluded location was the only one', () => {
      const plan = planAllocation([{ sku: 'A', quantity: 1 }], [location('W1', { A: 50 })], new Set(['W1']));
      expect(plan.kind).toBe('short');
    });
  });
});

describe('Given a chosen plan', () => {
  describe('When its candidates are read', () => {
    it('lists every location in input order, with a rejection reason for each one that could not fulfil', () => {
      const plan = planAllocation(
        [
          { sku: 'A', quantity: 2 },
          { sku: 'B', quantity: 1 },
        ],
        [
          location('W-race', { A: 9, B: 9 }),
          location('W-noship', { A: 9, B: 9 }, { shipsToHome: false }),
          location('W-short', { A: 1, B: 5 }),
          location('W-missing-sku', { A: 5 }),
          store('S-ok', { A: 4, B: 4 }),
          location('W-ok', { A: 3, B: 1 }),
        ],
        new Set(['W-race']),
      );
      expect(plan.kind).toBe('allocated');
      expect(plan.candidates).toEqual([
        { locationId: 'W-race', fulfilsAll: false, spare: 0, rejected: 'lost a race for stock' },
        { locationId: 'W-noship', fulfilsAll: false, spare: 0, rejected: 'does not ship to home' },
        { locationId: 'W-short', fulfilsAll: false, spare: 3, rejected: 'not enough stock for every line' },
        {
          locationId: 'W-missing-sku',
          fulfilsAll: false,
          spare: 2,
          rejected: 'not enough stock for every line',
        },
        { locationId: 'S-ok', fulfilsAll: true, spare: 5 },
        { locationId: 'W-ok', fulfilsAll: true, spare: 1 },
      ]);
      expect(plan).toMatchObject({ locationId: 'W-ok' });
    });
  });
});

describe('Given no single location can fulfil the order', () => {
  describe('When one SKU is short everywhere', () => {
    it('returns short with the quantity missing beyond the best-stocked location', () => {
      const plan = planAllocation(
        [
          { sku: 'A', quantity: 5 },
          { sku: 'B', quantity: 1 },
        ],
        [location('W1', { A: 3, B: 1 }), store('S1', { A: 1, B: 4 })],
      );
      expect(plan).toEqual({
        kind: 'short',
        missing: [{ sku: 'A', quantity: 2 }],
        candidates: [
          { locationId: 'W1', fulfilsAll: false, spare: -2, rejected: 'not enough stock for every line' },
          { locationId: 'S1', fulfilsAll: false, spare: -1, rejected: 'not enough stock for every line' },
        ],
      });
    });
  });

  describe('When a SKU is stocked nowhere', () => {
    it('reports the whole quantity of that SKU as missing', () => {
      const plan = planAllocation(
        [
          { sku: 'A', quantity: 1 },
          { sku: 'GHOST', quantity: 3 },
        ],
        [location('W1', { A: 5 })],
      );
      expect(plan).toMatchObject({ kind: 'short', missing: [{ sku: 'GHOST', quantity: 3 }] });
    });
  });

  describe('When every SKU exists somewhere but never all in one place', () => {
    it('reports the whole order as waiting', () => {
      const plan = planAllocation(
        [
          { sku: 'A', quantity: 2 },
          { sku: 'B', quantity: 2 },
        ],
        [location('W1', { A: 5 }), location('W2', { B: 5 })],
      );
      expect(plan).toMatchObject({
        kind: 'short',
        missing: [
          { sku: 'A', quantity: 2 },
          { sku: 'B', quantity: 2 },
        ],
      });
    });
  });

  describe('When there are no locations at all', () => {
    it('reports every line as missing', () => {
      expect(planAllocation([{ sku: 'A', quantity: 2 }], [])).toEqual({
        kind: 'short',
        missing: [{ sku: 'A', quantity: 2 }],
        candidates: [],
      });
    });
  });
});

describe('Given stock only at locations that may not serve the order', () => {
  describe('When no usable location has enough', () => {
    it('counts only usable locations in what is missing', () => {
      const plan = planAllocation(
        [{ sku: 'A', quantity: 5 }],
        [location('W1', { A: 3 }), location('S1', { A: 10 }, { kind: 'store', shipsToHome: false })],
      );
      expect(plan).toMatchObject({ kind: 'short', missing: [{ sku: 'A', quantity: 2 }] });
    });

    it('does not count a location that lost the race', () => {
      const plan = planAllocation(
        [{ sku: 'A', quantity: 5 }],
        [location('W1', { A: 3 }), location('W2', { A: 10 })],
        new Set(['W2']),
      );
      expect(plan).toMatchObject({ kind: 'short', missing: [{ sku: 'A', quantity: 2 }] });
    });
  });
});
