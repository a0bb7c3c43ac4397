import type { ReturnCondition, ReturnDisposition, ReturnPolicy } from '../config/returns.js';
import { ConflictError, UnprocessableError } from './errors.js';
import { ACCOUNTS, assertBalanced, type JournalEntry } from './ledger.js';
import type { Address, CanonicalOrder } from './order.js';

/**
 * Returns (RMA) as pure rules: what may come back, until when, what it is worth and what the customer gets.
 * The store and the agent routes are in shared/app/returns.ts; the policy is shared/config/returns.ts.
 */
export const RETURN_STATUSES = ['requested', 'authorized', 'refused', 'received', 'closed'] as const;
export type ReturnStatus = (typeof RETURN_STATUSES)[number];
export const RETURN_RESOLUTIONS = ['refund', 'store_credit', 'exchange'] as const;
export type ReturnResolution = (typeof RETURN_RESOLUTIONS)[number];

/** Each step's allowed starting status: the status condition of its one write. */
const RETURN_STEPS = {
  authorize: 'requested',
  refuse: 'requested',
  receive: 'authorized',
  resolve: 'received',
} as const satisfies Record<string, ReturnStatus>;

/** A step asked of a return in another status is a 409 naming both. */
export function assertStep(step: keyof typeof RETURN_STEPS, status: ReturnStatus, rmaId: string): void {
  const from = RETURN_STEPS[step];
  if (status !== from) {
    throw new ConflictError(`return ${rmaId} is ${status}; it can be ${step}d only when ${from}`, {
      status,
      expected: from,
    });
  }
}

export interface SkuQuantity {
  sku: string;
  quantity: number;
}

/** One shipment as the rules see it: where from, when, and what left with it. */
export interface ShippedParcel {
  locationId: string;
  /** `YYYY-MM-DD`: the carrier's ship date, else the day the shipment was recorded. */
  shipDay: string;
  lines: readonly SkuQuantity[];
}

/** What shipped of a SKU, the last day it shipped (its window runs from there) and from where. */
export interface ShippedSku {
  quantity: number;
  lastShipDay: string;
  originLocationId: string;
}

/**
 * Shipped units per SKU over the order's shipments. A SKU shipped in several parcels takes the latest ship
 * day (the most generous window: the customer cannot tell which parcel a unit came in) and that parcel's
 * location as its origin.
 */
export function shippedBySku(parcels: readonly ShippedParcel[]): Map<string, ShippedSku> {
  const shipped = new Map<string, ShippedSku>();
  for (const parcel of parcels) {
    for (const line of parcel.lines) {
      const seen = shipped.get(line.sku);
      const later = !seen || parcel.shipDay >= seen.lastShipDay;
      shipped.set(line.sku, {
        quantity: (seen?.quantity ?? 0) + line.quantity,
        lastShipDay: later ? parcel.shipDay : (seen?.lastShipDay ?? parcel.shipDay),
        originLocationId: later ? parcel.locationId : (seen?.originLocationId ?? parcel.locationId),
      });
    }
  }
  return shipped;
}

/** A return as the quantity rules see it. */
export interface ReturnQuantities {
  status: ReturnStatus;
  lines: readonly SkuQuantity[];
  received?: readonly SkuQuantity[];
}

/**
 * Units already spoken for by the order's other returns, per SKU: a refused return holds none, an open one
 * (requested, authorized) what it asked for, a received or closed one what actually came back (units that
 * never arrived can be asked for again).
 */
export function claimedBySku(returns: readonly ReturnQuantities[]): Map<string, number> {
  const claimed = new Map<string, number>();
  for (const rma of returns) {
    if (rma.status === 'refused') continue;
    const counted = rma.status === 'received' || rma.status === 'closed' ? (rma.received ?? []) : rma.lines;
    for (const line of counted) claimed.set(line.sku, (claimed.get(line.sku) ?? 0) + line.quantity);
  }
  return claimed;
}

/** Whether a SKU is excluded by the policy: an exact match or a `PREFIX*` pattern. */
export function nonReturnableRule(sku: string, patterns: readonly string[]): string | undefined {
  return patterns.find((pattern) =>
    pattern.endsWith('*') ? sku.startsWith(pattern.slice(0, -1)) : sku === pattern,
  );
}

const DAY_MS = 86_400_000;

/** The last day (`YYYY-MM-DD`, inclusive) a return may be requested for goods shipped on `shipDay`. */
export function windowEndsOn(shipDay: string, windowDays: number): string {
  return new Date(Date.parse(`${shipDay}T00:00:00Z`) + windowDays * DAY_MS).toISOString().slice(0, 10);
}

/** A policy rule a return breaks: named in the 422 so the agent can tell the customer which one. */
export type ReturnRule =
  | 'non-returnable-sku'
  | 'return-window'
  | 'not-shipped'
  | 'returnable-quantity'
  | 'exchange-sku'
  | 'even-exchange';

const broken = (rule: ReturnRule, message: string, field: string, extra: Record<string, unknown> = {}) =>
  new UnprocessableError(`${message} (rule ${rule})`, { rule, field, ...extra });

/**
 * The policy checks of a return's lines on a given day (the day it was requested, so time an agent takes to
 * authorize never shortens the customer's window): no non-returnable SKU, every SKU within its window.
 * Throws a 422 naming the rule and the line.
 */
export function assertWithinPolicy(
  lines: readonly SkuQuantity[],
  shipped: ReadonlyMap<string, ShippedSku>,
  policy: Pick<ReturnPolicy, 'windowDays' | 'nonReturnableSkus'>,
  requestedOn: string,
): void {
  lines.forEach((line, index) => {
    const rule = nonReturnableRule(line.sku, policy.nonReturnableSkus);
    if (rule) {
      throw broken(
        'non-returnable-sku',
        `${line.sku} cannot be returned: policy ${rule}`,
        `lines[${index}].sku`,
        {
          pattern: rule,
        },
      );
    }
    const sku = shipped.get(line.sku);
    if (!sku) return;
    const last = windowEndsOn(sku.lastShipDay, policy.windowDays);
    if (requestedOn > last) {
      throw broken(
        'return-window',
        `${line.sku} shipped on ${sku.lastShipDay}: the ${policy.windowDays}-day return window ended on ${last}`,
        `lines[${index}].sku`,
        { shippedOn: sku.lastShipDay, windowEndsOn: last },
      );
    }
  });
}

/**
 * The quantity checks of a new return: each SKU once, shipped, and at most what shipped less what other
 * returns already claim. Throws a 422 naming the rule and the line.
 */
export function assertReturnable(
  lines: readonly SkuQuantity[],
  shipped: ReadonlyMap<string, ShippedSku>,
  claimed: ReadonlyMap<string, number>,
): void {
  const seen = new Set<string>();
  lines.forEach((line, index) => {
    if (seen.has(line.sku)) {
      throw new UnprocessableError(`${line.sku} is listed twice; give one line per SKU`, {
        field: `lines[${index}].sku`,
      });
    }
    seen.add(line.sku);
    const sku = shipped.get(line.sku);
    if (!sku) {
      throw broken('not-shipped', `no unit of ${line.sku} has shipped on this order`, `lines[${index}].sku`);
    }
    const left = sku.quantity - (claimed.get(line.sku) ?? 0);
    if (line.quantity > left) {
      throw broken(
        'returnable-quantity',
        `${line.quantity} of ${line.sku} is more than the ${left} returnable (${sku.quantity} shipped, ${sku.quantity - left} already in returns)`,
        `lines[${index}].quantity`,
        { returnable: left },
      );
    }
  });
}

/** One row of a receipt: units of a SKU found in one condition, and what was done with them. */
export interface ReceiptRow extends SkuQuantity {
  condition: ReturnCondition;
  disposition: ReturnDisposition;
  /** Where restocked units were added; for a write-off, where the parcel was received (no stock moves). */
  locationId?: string;
}

/**
 * A receipt may hold a SKU in several rows (one unit sellable, one damaged) but never more units of a SKU
 * than the return asked for, nor a SKU it did not ask for.
 */
export function assertReceipt(requested: readonly SkuQuantity[], rows: readonly ReceiptRow[]): void {
  const left = new Map(requested.map((line) => [line.sku, line.quantity]));
  rows.forEach((row, index) => {
    const open = left.get(row.sku);
    if (open === undefined) {
      throw new UnprocessableError(`the return did not ask for ${row.sku}`, { field: `lines[${index}].sku` });
    }
    if (row.quantity > open) {
      throw new UnprocessableError(
        `${row.sku}: the receipt holds more units than the ${requestedOf(requested, row.sku)} requested`,
        { field: `lines[${index}].quantity` },
      );
    }
    left.set(row.sku, open - row.quantity);
  });
}

const requestedOf = (lines: readonly SkuQuantity[], sku: string) =>
  lines.find((line) => line.sku === sku)?.quantity ?? 0;

/** The received units per SKU (rows of one SKU added up), in the order SKUs first appear. */
export function receivedBySku(rows: readonly SkuQuantity[]): SkuQuantity[] {
  const sums = new Map<string, number>();
  for (const row of rows) sums.set(row.sku, (sums.get(row.sku) ?? 0) + row.quantity);
  return [...sums].map(([sku, quantity]) => ({ sku, quantity }));
}

/** What some units of the order's lines are worth (price less discount shares, plus tax share). */
export type WorthOf = (lines: readonly SkuQuantity[]) => number;

export interface Settlement {
  /** What the received units are worth: their price less their discount shares plus their tax share. */
  worth: number;
  /** Of `worth`, the tax share (what the store-credit entry gives back to tax payable). */
  tax: number;
  restockingFee: number;
  /** What the customer paid for the return label (0 when the merchant pays). */
  labelCharge: number;
  /** What the customer gets back: worth − fee − label charge, never below zero, capped by `capSettlement`. */
  due: number;
  /** Set when `due` was cut to what the customer still had paid (capSettlement): why, and by how much. */
  cappedBy?: 'earlier refunds';
  shortfall?: number;
}

/**
 * Caps what a return pays out at what the customer still has paid and not been given back (`remaining`,
 * minor units: captured − refunded − store credit of the order's other returns). A goodwill refund or an
 * earlier return may have given part of the order's money back already; paying the full worth again would
 * compensate twice, and a card refund over what is left would be refused, so the return could never close.
 * The cut is recorded (`cappedBy`, `shortfall`) so the console shows why less was paid.
 */
export function capSettlement(settlement: Settlement, remaining: number): Settlement {
  if (settlement.due <= remaining) return settlement;
  const due = Math.max(0, remaining);
  return { ...settlement, due, cappedBy: 'earlier refunds', shortfall: settlement.due - due };
}

/**
 * What a received return settles for. The worth is that of every received unit (`worthOf`, which is
 * amountOfLines over the order: see shared/app/payments.ts); the fee is, per receipt row, the policy's basis
 * points for its condition of that row's worth, rounded down; a customer-paid label is deducted once.
 * `worthBeforeTax` is the same worth with the order's tax set to zero, so the tax share is their difference.
 */
export function settle(
  rows: readonly ReceiptRow[],
  worthOf: WorthOf,
  worthBeforeTax: WorthOf,
  policy: Pick<ReturnPolicy, 'restockingFeeBps' | 'label'>,
): Settlement {
  const received = receivedBySku(rows);
  const worth = received.length > 0 ? worthOf(received) : 0;
  const tax = received.length > 0 ? worth - worthBeforeTax(received) : 0;
  const restockingFee = rows.reduce(
    (sum, row) => sum + Math.floor((worthOf([row]) * policy.restockingFeeBps[row.condition]) / 10_000),
    0,
  );
  const labelCharge = policy.label.paidBy === 'customer' && worth > 0 ? policy.label.customerCharge : 0;
  return { worth, tax, restockingFee, labelCharge, due: Math.max(0, worth - restockingFee - labelCharge) };
}

/**
 * A return settled in store credit: the returned sale is reversed into the customer's credit instead of
 * their card. Debits the sales-returns contra-revenue account for the net part and sales tax payable for the
 * tax share of what is credited (`settlement.tax` scaled to `due`, rounded down), credits store-credit
 * liability with `due`. Balanced by construction and checked.
 */
export function storeCreditEntry(input: {
  id: string;
  postedAt: string;
  currency: string;
  orderId: string;
  rmaId: string;
  settlement: Pick<Settlement, 'worth' | 'tax' | 'due'>;
  salesReturnsAccount: string;
}): JournalEntry {
  const { worth, tax, due } = input.settlement;
  if (!Number.isSafeInteger(due) || due <= 0) {
    throw new UnprocessableError(`return ${input.rmaId} settles for nothing: no store credit to issue`, {
      field: 'resolution',
    });
  }
  const taxPart = worth > 0 ? Math.floor((tax * due) / worth) : 0;
  const lines = [
    { account: input.salesReturnsAccount, debit: due - taxPart, credit: 0, orderId: input.orderId },
    { account: ACCOUNTS.salesTaxPayable, debit: taxPart, credit: 0, orderId: input.orderId },
    { account: ACCOUNTS.storeCreditLiability, debit: 0, credit: due, orderId: input.orderId },
  ].filter((line) => line.debit + line.credit > 0);
  const entry: JournalEntry = {
    id: input.id,
    postedAt: input.postedAt,
    currency: input.currency,
    memo: `Store credit for return ${input.rmaId} of order ${input.orderId}`,
    links: { orderId: input.orderId },
    lines,
  };
  assertBalanced(entry);
  return entry;
}

/**
 * Checks an even exchange (docs/customer-service.md#returns) and answers both worths. The replacement lines
 * are SKUs of the order itself, priced at the order's own unit prices: the OMS keeps no catalogue, so the
 * order is the only price it can trust for a SKU (another size of an item is exchanged only when that size
 * was on the order). Each SKU once, and the replacement worth no more than the units given back at the same
 * prices (`basis`: the units requested, checked when the return is opened, or received, checked again when
 * it is resolved). Throws a 422 naming the field.
 */
export function assertEvenExchange(
  given: readonly SkuQuantity[],
  exchange: readonly SkuQuantity[],
  unitPrices: ReadonlyMap<string, number>,
  basis: 'requested' | 'received',
): { givenWorth: number; exchangeWorth: number } {
  if (exchange.length === 0) {
    throw new UnprocessableError('an exchange needs the lines to send instead', { field: 'exchange' });
  }
  const seen = new Set<string>();
  const worthOf = (lines: readonly SkuQuantity[]) =>
    lines.reduce((sum, line) => sum + (unitPrices.get(line.sku) ?? 0) * line.quantity, 0);
  exchange.forEach((line, index) => {
    if (seen.has(line.sku)) {
      throw new UnprocessableError(`${line.sku} is listed twice; give one line per SKU`, {
        field: `exchange[${index}].sku`,
      });
    }
    seen.add(line.sku);
    if (!unitPrices.has(line.sku)) {
      throw broken(
        'exchange-sku',
        `${line.sku} is not on the order: an exchange sends SKUs of the order, at the order's prices`,
        `exchange[${index}].sku`,
      );
    }
  });
  const givenWorth = worthOf(given);
  const exchangeWorth = worthOf(exchange);
  if (exchangeWorth > givenWorth) {
    throw broken(
      'even-exchange',
      `the exchange is worth ${exchangeWorth} at the order's unit prices, more than the ${givenWorth} the ${basis} units are worth`,
      'exchange',
      { exchangeWorth, returnedWorth: givenWorth },
    );
  }
  return { givenWorth, exchangeWorth };
}

/**
 * The no-charge replacement order of an exchange, for the normal intake (channel `direct`). Its external id
 * is the return's, so the order id (decision 0002) is too: placing it again is a duplicate, never a second
 * order. Same customer and address; each line at the order's unit price with all of it discounted, no
 * shipping, no tax: the total is 0 and there is nothing for a card to pay.
 */
export function exchangeOrder(
  order: {
    currency: string;
    customer: CanonicalOrder['customer'];
    shippingAddress: Address;
    lines: readonly { sku: string; name?: string; unitPrice: number }[];
  },
  rmaId: string,
  exchange: readonly SkuQuantity[],
  placedAt: string,
): CanonicalOrder {
  const lines = exchange.map(({ sku, quantity }) => {
    const line = order.lines.find((candidate) => candidate.sku === sku);
    const unitPrice = line?.unitPrice ?? 0;
    return {
      sku,
      ...(line?.name ? { name: line.name } : {}),
      quantity,
      unitPrice,
      discount: unitPrice * quantity,
    };
  });
  const discount = lines.reduce((sum, line) => sum + line.discount, 0);
  return {
    channel: 'direct',
    externalId: exchangeExternalId(rmaId),
    currency: order.currency,
    customer: order.customer,
    shippingAddress: order.shippingAddress,
    lines,
    shipping: 0,
    tax: 0,
    discount,
    total: 0,
    placedAt,
    fulfillment: { type: 'ship' },
  };
}

/** The external id of a return's replacement order: one per return. */
export const exchangeExternalId = (rmaId: string) => `exchange-${rmaId}`;
