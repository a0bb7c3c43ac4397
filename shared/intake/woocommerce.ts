import { z } from 'zod';
import { toMinorUnits } from '../domain/money.js';
import { type CanonicalOrder, CanonicalOrderSchema, deriveTotals } from '../domain/order.js';
import { type FieldMap, parseWith, renameFields, validationErrorFrom } from '../domain/validation.js';

/**
 * WooCommerce `order.created` webhook (REST API v3 order) → canonical order. Amounts are decimal strings;
 * line `price` is a float WooCommerce computes itself, so it is only a fallback. Empty strings stand for
 * absent values in WooCommerce addresses.
 */
const Amount = z.union([z.string(), z.number()]);
const text = z.string().nullish();

const WooAddressSchema = z.looseObject({
  first_name: text,
  last_name: text,
  company: text,
  address_1: text,
  address_2: text,
  city: text,
  state: text,
  postcode: text,
  country: text,
  email: text,
  phone: text,
});

const WooLineItemSchema = z.looseObject({
  sku: z
    .string({ error: (issue) => (issue.input == null ? 'required: the OMS fulfils by SKU' : undefined) })
    .trim()
    .min(1, 'required: the OMS fulfils by SKU'),
  name: text,
  quantity: z.number().int(),
  subtotal: Amount,
  total: Amount,
  price: Amount.nullish(),
});

export const WooOrderSchema = z.looseObject({
  id: z.number().int().nonnegative(),
  number: z.union([z.string(), z.number()]).nullish(),
  currency: CanonicalOrderSchema.shape.currency,
  date_created_gmt: text,
  billing: WooAddressSchema,
  shipping: WooAddressSchema.nullish(),
  line_items: z.array(WooLineItemSchema).min(1),
  shipping_total: Amount.nullish(),
  shipping_tax: Amount.nullish(),
  total_tax: Amount.nullish(),
  discount_total: Amount.nullish(),
  total: Amount,
});
export type WooOrder = z.infer<typeof WooOrderSchema>;

const ADDRESS_FIELDS: FieldMap = {
  name: 'first_name',
  line1: 'address_1',
  line2: 'address_2',
  city: 'city',
  region: 'state',
  postalCode: 'postcode',
  country: 'country',
  phone: 'phone',
};

export function mapWooCommerceOrder(payload: unknown): CanonicalOrder {
  const order = parseWith(WooOrderSchema, payload);
  const { currency } = order;
  const money = (amount: string | number, field: string) => toMinorUnits(amount, currency, field);
  const shipping = order.shipping;

  const candidate = {
    channel: 'woocommerce',
    externalId: String(order.id),
    orderNumber: order.number == null ? undefined : present(String(order.number)),
    currency,
    customer: {
      email: present(order.billing.email),
      phone: present(order.billing.phone),
      name: fullName(order.billing.first_name, order.billing.last_name),
    },
    shippingAddress: shipping
      ? {
          name: fullName(shipping.first_name, shipping.last_name),
          line1: present(shipping.address_1),
          line2: present(shipping.address_2),
          city: present(shipping.city),
          region: present(shipping.state),
          postalCode: present(shipping.postcode),
          country: present(shipping.country)?.toUpperCase(),
          phone: present(shipping.phone),
        }
      : undefined,
    lines: order.line_items.map((line, i) => {
      const field = `line_items[${i}]`;
      const subtotal = money(line.subtotal, `${field}.subtotal`);
      const total = money(line.total, `${field}.total`);
      return {
        sku: line.sku,
        name: present(line.name),
        quantity: line.quantity,
        unitPrice: unitPriceOf(line, subtotal, field, currency),
        // subtotal is before coupons, total after: the difference is this line's share of the discount.
        discount: subtotal - total,
      };
    }),
    shipping: order.shipping_total == null ? 0 : money(order.shipping_total, 'shipping_total'),
    // total_tax already includes shipping_tax, so shipping_tax is not added again.
    tax: order.total_tax == null ? 0 : money(order.total_tax, 'total_tax'),
    discount: order.discount_total == null ? 0 : money(order.discount_total, 'discount_total'),
    total: money(order.total, 'total'),
    placedAt: gmtToIso(present(order.date_created_gmt)),
  };

  const canonical = parseWith(
    CanonicalOrderSchema,
    candidate,
    renameFields({
      externalId: 'id',
      orderNumber: 'number',
      currency: 'currency',
      customer: ['billing', { email: 'email', phone: 'phone', name: 'first_name' }],
      shippingAddress: ['shipping', ADDRESS_FIELDS],
      lines: [
        'line_items',
        { sku: 'sku', name: 'name', quantity: 'quantity', unitPrice: 'subtotal', discount: 'total' },
      ],
      shipping: 'shipping_total',
      tax: 'total_tax',
      discount: 'discount_total',
      total: 'total',
      placedAt: 'date_created_gmt',
    }),
  );
  deriveTotals(canonical);
  return canonical;
}

/**
 * WooCommerce sends a form-encoded `webhook_id=N` body (not JSON, not an order) when a webhook is created
 * or re-enabled, to check the delivery URL answers. It deserves a 200 and nothing else.
 */
export function isWooCommercePing(contentType: string | undefined, rawBody: string): boolean {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/x-www-form-urlencoded') return false;
  const form = new URLSearchParams(rawBody.trim());
  const keys = [...form.keys()];
  return keys.length === 1 && keys[0] === 'webhook_id' && /^\d+$/.test(form.get('webhook_id') ?? '');
}

/**
 * The canonical order keeps a whole unit price, so the line subtotal must be quantity × that price.
 * WooCommerce's own `price` is a fallback for payloads where subtotal and quantity disagree; if it does not
 * reconcile either, the line cannot be represented without inventing cents, and is refused.
 */
function unitPriceOf(
  line: z.infer<typeof WooLineItemSchema>,
  subtotal: number,
  field: string,
  currency: string,
): number {
  // A non-positive quantity is reported by the canonical schema under line_items[i].quantity.
  if (line.quantity <= 0) return 0;
  if (subtotal % line.quantity === 0) return subtotal / line.quantity;
  const price = line.price == null ? undefined : tryMinorUnits(line.price, currency);
  if (price !== undefined && price * line.quantity === subtotal) return price;
  const viaPrice = line.price == null ? '' : `, and price ${line.price} × ${line.quantity} does not equal it`;
  throw validationErrorFrom([
    {
      field: `${field}.subtotal`,
      message: `subtotal ${line.subtotal} ${currency} is not ${line.quantity} × a whole unit price${viaPrice}`,
    },
  ]);
}

function tryMinorUnits(amount: string | number, currency: string): number | undefined {
  try {
    return toMinorUnits(amount, currency);
  } catch {
    return undefined;
  }
}

/** `date_created_gmt` is UTC without an offset ("2024-03-01T17:00:00"); the canonical order wants one. */
function gmtToIso(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return /(?:Z|[+-]\d{2}:?\d{2})$/i.test(value) ? value : `${value}Z`;
}

function present(value: string | null | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function fullName(first: string | null | undefined, last: string | null | undefined): string | undefined {
  return present([present(first), present(last)].filter(Boolean).join(' '));
}
