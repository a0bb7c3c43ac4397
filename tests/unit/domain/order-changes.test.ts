import { describe, expect, it } from 'vitest';
import { ForbiddenError } from '../../../shared/domain/errors.js';
import { renderNotification } from '../../../shared/domain/notifications.js';
import { deriveTotals, type OrderLine, type OrderTotals } from '../../../shared/domain/order.js';
import {
  allocationsAfterRelease,
  assertAdditionAllowed,
  assertChangeable,
  lessUnits,
  linesAfterAddition,
  linesAfterRemoval,
  mergeBySku,
  takeFromHolders,
  totalsAfterAddition,
  totalsAfterRemoval,
  unitsToRelease,
  valueOfAdded,
} from '../../../shared/domain/order-changes.js';

const lines: OrderLine[] = [
  { sku: 'SKU-TSHIRT-M', quantity: 2, unitPrice: 2500, discount: 500 },
  { sku: 'SKU-MUG', quantity: 1, unitPrice: 1250, discount: 0 },
];
const totals: OrderTotals = { subtotal: 6250, discount: 500, shipping: 599, tax: 510, grand: 6859 };

const canonical = (orderLines: OrderLine[], orderTotals: OrderTotals) => ({
  channel: 'direct' as const,
  externalId: 'x',
  currency: 'USD',
  customer: { email: 'a@example.com' },
  shippingAddress: { line1: '1', city: 'c', postalCode: '1', country: 'US' },
  lines: orderLines,
  shipping: orderTotals.shipping,
  tax: orderTotals.tax,
  discount: orderTotals.discount,
  total: orderTotals.grand,
  fulfillment: { type: 'ship' as const },
});

describe('Given an order that may or may not still be changed', () => {
  const ticket = (status: string, picked?: { sku: string; picked: number }[]) => ({
    id: 'pt_1',
    status,
    ...(picked ? { picked } : {}),
  });

  it('lets allocated, picking and backordered orders with nothing picked be changed', () => {
    for (const status of ['allocated', 'picking', 'backordered'] as const) {
      expect(() =>
        assertChangeable({ order: { id: 'ord_1', status }, pickTickets: [ticket('open')] }),
      ).not.toThrow();
    }
    // A ticket that came back empty (escalated, or confirmed with zeros) picked nothing.
    expect(() =>
      assertChangeable({
        order: { id: 'ord_1', status: 'picking' },
        pickTickets: [ticket('short', [{ sku: 'A', picked: 0 }]), ticket('escalated')],
      }),
    ).not.toThrow();
  });

  it('answers a placed order with a 409 that says to try again', () => {
    expect(() => assertChangeable({ order: { id: 'ord_1', status: 'placed' }, pickTickets: [] })).toThrow(
      expect.objectContaining({ statusCode: 409, message: expect.stringMatching(/try again/) }),
    );
  });

  it('refuses an ended or shipped order with a 409 naming its status and returns', () => {
    for (const status of ['partially_shipped', 'shipped', 'completed', 'cancelled', 'failed'] as const) {
      expect(() => assertChangeable({ order: { id: 'ord_1', status }, pickTickets: [] })).toThrow(
        expect.objectContaining({
          statusCode: 409,
          message: expect.stringMatching(new RegExp(`is ${status}.*returns handle`)),
        }),
      );
    }
  });

  it('refuses an order with a confirmed ticket or a partly picked short one, naming the ticket', () => {
    expect(() =>
      assertChangeable({ order: { id: 'ord_1', status: 'picking' }, pickTickets: [ticket('confirmed')] }),
    ).toThrow(expect.objectContaining({ statusCode: 409, message: expect.stringMatching(/pt_1/) }));
    expect(() =>
      assertChangeable({
        order: { id: 'ord_1', status: 'picking' },
        pickTickets: [ticket('short', [{ sku: 'A', picked: 1 }])],
      }),
    ).toThrow(expect.objectContaining({ statusCode: 409 }));
  });
});

describe('Given units cancelled from the lines', () => {
  it('reduces the line and its own discount by the units share, and drops a line at zero', () => {
    expect(linesAfterRemoval(lines, [{ sku: 'SKU-TSHIRT-M', quantity: 1 }], 'lines')).toEqual([
      { sku: 'SKU-TSHIRT-M', quantity: 1, unitPrice: 2500, discount: 250 },
      lines[1],
    ]);
    expect(linesAfterRemoval(lines, [{ sku: 'SKU-MUG', quantity: 1 }], 'lines')).toEqual([lines[0]]);
  });

  it('names the field of a SKU the order lacks or of too many units (422)', () => {
    expect(() => linesAfterRemoval(lines, [{ sku: 'NOPE', quantity: 1 }], 'remove')).toThrow(
      expect.objectContaining({ statusCode: 422, details: { field: 'remove[0].sku' } }),
    );
    expect(() =>
      linesAfterRemoval(
        lines,
        [
          { sku: 'SKU-MUG', quantity: 1 },
          { sku: 'SKU-TSHIRT-M', quantity: 3 },
        ],
        'lines',
      ),
    ).toThrow(expect.objectContaining({ statusCode: 422, details: { field: 'lines[1].quantity' } }));
  });

  it('keeps the totals consistent: subtotal, discount and tax fall by the shares, shipping stays', () => {
    // One T-shirt: 2500 less its 250 of discount; tax share floor(510 × 2250 / 5750) = 199.
    const after = totalsAfterRemoval(totals, { price: 2500, discount: 250, tax: 199 });
    expect(after).toEqual({ subtotal: 3750, discount: 250, shipping: 599, tax: 311, grand: 4410 });
    expect(totals.grand - after.grand).toBe(2500 - 250 + 199);
    const reduced = linesAfterRemoval(lines, [{ sku: 'SKU-TSHIRT-M', quantity: 1 }], 'lines');
    expect(deriveTotals(canonical(reduced, after))).toEqual(after);
  });

  it('merges a SKU named twice into one change of the summed units', () => {
    expect(
      mergeBySku(
        [
          { sku: 'A', quantity: 1 },
          { sku: 'B', quantity: 2 },
          { sku: 'A', quantity: 3 },
        ],
        'lines',
      ),
    ).toEqual([
      { sku: 'A', quantity: 4 },
      { sku: 'B', quantity: 2 },
    ]);
    expect(() =>
      mergeBySku(
        [
          { sku: 'A', quantity: 1, unitPrice: 100 },
          { sku: 'A', quantity: 1, unitPrice: 200 },
        ],
        'add',
      ),
    ).toThrow(expect.objectContaining({ details: { field: 'add[1].unitPrice' } }));
  });
});

describe('Given units added at a price', () => {
  it('taxes them at the order effective rate, rounded down, with no discount', () => {
    // 510 / 5750 of 3 × 999 = 265.8 → 265.
    expect(valueOfAdded(totals, [{ sku: 'SKU-CAP', quantity: 3, unitPrice: 999 }])).toEqual({
      price: 2997,
      discount: 0,
      tax: 265,
    });
    expect(valueOfAdded({ ...totals, tax: 0 }, [{ sku: 'X', quantity: 1, unitPrice: 100 }]).tax).toBe(0);
  });

  it('adds a new line, or units to an existing line at its own price, and the totals still derive', () => {
    const add = [
      { sku: 'SKU-CAP', quantity: 3, unitPrice: 999 },
      { sku: 'SKU-MUG', quantity: 1, unitPrice: 1250 },
    ];
    const after = linesAfterAddition(lines, add, 'add');
    expect(after).toEqual([
      lines[0],
      { ...lines[1], quantity: 2 },
      { sku: 'SKU-CAP', quantity: 3, unitPrice: 999, discount: 0 },
    ]);
    const value = valueOfAdded(totals, add);
    const newTotals = totalsAfterAddition(totals, value);
    expect(newTotals.grand).toBe(totals.grand + value.price + value.tax);
    expect(deriveTotals(canonical(after, newTotals))).toEqual(newTotals);
  });

  it('refuses another price for a SKU already on the order (422 naming the field)', () => {
    expect(() => linesAfterAddition(lines, [{ sku: 'SKU-MUG', quantity: 1, unitPrice: 1 }], 'add')).toThrow(
      expect.objectContaining({ statusCode: 422, details: { field: 'add[0].unitPrice' } }),
    );
  });
});

describe('Given held and waiting units of a SKU', () => {
  it('releases only what the smaller line cannot use: waiting units go first', () => {
    // 5 ordered, 3 held, 2 waiting for stock: cancelling 2 releases nothing, 4 releases 2.
    expect(unitsToRelease(5, 3, 2)).toBe(0);
    expect(unitsToRelease(5, 3, 4)).toBe(2);
    expect(unitsToRelease(5, 5, 5)).toBe(5);
  });

  it('takes units from the holders in order and says what each gives', () => {
    const holders = [
      { lines: [{ sku: 'A', quantity: 2 }] },
      {
        lines: [
          { sku: 'A', quantity: 3 },
          { sku: 'B', quantity: 1 },
        ],
      },
    ];
    expect(
      takeFromHolders(holders, [
        { sku: 'A', quantity: 4 },
        { sku: 'B', quantity: 1 },
      ]),
    ).toEqual([
      [{ sku: 'A', quantity: 2 }],
      [
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 1 },
      ],
    ]);
    expect(() => takeFromHolders(holders, [{ sku: 'A', quantity: 6 }])).toThrow();
  });

  it('leaves lines less the units taken, keeping their bins and dropping empty lines', () => {
    expect(
      lessUnits(
        [
          { sku: 'A', quantity: 2, bin: 'A-1' },
          { sku: 'B', quantity: 1 },
        ],
        [{ sku: 'B', quantity: 1 }],
      ),
    ).toEqual([{ sku: 'A', quantity: 2, bin: 'A-1' }]);
  });
});

describe('Given a customer whose order an agent changed', () => {
  const order = {
    id: 'ord_1',
    orderNumber: 'SF-1001',
    currency: 'USD',
    lines: [{ sku: 'SKU-MUG', name: 'Ceramic Mug', quantity: 1 }],
    total: 6859,
    pickup: false,
  };

  it("tells a whole cancellation as customer service's, not as a failure, and charges nothing", () => {
    const message = renderNotification(order, { template: 'order-cancelled-by-agent' });
    expect(message.template).toBe('order-cancelled-by-agent');
    expect(message.subject).toBe('Order SF-1001 cancelled');
    expect(message.body).toContain('cancelled by our customer service team');
    expect(message.body).toContain('You will not be charged for it');
    expect(message.body).not.toMatch(/could not complete/);
    expect(message.sms).toBe(
      'Order SF-1001 was cancelled by customer service. You will not be charged for it.',
    );
  });

  it('lists the cancelled units (by name, else SKU) and the new total in the order currency', () => {
    const message = renderNotification(order, {
      template: 'order-lines-cancelled',
      lines: [
        { sku: 'SKU-TSHIRT-M', name: 'Classic T-Shirt - M', quantity: 2 },
        { sku: 'SKU-NAMELESS', quantity: 1 },
      ],
      total: 4410,
    });
    expect(message.template).toBe('order-lines-cancelled');
    expect(message.subject).toBe('Items cancelled from order SF-1001');
    expect(message.body.split('\n')).toEqual([
      'Our customer service team cancelled some items of your order SF-1001:',
      '- 2 × Classic T-Shirt - M',
      '- 1 × SKU-NAMELESS',
      'The rest of the order goes ahead. New total: 44.10 USD.',
    ]);
    expect(message.sms).toBe('Order SF-1001: 3 items cancelled. New total 44.10 USD.');
    const one = renderNotification(order, {
      template: 'order-lines-cancelled',
      lines: [{ sku: 'SKU-MUG', quantity: 1 }],
      total: 500,
    });
    expect(one.sms).toBe('Order SF-1001: 1 item cancelled. New total 5.00 USD.');
  });
});

describe('Given the allocations of an order some units of which went back to stock', () => {
  const allocation = (locationId: string, lines: { sku: string; quantity: number }[]) => ({
    locationId,
    reason: 'nearest',
    lines,
  });

  it('takes the released units off the location that held them, and only there', () => {
    const after = allocationsAfterRelease(
      [
        allocation('wh-east', [
          { sku: 'MUG', quantity: 2 },
          { sku: 'TEE', quantity: 1 },
        ]),
        allocation('wh-west', [{ sku: 'MUG', quantity: 3 }]),
      ],
      [{ locationId: 'wh-west', sku: 'MUG', quantity: 1 }],
    );
    expect(after).toEqual([
      allocation('wh-east', [
        { sku: 'MUG', quantity: 2 },
        { sku: 'TEE', quantity: 1 },
      ]),
      allocation('wh-west', [{ sku: 'MUG', quantity: 2 }]),
    ]);
  });

  it('drops a line at zero and an allocation with no line left, across two allocations of one location', () => {
    const after = allocationsAfterRelease(
      [
        allocation('wh-east', [{ sku: 'MUG', quantity: 1 }]),
        allocation('wh-east', [
          { sku: 'MUG', quantity: 2 },
          { sku: 'TEE', quantity: 1 },
        ]),
      ],
      [
        { locationId: 'wh-east', sku: 'MUG', quantity: 2 },
        { locationId: 'wh-east', sku: 'TEE', quantity: 1 },
      ],
    );
    expect(after).toEqual([allocation('wh-east', [{ sku: 'MUG', quantity: 1 }])]);
  });
});

describe('assertAdditionAllowed', () => {
  const ann = { id: 'a-1', username: 'ann', roles: ['agent' as const] };
  const sue = { id: 's-1', username: 'sue', roles: ['supervisor' as const] };

  it('lets an agent add more of a SKU the order has', () => {
    expect(() =>
      assertAdditionAllowed(ann, lines, [{ sku: 'SKU-MUG', quantity: 1, unitPrice: 1250 }], 'add'),
    ).not.toThrow();
  });

  it('needs the supervisor role for a SKU the order does not have (403 naming the role)', () => {
    const add = [{ sku: 'SKU-CAP', quantity: 1, unitPrice: 900 }];
    expect(() => assertAdditionAllowed(ann, lines, add, 'add')).toThrow(ForbiddenError);
    expect(() => assertAdditionAllowed(ann, lines, add, 'add')).toThrow(/SKU-CAP.*needs the supervisor role/);
    expect(() => assertAdditionAllowed(sue, lines, add, 'add')).not.toThrow();
  });

  it('refuses a free unit to everyone (422 naming add[i].unitPrice)', () => {
    const add = [
      { sku: 'SKU-MUG', quantity: 1, unitPrice: 1250 },
      { sku: 'SKU-CAP', quantity: 1, unitPrice: 0 },
    ];
    expect(() => assertAdditionAllowed(sue, lines, add, 'add')).toThrow(
      expect.objectContaining({ details: { field: 'add[1].unitPrice' } }),
    );
  });
});
