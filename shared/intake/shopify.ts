import { z } from 'zod';
import { UnprocessableError } from '../domain/errors.js';
import { toMinorUnits } from '../domain/money.js';
import { type CanonicalOrder, CanonicalOrderSchema, deriveTotals } from '../domain/order.js';
import { type FieldMap, parseWith, renameFields, validationErrorFrom } from '../domain/validation.js';

/**
 * Shopify `orders/create` webhook (REST Admin API order JSON) → canonical order. Only the fields the OMS
 * uses are described; Shopify adds fields often, so unknown keys are let through. Shopify sends `null`
 * for absent values, hence `nullish` throughout.
 */
const Amount = z.union([z.string(), z.number()]);
const text = z.string().nullish();

const ShopifyAddressSchema = z.looseObject({
  first_name: text,
  last_name: text,
  name: text,
  address1: text,
  address2: text,
  city: text,
  province_code: text,
  zip: text,
  country_code: text,
  phone: text,
});

const ShopifyLineItemSchema = z.looseObject({
  sku: z
    .string({ error: (issue) => (issue.input == null ? 'required: the OMS fulfils by SKU' : undefined) })
    .trim()
    .min(1, 'required: the OMS fulfils by SKU'),
  title: text,
  quantity: z.number().int(),
  price: Amount,
  total_discount: Amount.nullish(),
  discount_allocations: z.array(z.looseObject({ amount: Amount })).nullish(),
});

export const ShopifyOrderSchema = z.looseObject({
  // Shopify ids are 64-bit; a JSON number beyond 2^53 has already lost digits, see externalIdOf.
  id: z.union([
    z.number().nonnegative().refine(Number.isInteger, 'must be an integer'),
    z.string().regex(/^\d+$/, 'digits only'),
  ]),
  admin_graphql_api_id: text,
  name: text,
  order_number: z.number().nullish(),
  email: text,
  contact_email: text,
  phone: text,
  currency: CanonicalOrderSchema.shape.currency,
  created_at: text,
  taxes_included: z.boolean().nullish(),
  line_items: z.array(ShopifyLineItemSchema).min(1),
  shipping_lines: z.array(z.looseObject({ price: Amount, discounted_price: Amount.nullish() })).nullish(),
  total_tax: Amount.nullish(),
  total_discounts: Amount.nullish(),
  total_price: Amount,
  subtotal_price: Amount.nullish(),
  shipping_address: ShopifyAddressSchema.nullish(),
  customer: z.looseObject({ email: text, phone: text, first_name: text, last_name: text }).nullish(),
});
export type ShopifyOrder = z.infer<typeof ShopifyOrderSchema>;

const ADDRESS_FIELDS: FieldMap = {
  name: 'name',
  line1: 'address1',
  line2: 'address2',
  city: 'city',
  region: 'province_code',
  postalCode: 'zip',
  country: 'country_code',
  phone: 'phone',
};

export function mapShopifyOrder(payload: unknown): CanonicalOrder {
  const order = parseWith(ShopifyOrderSchema, payload);
  const { currency } = order;
  const money = (amount: string | number, field: string) => toMinorUnits(amount, currency, field);

  if (order.taxes_included) {
    // Tax-inclusive prices would need `tax` left out of the total; the canonical order has no such flag,
    // so the order is refused plainly rather than stored with a tax figure that means something else.
    throw new UnprocessableError('taxes_included orders are not supported: prices must exclude tax', {
      field: 'taxes_included',
    });
  }

  const email = present(order.email) ?? present(order.contact_email) ?? present(order.customer?.email);
  const emailSource = present(order.email)
    ? 'email'
    : present(order.contact_email)
      ? 'contact_email'
      : 'customer.email';
  const phone = present(order.phone) ?? present(order.customer?.phone);
  const phoneSource = present(order.phone) ? 'phone' : 'customer.phone';
  const address = order.shipping_address;

  const candidate = {
    channel: 'shopify',
    externalId: externalIdOf(order),
    orderNumber: present(order.name) ?? (order.order_number == null ? undefined : String(order.order_number)),
    currency,
    customer: {
      email,
      phone,
      name:
        fullName(order.customer?.first_name, order.customer?.last_name) ??
        present(address?.name) ??
        fullName(address?.first_name, address?.last_name),
    },
    shippingAddress: address
      ? {
          name: present(address.name) ?? fullName(address.first_name, address.last_name),
          line1: present(address.address1),
          line2: present(address.address2),
          city: present(address.city),
          region: present(address.province_code),
          postalCode: present(address.zip),
          country: present(address.country_code),
          phone: present(address.phone),
        }
      : undefined,
    lines: order.line_items.map((line, i) => {
      const field = `line_items[${i}]`;
      const allocations = line.discount_allocations ?? [];
      // Allocations carry order-level discounts spread over the line too; total_discount is the older field
      // Shopify does not always fill, kept only for payloads without allocations.
      const discount =
        allocations.length > 0
          ? allocations.reduce(
              (sum, allocation, j) =>
                sum + money(allocation.amount, `${field}.discount_allocations[${j}].amount`),
              0,
            )
          : line.total_discount == null
            ? 0
            : money(line.total_discount, `${field}.total_discount`);
      return {
        sku: line.sku,
        name: present(line.title),
        quantity: line.quantity,
        unitPrice: money(line.price, `${field}.price`),
        discount,
      };
    }),
    shipping: (order.shipping_lines ?? []).reduce(
      (sum, line, i) =>
        sum +
        (line.discounted_price == null
          ? money(line.price, `shipping_lines[${i}].price`)
          : money(line.discounted_price, `shipping_lines[${i}].discounted_price`)),
      0,
    ),
    tax: order.total_tax == null ? 0 : money(order.total_tax, 'total_tax'),
    discount: order.total_discounts == null ? 0 : money(order.total_discounts, 'total_discounts'),
    total: money(order.total_price, 'total_price'),
    placedAt: present(order.created_at),
  };

  const canonical = parseWith(
    CanonicalOrderSchema,
    candidate,
    renameFields({
      externalId: 'id',
      orderNumber: 'name',
      currency: 'currency',
      // The customer's fields come from several places in Shopify's order, so each names its own source.
      customer: ['', { email: emailSource, phone: phoneSource, name: 'customer.first_name' }],
      shippingAddress: ['shipping_address', ADDRESS_FIELDS],
      lines: [
        'line_items',
        {
          sku: 'sku',
          name: 'title',
          quantity: 'quantity',
          unitPrice: 'price',
          discount: 'discount_allocations',
        },
      ],
      shipping: 'shipping_lines',
      tax: 'total_tax',
      discount: 'total_discounts',
      total: 'total_price',
      placedAt: 'created_at',
    }),
  );
  deriveTotals(canonical);
  return canonical;
}

/**
 * Shopify ids exceed 2^53 on some shops; JSON.parse rounds those, so the exact id is taken from
 * `admin_graphql_api_id` (a string) instead of storing a wrong one that would defeat deduplication.
 */
function externalIdOf(order: ShopifyOrder): string {
  if (typeof order.id === 'string' || Number.isSafeInteger(order.id)) return String(order.id);
  const gid = /\/Order\/(\d+)$/.exec(order.admin_graphql_api_id ?? '')?.[1];
  if (gid) return gid;
  throw validationErrorFrom([
    { field: 'id', message: 'larger than 2^53 and no admin_graphql_api_id to read it exactly from' },
  ]);
}

function present(value: string | null | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function fullName(first: string | null | undefined, last: string | null | undefined): string | undefined {
  return present([present(first), present(last)].filter(Boolean).join(' '));
}
