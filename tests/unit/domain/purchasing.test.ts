import { describe, expect, it } from 'vitest';
import {
  addDays,
  matchReceipt,
  type PurchaseOrder,
  purchaseOrderMessage,
  sameReceiptLines,
  statusAfterReceipts,
} from '../../../shared/domain/purchasing.js';

const order = (
  lines: { sku: string; locationId: string; quantity: number; received: number }[],
): PurchaseOrder => ({
  id: 'po_01JTESTTESTTESTTESTTESTTEST',
  supplierId: 'acme',
  supplierName: 'Acme Mugs',
  supplierEmail: 'orders@acme.example',
  currency: 'USD',
  status: 'sent',
  lines: lines.map((line) => ({ ...line, unitCost: 250 })),
  total: lines.reduce((sum, line) => sum + line.quantity * 250, 0),
  origin: 'reorder-job',
  receipts: [],
  createdAt: '2026-03-01T05:00:00.000Z',
  updatedAt: '2026-03-01T05:00:00.000Z',
});

describe('Given a sent purchase order of two lines', () => {
  const po = order([
    { sku: 'SKU-MUG', locationId: 'wh-east', quantity: 120, received: 20 },
    { sku: 'SKU-MUG', locationId: 'wh-west', quantity: 60, received: 0 },
  ]);

  it('matches receipt lines to order lines by SKU and location', () => {
    expect(
      matchReceipt(po, [
        { sku: 'SKU-MUG', locationId: 'wh-west', quantity: 60 },
        { sku: 'SKU-MUG', locationId: 'wh-east', quantity: 100 },
      ]),
    ).toEqual([1, 0]);
  });

  it('refuses a line not on the order (400) and more than is outstanding (409)', () => {
    expect(() => matchReceipt(po, [{ sku: 'SKU-CUP', locationId: 'wh-east', quantity: 1 }])).toThrow(
      expect.objectContaining({
        statusCode: 400,
        fields: [{ field: 'lines[0]', message: expect.any(String) }],
      }),
    );
    expect(() => matchReceipt(po, [{ sku: 'SKU-MUG', locationId: 'wh-east', quantity: 101 }])).toThrow(
      expect.objectContaining({ statusCode: 409, message: expect.stringContaining('100 outstanding') }),
    );
    expect(() =>
      matchReceipt(po, [
        { sku: 'SKU-MUG', locationId: 'wh-east', quantity: 1 },
        { sku: 'SKU-MUG', locationId: 'wh-east', quantity: 1 },
      ]),
    ).toThrow(expect.objectContaining({ statusCode: 400 }));
  });

  it('is partially received while anything is outstanding, received when nothing is', () => {
    expect(statusAfterReceipts(po.lines)).toBe('partially-received');
    expect(statusAfterReceipts(po.lines.map((line) => ({ ...line, received: line.quantity })))).toBe(
      'received',
    );
    expect(statusAfterReceipts(po.lines.map((line) => ({ ...line, received: 0 })))).toBe('sent');
  });

  it('tells a retried receipt (same lines, any order) from a reused id', () => {
    const a = [
      { sku: 'SKU-MUG', locationId: 'wh-east', quantity: 5 },
      { sku: 'SKU-MUG', locationId: 'wh-west', quantity: 6 },
    ];
    expect(sameReceiptLines(a, [...a].reverse())).toBe(true);
    expect(
      sameReceiptLines(a, [{ ...a[0], quantity: 4 } as (typeof a)[number], a[1] as (typeof a)[number]]),
    ).toBe(false);
  });

  it('writes the supplier an email with lines, total, delivery addresses and the due date', () => {
    const message = purchaseOrderMessage(
      po,
      { name: 'Acme Mugs', email: 'orders@acme.example', leadTimeDays: 9 },
      {
        'wh-east': {
          name: 'East warehouse',
          address: { line1: '1 Dock St', city: 'Newark', postalCode: '07114', country: 'US' },
        },
      },
      addDays('2026-03-01T05:00:00.000Z', 9),
    );
    expect(message.to).toBe('orders@acme.example');
    expect(message.subject).toBe('Purchase order po_01JTESTTESTTESTTESTTESTTEST: 2 lines, 450.00 USD');
    expect(message.text).toContain('to arrive by 2026-03-10');
    expect(message.text).toMatch(/\n1 +SKU-MUG +wh-east +120 +2\.50 +300\.00\n/);
    expect(message.text).toContain('wh-east: East warehouse, 1 Dock St, 07114 Newark, US');
    expect(message.document).toMatchObject({ expectedBy: '2026-03-10', total: 45_000 });
  });
});
