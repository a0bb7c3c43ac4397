/**
 * A card/wallet gateway (docs/payments.md maps it onto Stripe, Adyen and Braintree). Every call carries an
 * idempotency key: calling again with the same key returns the first result and never moves money twice;
 * the same key with a different request (another amount) is refused with a ConflictError.
 *
 * Errors an adapter throws (shared/domain/errors.ts):
 * - `PaymentDeclinedError`: the issuer or the gateway refused a capture or a refund (an authorization's
 *   decline is an answer, `{ approved: false }`, not an error);
 * - `PaymentTimeoutError`: no answer in time, so the outcome is unknown. The caller retries with the same
 *   key (which answers the first outcome) or voids by the authorization's key; it never tries a new key;
 * - `ConflictError`: the request breaks the payment's state: a capture beyond the authorized amount or after
 *   the final capture or a void, a void after a capture, a refund beyond what the capture took, a key reused
 *   for another request.
 */
export interface PaymentGateway {
  authorize(request: {
    idempotencyKey: string;
    amount: number;
    currency: string;
    customerEmail: string;
    /** The merchant's reference (the order id): what settlement reports and technical cancels name. */
    reference?: string;
  }): Promise<{ approved: true; authorizationId: string } | { approved: false; reason: string }>;
  /**
   * Captures part or all of an authorization. Several captures (one per shipment) may draw on one
   * authorization up to its amount; `final: true` closes it, releasing what was not captured.
   */
  capture(request: {
    idempotencyKey: string;
    authorizationId: string;
    amount: number;
    currency: string;
    final?: boolean;
  }): Promise<{ captureId: string }>;
  /**
   * Releases an authorization nothing was captured from. Named by its id, or, when the authorization's
   * answer was lost (a timeout), by the idempotency key it was requested with: a "technical cancel".
   * `voidId` is absent when no authorization exists under that key (nothing to undo).
   */
  void(
    request:
      | { idempotencyKey: string; authorizationId: string }
      | { idempotencyKey: string; authorizationKey: string },
  ): Promise<{ voidId?: string }>;
  /** Returns captured money; the refunds of one capture never exceed what it took. */
  refund(request: {
    idempotencyKey: string;
    captureId: string;
    amount: number;
    currency: string;
  }): Promise<{ refundId: string }>;
  /**
   * The gateway's settlement list of a period, when the gateway offers one (reconciliation reads it):
   * captures and refunds, with the merchant reference of their authorization.
   */
  listTransactions?(period: { from: string; to: string }): Promise<GatewayTransaction[]>;
}

export interface GatewayTransaction {
  type: 'capture' | 'refund';
  id: string;
  /** The capture a refund returned money from. */
  captureId?: string;
  authorizationId: string;
  reference?: string;
  amount: number;
  currency: string;
  at: string;
}
