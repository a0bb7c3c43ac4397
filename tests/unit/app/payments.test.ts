import { describe, expect, it } from 'vitest';
import { amountOfLines, capturesOf } from '../../../shared/app/payments.js';
import type { OrderAggregate } from '../../../shared/store/orders.js';

const totals = { subtotal: 8000, discount: 600, shipping: 599, tax: 740, grand: 8739 };
const lines = [
  { sku: 'A', quantity: 2, unitPrice: 2500, discount: 200 },
  { sku: 'B', quantity: 3, unitPrice: 1000, discount: 0 },
];

const aggregate = (payment: Record<string, unknown>, timeline: OrderAggregate['timeline'] = []) =>
  ({
    order: {
      payment: { status: 'captured', amount: 8739, captured: 0, refunded: 0, ...payment },
      updatedAt: 'u',
    },
    timeline,
  }) as unknown as Pick<OrderAggregate, 'order' | 'timeline'>;

describe('Given an order captured per shipment', () => {
  describe('When its captures are listed from the timeline', () => {
    it('gives each capture once, oldest first', () => {
      const captures = capturesOf(
        aggregate({ captureId: 'cap_2', captured: 8739 }, [
          {
            type: 'PaymentCaptured',
            at: '2026-11-27T10:05:00Z',
            detail: { captureId: 'cap_2', amount: 3739 },
          },
          { type: 'PickTicketsOpened', at: '2026-11-27T09:00:00Z' },
          {
            type: 'PaymentCaptured',
            at: '2026-11-27T10:00:00Z',
            detail: { captureId: 'cap_1', amount: 5000 },
          },
          {
            type: 'PaymentCaptured',
            at: '2026-11-27T10:06:00Z',
            detail: { captureId: 'cap_2', amount: 3739 },
          },
        ]),
      );
      expect(captures).toEqual([
        { captureId: 'cap_1', amount: 5000, at: '2026-11-27T10:00:00Z' },
        { captureId: 'cap_2', amount: 3739, at: '2026-11-27T10:05:00Z' },
      ]);
    });
  });

  describe('When the order was billed in one go before captures were listed', () => {
    it('gives its single capture', () => {
      expect(capturesOf(aggregate({ captureId: 'cap_x', captured: 8739 }))).toEqual([
        { captureId: 'cap_x', amount: 8739, at: 'u' },
      ]);
    });
  });

  describe('When nothing was captured', () => {
    it('gives none', () => {
      expect(capturesOf(aggregate({ status: 'authorized' }))).toEqual([]);
    });
  });
});

describe('Given an order with line and order-level discounts and tax', () => {
  describe('When some units of lines are refunded', () => {
    it('is their price less their discount shares plus their tax share, each rounded down', () => {
      // A: 2500 − 100 (line) − floor(400·2500/8000) = 125 → 2275; tax floor(740·2275/7400) = 227.
      expect(amountOfLines({ lines, totals }, [{ sku: 'A', quantity: 1 }])).toBe(2275 + 227);
      // B ×3: 3000 − floor(400·3000/8000) = 150 → 2850; tax floor(740·2850/7400) = 285.
      expect(amountOfLines({ lines, totals }, [{ sku: 'B', quantity: 3 }])).toBe(2850 + 285);
    });

    it('refuses a SKU the order does not have or more units than it has', () => {
      expect(() => amountOfLines({ lines, totals }, [{ sku: 'C', quantity: 1 }])).toThrow(/no line C/);
      expect(() => amountOfLines({ lines, totals }, [{ sku: 'B', quantity: 4 }])).toThrow(/has 3 units/);
    });
  });
});
