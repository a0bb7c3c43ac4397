import { randomInt } from 'node:crypto';

/** A Shopify `orders/create` payload for the demo: 2 T-shirts and a mug to New York, totals that add up. */
export function shopifySample() {
  const id = 5_000_000_000_000 + randomInt(1_000_000_000);
  return {
    id,
    admin_graphql_api_id: `gid://shopify/Order/${id}`,
    name: `#${1000 + randomInt(9000)}`,
    email: 'ada@example.com',
    currency: 'USD',
    created_at: new Date().toISOString(),
    subtotal_price: '57.50',
    total_discounts: '5.00',
    total_tax: '5.10',
    total_price: '68.59',
    line_items: [
      {
        id: 1,
        sku: 'SKU-TSHIRT-M',
        title: 'T-shirt (M)',
        quantity: 2,
        price: '25.00',
        total_discount: '0.00',
        discount_allocations: [{ amount: '5.00' }],
      },
      {
        id: 2,
        sku: 'SKU-MUG',
        title: 'Mug',
        quantity: 1,
        price: '12.50',
        total_discount: '0.00',
        discount_allocations: [],
      },
    ],
    shipping_lines: [{ title: 'Standard', price: '5.99', discounted_price: '5.99' }],
    shipping_address: {
      first_name: 'Ada',
      last_name: 'Lovelace',
      address1: '1 Main St',
      city: 'New York',
      province_code: 'NY',
      zip: '10001',
      country_code: 'US',
    },
  };
}
