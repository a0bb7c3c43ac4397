import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PackBodySchema } from '../../../shared/app/pick-input.js';
import { DEFAULT_PICK_DUE_SECONDS } from '../../../shared/config/fulfillment.js';
import { addShares, captureShare, ZERO_SHARE } from '../../../shared/domain/capture.js';
import { ValidationError } from '../../../shared/domain/errors.js';
import {
  comparePick,
  sameCartons,
  shortfall,
  sortByBin,
  takeFromRows,
  withCartonIds,
} from '../../../shared/domain/pick.js';
import { parseWith } from '../../../shared/domain/validation.js';

describe('Given ticket lines with and without bins', () => {
  describe('When they are put in walk order', () => {
    it('sorts by bin in natural order, lines without a bin last, then by SKU', () => {
      const sorted = sortByBin([
        { sku: 'Z', quantity: 1 },
        { sku: 'C', quantity: 1, bin: 'A-10' },
        { sku: 'B', quantity: 1, bin: 'A-2' },
        { sku: 'A', quantity: 1, bin: 'A-2' },
        { sku: 'D', quantity: 1 },
      ]);
      expect(sorted.map((line) => `${line.bin ?? '-'}/${line.sku}`)).toEqual([
        'A-2/A',
        'A-2/B',
        'A-10/C',
        '-/D',
        '-/Z',
      ]);
    });
  });
});

describe('Given a pick of 1 of 3 A and 2 of 2 B', () => {
  it('reports the shortfall per SKU, only where there is one', () => {
    const outcome = comparePick(
      [
        { sku: 'A', quantity: 3 },
        { sku: 'B', quantity: 2 },
      ],
      [
        { sku: 'A', quantity: 1 },
        { sku: 'B', quantity: 2 },
      ],
    );
    expect(shortfall(outcome)).toEqual([{ sku: 'A', quantity: 2 }]);
  });
});

describe('Given reservation rows holding A over two buckets', () => {
  const rows = [
    {
      lines: [
        {
          sku: 'A',
          quantity: 3,
          parts: [
            { bucket: 0, quantity: 1 },
            { bucket: 2, quantity: 2 },
          ],
        },
        { sku: 'B', quantity: 1 },
      ],
    },
  ];

  describe('When 2 of A come back short', () => {
    it('takes them from the last part and keeps the rest of the row', () => {
      const taken = takeFromRows(rows, [{ sku: 'A', quantity: 2 }]);
      expect(taken.released).toEqual([{ row: 0, sku: 'A', bucket: 2, quantity: 2 }]);
      expect(taken.lines[0]).toEqual([
        { sku: 'A', quantity: 1, parts: [{ bucket: 0, quantity: 1 }] },
        { sku: 'B', quantity: 1, parts: [{ bucket: 0, quantity: 1 }] },
      ]);
    });
  });

  describe('When all of A and B come back short', () => {
    it('empties the row and gives back every unit once', () => {
      const taken = takeFromRows(rows, [
        { sku: 'A', quantity: 3 },
        { sku: 'B', quantity: 1 },
      ]);
      expect(taken.lines[0]).toEqual([]);
      expect(taken.released.reduce((sum, part) => sum + part.quantity, 0)).toBe(4);
    });
  });

  describe('When more comes back short than the rows hold', () => {
    it('refuses', () => {
      expect(() => takeFromRows(rows, [{ sku: 'A', quantity: 4 }])).toThrow(/holds 3 of A/);
    });
  });
});

describe('Given an order of 3 × 1000 with 150 discount, 500 shipping and 240 tax (3590)', () => {
  const order = {
    lines: [{ sku: 'A', quantity: 3, unitPrice: 1000, discount: 150 }],
    totals: { subtotal: 3000, discount: 150, shipping: 500, tax: 240, grand: 3590 },
  };

  describe('When it ships 1 unit, then 2', () => {
    it('captures a share per shipment (shipping on the first) and the two add up to the total exactly', () => {
      const first = captureShare({
        ...order,
        shipped: [{ sku: 'A', quantity: 1 }],
        captured: ZERO_SHARE,
        first: true,
        final: false,
      });
      expect(first).toEqual({ subtotal: 1000, discount: 50, shipping: 500, tax: 80, grand: 1530 });
      const second = captureShare({
        ...order,
        shipped: [{ sku: 'A', quantity: 2 }],
        captured: first,
        first: false,
        final: true,
      });
      expect(second).toEqual({ subtotal: 2000, discount: 100, shipping: 0, tax: 160, grand: 2060 });
      expect(addShares(first, second)).toEqual(order.totals);
    });
  });

  describe('When three single units ship with an awkward tax', () => {
    it('rounds each non-final share down and lets the final one take the rest', () => {
      const awkward = { ...order, totals: { ...order.totals, tax: 100, grand: 3450 } };
      let captured = ZERO_SHARE;
      const amounts: number[] = [];
      for (const index of [0, 1, 2]) {
        const share = captureShare({
          ...awkward,
          shipped: [{ sku: 'A', quantity: 1 }],
          captured,
          first: index === 0,
          final: index === 2,
        });
        amounts.push(share.grand);
        captured = addShares(captured, share);
      }
      expect(amounts).toEqual([1483, 983, 984]);
      expect(captured).toEqual(awkward.totals);
    });
  });

  describe('When everything ships at once', () => {
    it('captures the grand total', () => {
      const whole = captureShare({
        ...order,
        shipped: [{ sku: 'A', quantity: 3 }],
        captured: ZERO_SHARE,
        first: true,
        final: true,
      });
      expect(whole).toEqual(order.totals);
    });
  });
});

describe('Given cartons from a packing station', () => {
  it('gives missing ids by position and refuses a repeated id', () => {
    const cartons = withCartonIds([
      { lengthIn: 10, widthIn: 8, heightIn: 6, weightLb: 2 },
      { id: 'box-7', lengthIn: 12, widthIn: 10, heightIn: 8, weightLb: 5 },
    ]);
    expect(cartons.map((carton) => carton.id)).toEqual(['ctn_1', 'box-7']);
    const error = (() => {
      try {
        withCartonIds([
          { id: 'x', lengthIn: 1, widthIn: 1, heightIn: 1, weightLb: 1 },
          { id: 'x', lengthIn: 1, widthIn: 1, heightIn: 1, weightLb: 1 },
        ]);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fields[0]?.field).toBe('cartons[1].id');
  });

  it('treats the same cartons as the same packing, whatever the order of their lines', () => {
    const a = [
      {
        id: 'c',
        lengthIn: 1,
        widthIn: 2,
        heightIn: 3,
        weightLb: 4,
        lines: [
          { sku: 'A', quantity: 1 },
          { sku: 'B', quantity: 2 },
        ],
      },
    ];
    const b = [
      {
        id: 'c',
        lengthIn: 1,
        widthIn: 2,
        heightIn: 3,
        weightLb: 4,
        lines: [
          { sku: 'B', quantity: 2 },
          { sku: 'A', quantity: 1 },
        ],
      },
    ];
    expect(sameCartons(a, b)).toBe(true);
    expect(sameCartons(a, [{ ...a[0], weightLb: 5 } as (typeof a)[number]])).toBe(false);
  });
});

describe('Given the Standard workflow and the pick escalation', () => {
  it('waits longer than the due time plus one reconciler period, so escalation answers first', () => {
    const definition = JSON.parse(
      readFileSync(new URL('../../../statemachines/order-fulfillment.asl.json', import.meta.url), 'utf8'),
    ) as { States: Record<string, { TimeoutSeconds?: number }> };
    const wait = definition.States['Allocate stock and wait for pick confirmation']?.TimeoutSeconds ?? 0;
    expect(wait).toBeGreaterThan(DEFAULT_PICK_DUE_SECONDS + 15 * 60);
  });
});

describe('Given a packing body', () => {
  describe('When a carton has a zero weight and a negative length', () => {
    it('is refused with the fields named', () => {
      let caught: unknown;
      try {
        parseWith(PackBodySchema, { cartons: [{ lengthIn: -1, widthIn: 8, heightIn: 6, weightLb: 0 }] });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ValidationError);
      expect((caught as ValidationError).fields.map((field) => field.field).sort()).toEqual([
        'cartons[0].lengthIn',
        'cartons[0].weightLb',
      ]);
    });
  });

  describe('When a carton measures less than DynamoDB can store (5e-324)', () => {
    it('is refused on the field instead of failing the write', () => {
      expect(() =>
        parseWith(PackBodySchema, { cartons: [{ lengthIn: 10, widthIn: 8, heightIn: 5e-324, weightLb: 1 }] }),
      ).toThrow(ValidationError);
      expect(
        parseWith(PackBodySchema, { cartons: [{ lengthIn: 10, widthIn: 8, heightIn: 0.001, weightLb: 1 }] })
          .cartons,
      ).toHaveLength(1);
    });
  });
});
