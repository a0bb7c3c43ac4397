import type { AgentRole } from '../domain/agents.js';

/**
 * What an agent may give a customer to make up for a problem (docs/customer-service.md#appeasements), per
 * role, declared once. Caps are decimal amounts in the order currency's major unit ("25.00" is 25.00 USD,
 * 25 JPY, 25.000 KWD), converted to minor units with the currency's ISO 4217 exponent; percentages are
 * whole percents. An agent with several roles gets the most generous one's limits.
 */
export interface AppeasementLimits {
  refund: {
    /** At most this share of what the order has captured. */
    percentOfCaptured: number;
    /** And at most this much. */
    max: string;
  };
  coupon: {
    /** A percentage coupon (off a future order): at most this many percent. */
    percentOff: number;
    /** A fixed-amount coupon: at most this much. */
    max: string;
  };
  /**
   * All appeasements of one order together (refunds, fixed coupons, and percentage coupons valued at their
   * percent of this order's total): at most this much, whoever gave the earlier ones.
   */
  orderMax: string;
}

export const appeasementLimits: Record<AgentRole, AppeasementLimits> = {
  agent: {
    refund: { percentOfCaptured: 20, max: '25.00' },
    coupon: { percentOff: 15, max: '25.00' },
    orderMax: '40.00',
  },
  supervisor: {
    refund: { percentOfCaptured: 100, max: '500.00' },
    coupon: { percentOff: 50, max: '200.00' },
    orderMax: '1000.00',
  },
};

/** The coupon an appeasement issues: single use, for one customer once, not combinable, valid this long. */
export const appeasementCoupon = {
  validDays: 90,
  /** Codes are `GW-` and 12 hex digits of the action id, so a retried request gives the same code. */
  prefix: 'GW-',
} as const;
