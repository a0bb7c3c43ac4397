/** Coupons, declared once (docs/coupons.md). */
export const couponSettings = {
  /**
   * Attempts of an order's redemption transaction when another transaction holds the same coupon at the
   * same moment (`TransactionConflict`); after that the request is answered 503 and the checkout retries.
   */
  redemptionAttempts: 8,
  /**
   * The coupon an abandoned cart is won back with (`CartRecoveryRequested`): single use, for the cart's
   * customer only once, not combinable, in the cart's currency when it had one.
   */
  cartRecovery: {
    /** 10 % off every line. */
    basisPoints: 1_000,
    /** Valid this many days from the moment marketing asks for the recovery. */
    validDays: 14,
  },
} as const;
