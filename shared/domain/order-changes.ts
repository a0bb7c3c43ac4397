import { type Agent, requireRole } from './agents.js';
import { ConflictError, UnprocessableError } from './errors.js';
import type { OrderLine, OrderStatus, OrderTotals } from './order.js';

/** Statuses in which nothing has left a shelf yet, so an agent may still change what the order holds. */
export const CHANGEABLE_STATUSES: readonly OrderStatus[] = ['allocated', 'picking', 'backordered'];

/** What `assertChangeable` reads: the order's status, its pick tickets and shipments (an aggregate fits). */
export interface ChangeableInput {
  order: { id: string; status: OrderStatus };
  pickTickets: readonly {
    id: string;
    status: string;
    picked?: readonly { sku: string; picked: number }[];
  }[];
  shipments?: readonly unknown[];
}

/**
 * Refuses (409) a change to an order that is no longer before fulfillment: once a unit is picked or shipped,
 * the goods are the warehouse's or the customer's and a return handles them
 * (docs/customer-service.md#order-changes-cancellations-and-lines).
 * `placed` is transient (the workflow is allocating), so its 409 says to try again rather than naming an end.
 */
export function assertChangeable(input: ChangeableInput): void {
  const { order } = input;
  if (order.status === 'placed') {
    throw new ConflictError(`order ${order.id} is being allocated (status placed): try again in a moment`, {
      status: order.status,
      retryable: true,
    });
  }
  if (!CHANGEABLE_STATUSES.includes(order.status)) {
    throw new ConflictError(
      `order ${order.id} is ${order.status}: it can no longer be changed; returns handle goods that shipped`,
      { status: order.status },
    );
  }
  const picked = input.pickTickets.find(
    (ticket) => ticket.status === 'confirmed' || (ticket.picked ?? []).some((line) => line.picked > 0),
  );
  if (picked || (input.shipments?.length ?? 0) > 0) {
    throw new ConflictError(
      `order ${order.id} has lines already picked${picked ? ` (pick ticket ${picked.id})` : ''}: it can no longer be changed; returns handle goods that shipped`,
      { status: order.status, ...(picked ? { pickTicketId: picked.id } : {}) },
    );
  }
}

/** Units of a SKU an agent cancels, or asks to add at a price (minor units per unit). */
export interface UnitsOfSku {
  sku: string;
  quantity: number;
}
export interface AddedUnits extends UnitsOfSku {
  unitPrice: number;
}

/**
 * The same SKU named twice in one request is one change of the summed units (an agent clicking "−1" twice):
 * merged, in the order first named. `unitPrice` must agree between the mentions (422 naming the field).
 */
export function mergeBySku<T extends UnitsOfSku>(lines: readonly T[], field: string): T[] {
  const merged = new Map<string, T>();
  lines.forEach((line, index) => {
    const seen = merged.get(line.sku);
    if (!seen) {
      merged.set(line.sku, { ...line });
      return;
    }
    const price = (line as Partial<AddedUnits>).unitPrice;
    if (price !== (seen as Partial<AddedUnits>).unitPrice) {
      throw new UnprocessableError(`${field}[${index}].unitPrice differs from the earlier ${line.sku}`, {
        field: `${field}[${index}].unitPrice`,
      });
    }
    seen.quantity += line.quantity;
  });
  return [...merged.values()];
}

/**
 * The order's lines once `remove` is taken off: each line's quantity falls, its own discount by the share
 * of the cancelled units (rounded down, as `amountOfLines` prices them), and a line left with no unit goes.
 * A SKU not on the order, or more units than the line has, is a 422 naming the field.
 */
export function linesAfterRemoval(
  lines: readonly OrderLine[],
  remove: readonly UnitsOfSku[],
  field: string,
): OrderLine[] {
  const result = lines.map((line) => ({ ...line }));
  remove.forEach((wanted, index) => {
    const line = result.find((candidate) => candidate.sku === wanted.sku);
    if (!line) {
      throw new UnprocessableError(`the order has no line ${wanted.sku}`, {
        field: `${field}[${index}].sku`,
      });
    }
    if (wanted.quantity > line.quantity) {
      throw new UnprocessableError(
        `line ${wanted.sku} has ${line.quantity} units; cannot cancel ${wanted.quantity}`,
        { field: `${field}[${index}].quantity` },
      );
    }
    const share = Math.floor((line.discount * wanted.quantity) / line.quantity);
    line.quantity -= wanted.quantity;
    line.discount -= share;
  });
  return result.filter((line) => line.quantity > 0);
}

/** The parts of the order's totals some units carry: price, discount share and tax share (minor units). */
export interface UnitsValue {
  price: number;
  discount: number;
  tax: number;
}

/**
 * Totals after cancelling units worth `value`: subtotal, discount and tax fall by the units' shares, shipping
 * stays (the parcel still goes), and the grand total is derived again, so `deriveTotals` still holds.
 */
export function totalsAfterRemoval(totals: OrderTotals, value: UnitsValue): OrderTotals {
  const subtotal = totals.subtotal - value.price;
  const discount = totals.discount - value.discount;
  const tax = totals.tax - value.tax;
  return {
    subtotal,
    discount,
    shipping: totals.shipping,
    tax,
    grand: subtotal - discount + totals.shipping + tax,
  };
}

/**
 * What added units cost: their price at the given unit price, no discount (no coupon was redeemed for them),
 * and tax at the order's effective rate (tax ÷ (subtotal − discount)), rounded down so the customer is never
 * charged a fraction more than the rate gives. An order with no taxable net adds no tax.
 */
export function valueOfAdded(totals: OrderTotals, add: readonly AddedUnits[]): UnitsValue {
  const price = add.reduce((sum, line) => sum + line.unitPrice * line.quantity, 0);
  const net = totals.subtotal - totals.discount;
  // BigInt: price × tax can pass 2^53 on large JPY or KWD orders.
  const tax = net > 0 ? Number((BigInt(price) * BigInt(totals.tax)) / BigInt(net)) : 0;
  return { price, discount: 0, tax };
}

/**
 * The order's lines with `add` in: a SKU already on the order gains the units at its own price (another
 * price for the same SKU is a 422: one line per SKU keeps every per-SKU share exact), a new SKU becomes a
 * line of its own.
 */
export function linesAfterAddition(
  lines: readonly OrderLine[],
  add: readonly AddedUnits[],
  field: string,
): OrderLine[] {
  const result = lines.map((line) => ({ ...line }));
  add.forEach((wanted, index) => {
    const line = result.find((candidate) => candidate.sku === wanted.sku);
    if (!line) {
      result.push({ sku: wanted.sku, quantity: wanted.quantity, unitPrice: wanted.unitPrice, discount: 0 });
      return;
    }
    if (line.unitPrice !== wanted.unitPrice) {
      throw new UnprocessableError(
        `${wanted.sku} is on the order at ${line.unitPrice}, not ${wanted.unitPrice}; add it at that price`,
        { field: `${field}[${index}].unitPrice` },
      );
    }
    if (line.quantity + wanted.quantity > MAX_LINE_QUANTITY) {
      throw new UnprocessableError(`line ${wanted.sku} may hold at most ${MAX_LINE_QUANTITY} units`, {
        field: `${field}[${index}].quantity`,
      });
    }
    line.quantity += wanted.quantity;
  });
  return result;
}

/**
 * Who may add what: any agent adds more of a SKU the order has (at its price: `linesAfterAddition`), but a
 * SKU the customer never ordered, at a price the agent names, is a sale: only a supervisor makes it (403
 * naming the role). Nothing is given away this way, by anyone: a unit price of 0 is a 422 (an appeasement
 * is the way to give).
 */
export function assertAdditionAllowed(
  agent: Agent,
  lines: readonly OrderLine[],
  add: readonly AddedUnits[],
  field: string,
): void {
  const free = add.findIndex((line) => line.unitPrice <= 0);
  if (free >= 0) {
    throw new UnprocessableError(`${add[free]?.sku} must be added at a unit price above 0`, {
      field: `${field}[${free}].unitPrice`,
    });
  }
  const fresh = add.find((wanted) => !lines.some((line) => line.sku === wanted.sku));
  if (fresh) requireRole(agent, 'supervisor', `adding ${fresh.sku}, which the order does not have,`);
}

/** The most units one order line may hold (OrderLineSchema). */
const MAX_LINE_QUANTITY = 10_000;

export const totalsAfterAddition = (totals: OrderTotals, value: UnitsValue): OrderTotals =>
  totalsAfterRemoval(totals, { price: -value.price, discount: -value.discount, tax: -value.tax });

/**
 * How many held units of a SKU to give back when `removed` of its `ordered` units are cancelled: the units
 * not held (waiting for stock) go first, so only what the smaller line cannot use leaves the reservation.
 */
export const unitsToRelease = (ordered: number, held: number, removed: number) =>
  Math.max(0, held - (ordered - removed));

/**
 * Takes units out of holders in order (open pick tickets, or reservation rows before tickets exist): per
 * SKU from the first holder that has it. Returns what each holder gives; throws when they hold less than
 * asked (every held unit is on some holder).
 */
export function takeFromHolders(
  holders: readonly { lines: readonly UnitsOfSku[] }[],
  wanted: readonly UnitsOfSku[],
): UnitsOfSku[][] {
  const taken: UnitsOfSku[][] = holders.map(() => []);
  for (const want of wanted) {
    let left = want.quantity;
    holders.forEach((holder, index) => {
      const has = holder.lines
        .filter((line) => line.sku === want.sku)
        .reduce((sum, line) => sum + line.quantity, 0);
      const take = Math.min(has, left);
      if (take > 0) taken[index]?.push({ sku: want.sku, quantity: take });
      left -= take;
    });
    if (left > 0)
      throw new Error(`the holders hold ${want.quantity - left} of ${want.sku}, not ${want.quantity}`);
  }
  return taken;
}

/** Lines less what was taken from them, lines at zero dropped; anything else on a line (its bin) is kept. */
export function lessUnits<T extends UnitsOfSku>(lines: readonly T[], taken: readonly UnitsOfSku[]): T[] {
  const left = new Map(taken.map((line) => [line.sku, line.quantity]));
  return lines
    .map((line) => {
      const take = Math.min(line.quantity, left.get(line.sku) ?? 0);
      left.set(line.sku, (left.get(line.sku) ?? 0) - take);
      return { ...line, quantity: line.quantity - take };
    })
    .filter((line) => line.quantity > 0);
}

/**
 * The order's allocations once `released` units went back to stock: each location's lines less what it
 * released (oldest allocation first), lines at zero dropped, and an allocation left with no line dropped, so
 * the order view shows what is still held where. The timeline keeps the original decision.
 */
export function allocationsAfterRelease<
  A extends { locationId: string; lines: { sku: string; quantity: number }[] },
>(
  allocations: readonly A[],
  released: readonly { locationId: string; sku: string; quantity: number }[],
): A[] {
  const owed = new Map<string, number>();
  for (const part of released) {
    const key = `${part.locationId}\u0000${part.sku}`;
    owed.set(key, (owed.get(key) ?? 0) + part.quantity);
  }
  return allocations.flatMap((allocation) => {
    const lines = allocation.lines.flatMap((line) => {
      const key = `${allocation.locationId}\u0000${line.sku}`;
      const take = Math.min(owed.get(key) ?? 0, line.quantity);
      owed.set(key, (owed.get(key) ?? 0) - take);
      return line.quantity - take > 0 ? [{ ...line, quantity: line.quantity - take }] : [];
    });
    return lines.length > 0 ? [{ ...allocation, lines }] : [];
  });
}
