import type { OrderLine, OrderTotals } from './order.js';

/** The parts of the order's totals one capture takes (integer minor units). `grand` is the capture's amount. */
export type CaptureShare = OrderTotals;

export const ZERO_SHARE: CaptureShare = { subtotal: 0, discount: 0, shipping: 0, tax: 0, grand: 0 };

/**
 * The share of an order's money that one shipment captures, in minor units, deterministic for the same
 * input:
 *
 * - subtotal: the shipped units at their line prices (per SKU, pro rata over the order's units of it);
 * - discount: each line's own discount pro rata to the units shipped, plus the order-level discount (the
 *   part not allocated to lines) pro rata to the subtotal shipped;
 * - tax: pro rata to the net (subtotal − discount) shipped;
 * - shipping: all of it on the first capture, none after;
 * - every share is rounded down, and the final capture (nothing left to ship after it) takes exactly what
 *   is left of each part, so the captures of an order sum to its totals to the unit.
 */
export function captureShare(input: {
  lines: readonly Pick<OrderLine, 'sku' | 'quantity' | 'unitPrice' | 'discount'>[];
  totals: OrderTotals;
  shipped: readonly { sku: string; quantity: number }[];
  /** What earlier captures took (sum of their shares). */
  captured: CaptureShare;
  first: boolean;
  final: boolean;
}): CaptureShare {
  const { totals, captured } = input;
  if (input.final) {
    const subtotal = totals.subtotal - captured.subtotal;
    const discount = totals.discount - captured.discount;
    const shipping = totals.shipping - captured.shipping;
    const tax = totals.tax - captured.tax;
    return { subtotal, discount, shipping, tax, grand: subtotal - discount + shipping + tax };
  }
  const bySku = new Map<string, { units: number; price: number; discount: number }>();
  for (const line of input.lines) {
    const row = bySku.get(line.sku) ?? { units: 0, price: 0, discount: 0 };
    row.units += line.quantity;
    row.price += line.unitPrice * line.quantity;
    row.discount += line.discount;
    bySku.set(line.sku, row);
  }
  let subtotal = 0;
  let lineDiscount = 0;
  for (const shipped of input.shipped) {
    const row = bySku.get(shipped.sku);
    if (!row || row.units === 0) continue;
    const units = Math.min(shipped.quantity, row.units);
    subtotal += Math.floor((row.price * units) / row.units);
    lineDiscount += Math.floor((row.discount * units) / row.units);
  }
  const allocated = input.lines.reduce((sum, line) => sum + line.discount, 0);
  const orderLevel = Math.max(0, totals.discount - allocated);
  const discount =
    lineDiscount + (totals.subtotal > 0 ? Math.floor((orderLevel * subtotal) / totals.subtotal) : 0);
  const net = totals.subtotal - totals.discount;
  const tax = net > 0 ? Math.floor((totals.tax * (subtotal - discount)) / net) : 0;
  const shipping = input.first ? totals.shipping : 0;
  // Never more than what is left of any part (a rounding can only go down, but a caller's `captured` may
  // already hold a part in full).
  const cap = (value: number, part: keyof OrderTotals) =>
    Math.max(0, Math.min(value, totals[part] - captured[part]));
  const share = {
    subtotal: cap(subtotal, 'subtotal'),
    discount: cap(discount, 'discount'),
    shipping: cap(shipping, 'shipping'),
    tax: cap(tax, 'tax'),
  };
  return { ...share, grand: share.subtotal - share.discount + share.shipping + share.tax };
}

export const addShares = (a: CaptureShare, b: CaptureShare): CaptureShare => ({
  subtotal: a.subtotal + b.subtotal,
  discount: a.discount + b.discount,
  shipping: a.shipping + b.shipping,
  tax: a.tax + b.tax,
  grand: a.grand + b.grand,
});
