import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/domain/errors.js';
import { comparePick } from '../../../shared/domain/pick.js';

const ticket = [
  { sku: 'A', quantity: 2 },
  { sku: 'B', quantity: 1 },
];

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

describe('Given a pick ticket for 2 × A and 1 × B', () => {
  describe('When everything is picked', () => {
    it('is not short and reports ordered and picked per line', () => {
      expect(
        comparePick(ticket, [
          { sku: 'B', quantity: 1 },
          { sku: 'A', quantity: 2 },
        ]),
      ).toEqual({
        short: false,
        lines: [
          { sku: 'A', ordered: 2, picked: 2 },
          { sku: 'B', ordered: 1, picked: 1 },
        ],
      });
    });

    it('adds up a SKU confirmed on several lines', () => {
      const outcome = comparePick(ticket, [
        { sku: 'A', quantity: 1 },
        { sku: 'A', quantity: 1 },
        { sku: 'B', quantity: 1 },
      ]);
      expect(outcome).toEqual({
        short: false,
        lines: [
          { sku: 'A', ordered: 2, picked: 2 },
          { sku: 'B', ordered: 1, picked: 1 },
        ],
      });
    });
  });

  describe('When fewer are picked than ordered', () => {
    it('is short and shows the picked quantity', () => {
      expect(
        comparePick(ticket, [
          { sku: 'A', quantity: 1 },
          { sku: 'B', quantity: 1 },
        ]),
      ).toEqual({
        short: true,
        lines: [
          { sku: 'A', ordered: 2, picked: 1 },
          { sku: 'B', ordered: 1, picked: 1 },
        ],
      });
    });

    it('counts a SKU left out of the confirmation as picked 0', () => {
      expect(comparePick(ticket, [{ sku: 'A', quantity: 2 }])).toEqual({
        short: true,
        lines: [
          { sku: 'A', ordered: 2, picked: 2 },
          { sku: 'B', ordered: 1, picked: 0 },
        ],
      });
    });
  });

  describe('When more are picked than ordered', () => {
    it('refuses the confirmation as a ValidationError, not a short pick', () => {
      const error = thrown(() =>
        comparePick(ticket, [
          { sku: 'A', quantity: 3 },
          { sku: 'B', quantity: 1 },
        ]),
      );
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).message).toBe('picked 3 of A but the ticket asks for 2');
      expect((error as ValidationError).fields).toEqual([
        { field: 'lines', message: 'more A picked than ordered' },
      ]);
    });

    it('refuses an over-pick spread over several lines', () => {
      expect(() =>
        comparePick(ticket, [
          { sku: 'B', quantity: 1 },
          { sku: 'B', quantity: 1 },
        ]),
      ).toThrow('picked 2 of B but the ticket asks for 1');
    });
  });

  describe('When a SKU that is not on the ticket is confirmed', () => {
    it('refuses it, naming lines[i].sku', () => {
      const error = thrown(() =>
        comparePick(ticket, [
          { sku: 'A', quantity: 2 },
          { sku: 'B', quantity: 1 },
          { sku: 'Z', quantity: 1 },
        ]),
      );
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).statusCode).toBe(400);
      expect((error as ValidationError).fields).toEqual([
        { field: 'lines[2].sku', message: 'not on this pick ticket' },
      ]);
      expect((error as ValidationError).message).toBe('lines[2].sku Z is not on this pick ticket');
    });
  });
});
