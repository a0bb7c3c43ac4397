import { describe, expect, it } from 'vitest';
import {
  heldByLocation,
  netStock,
  originMoves,
  sameRecord,
  withHeldAddedBack,
} from '../../../shared/app/order-shipping-change.js';
import type { StockBucket } from '../../../shared/store/inventory.js';
import type { ReservationRecord } from '../../../shared/store/orders.js';

const row = (
  locationId: string,
  chunk: number,
  lines: ReservationRecord['lines'],
  status: ReservationRecord['status'] = 'held',
): ReservationRecord => ({
  orderId: 'ord_1',
  locationId,
  chunk,
  lines,
  status,
  createdAt: '2026-11-27T10:00:00.000Z',
  updatedAt: '2026-11-27T10:00:00.000Z',
});

const bucket = (locationId: string, sku: string, index: number, available: number): StockBucket => ({
  sku,
  locationId,
  bucket: index,
  onHand: available,
  reserved: 0,
  safetyStock: 0,
  available,
});

describe('Given the reservation rows of an order', () => {
  it('adds up the held units per location across chunks and ignores released rows', () => {
    const held = heldByLocation([
      row('east', 0, [{ sku: 'A', quantity: 2 }]),
      row('east', 2000, [
        { sku: 'A', quantity: 1 },
        { sku: 'B', quantity: 4 },
      ]),
      row('west', 0, [{ sku: 'A', quantity: 9 }], 'released'),
    ]);
    expect([...held].map(([location, skus]) => [location, [...skus]])).toEqual([
      [
        'east',
        [
          ['A', 3],
          ['B', 4],
        ],
      ],
    ]);
  });
});

describe('Given a new sourcing decision', () => {
  const held = heldByLocation([
    row('east', 0, [{ sku: 'A', quantity: 2 }]),
    row('west', 0, [{ sku: 'B', quantity: 1 }]),
  ]);

  it('moves nothing when every location keeps exactly its units', () => {
    const moves = originMoves(held, [
      { locationId: 'west', lines: [{ sku: 'B', quantity: 1 }], estimatedCost: 1 },
      { locationId: 'east', lines: [{ sku: 'A', quantity: 2 }], estimatedCost: 1 },
    ]);
    expect(moves).toEqual({ leave: [], join: [] });
  });

  it('leaves the locations that lose units and joins the ones that gain them, keeping the unchanged one', () => {
    const moves = originMoves(held, [
      { locationId: 'west', lines: [{ sku: 'B', quantity: 1 }], estimatedCost: 1 },
      { locationId: 'north', lines: [{ sku: 'A', quantity: 2 }], estimatedCost: 1 },
    ]);
    expect(moves.leave).toEqual(['east']);
    expect(moves.join.map((shipment) => shipment.locationId)).toEqual(['north']);
  });

  it('both leaves and joins a location whose units change', () => {
    const moves = originMoves(held, [
      {
        locationId: 'east',
        lines: [
          { sku: 'A', quantity: 2 },
          { sku: 'B', quantity: 1 },
        ],
        estimatedCost: 1,
      },
    ]);
    expect(moves.leave).toEqual(['east', 'west']);
    expect(moves.join.map((shipment) => shipment.locationId)).toEqual(['east']);
  });
});

describe('Given releases and reservations of the same stock rows', () => {
  it('nets them to one write per row and drops rows that net to zero', () => {
    expect(
      netStock([
        { locationId: 'east', sku: 'A', bucket: 0, quantity: -2 },
        { locationId: 'east', sku: 'A', bucket: 0, quantity: 3 },
        { locationId: 'east', sku: 'B', bucket: 1, quantity: -1 },
        { locationId: 'east', sku: 'B', bucket: 1, quantity: 1 },
        { locationId: 'west', sku: 'A', bucket: 0, quantity: -4 },
      ]),
    ).toEqual([
      { locationId: 'east', sku: 'A', bucket: 0, quantity: 1 },
      { locationId: 'west', sku: 'A', bucket: 0, quantity: -4 },
    ]);
  });
});

describe('Given stock buckets net of the order’s own reservation', () => {
  it('gives the held units back to the very buckets they came from, and only those', () => {
    const buckets = [
      bucket('east', 'A', 0, 1),
      bucket('east', 'A', 1, 0),
      bucket('west', 'A', 0, 5),
      bucket('east', 'B', 0, 7),
    ];
    const rows = [
      row('east', 0, [{ sku: 'A', quantity: 3, parts: [{ bucket: 1, quantity: 3 }] }]),
      row('east', 1000, [{ sku: 'A', quantity: 2 }]),
      row('west', 0, [{ sku: 'A', quantity: 9 }], 'released'),
    ];
    expect(withHeldAddedBack(buckets, rows).map((entry) => entry.available)).toEqual([3, 3, 5, 7]);
  });
});

describe('Given two addresses', () => {
  it('compares them field by field whatever the key order, ignoring absent fields', () => {
    expect(
      sameRecord(
        { line1: '1 Main', city: 'X', postalCode: '1', country: 'US', region: undefined },
        { country: 'US', postalCode: '1', city: 'X', line1: '1 Main' },
      ),
    ).toBe(true);
    expect(sameRecord({ type: 'pickup', locationId: 'a' }, { type: 'pickup', locationId: 'b' })).toBe(false);
  });
});
