/**
 * A card/wallet gateway. Every call carries an idempotency key: calling again with the same key returns
 * the first result and never moves money twice.
 */
export interface PaymentGateway {
  authorize(request: {
    idempotencyKey: string;
    amount: number;
    currency: string;
    customerEmail: string;
  }): Promise<{ approved: true; authorizationId: string } | { approved: false; reason: string }>;
  capture(request: {
    idempotencyKey: string;
    authorizationId: string;
    amount: number;
    currency: string;
  }): Promise<{ captureId: string }>;
  void(request: { idempotencyKey: string; authorizationId: string }): Promise<{ voidId: string }>;
  refund(request: {
    idempotencyKey: string;
    captureId: string;
    amount: number;
    currency: string;
  }): Promise<{ refundId: string }>;
}
