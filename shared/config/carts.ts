/**
 * Carts and abandonment, declared once (docs/carts-and-marketing.md). The quiet period can be overridden per
 * deployment with the environment variable below (minutes), and per run by the detector's input.
 */
export const cartSettings = {
  /** A cart with no activity for this long is abandoned. */
  quietPeriodMinutes: 10 * 60,
  quietPeriodEnv: 'OMS_CART_QUIET_PERIOD_MINUTES',
  /**
   * The open-cart index is spread over this many gsi2 partitions (`CARTS#ACTIVE#<n>`, n = hash of the cart
   * id): every cart event moves its cart's index entry, and one partition takes about 1 000 writes/s.
   */
  activeShards: 4,
  /** Storefront event ids kept on the cart to answer a repeated delivery as a duplicate. */
  recentEventIds: 20,
  /** Distinct SKUs a cart may hold (removed lines included), so a cart stays one small item. */
  maxLines: 100,
  /** Shipping options kept from the last time they were shown. */
  maxShippingOptions: 20,
  /** The cheapest shipping option shown above this share of the cart's subtotal reads as `shipping-cost`. */
  shippingCostPercent: 20,
  /** Carts the detector abandons per run at most; the next run (15 minutes later) goes on. */
  maxAbandonedPerRun: 1000,
  /** How far ahead of the server's clock a storefront's `occurredAt` may be (clock skew). */
  maxClockSkewSeconds: 300,
} as const;
