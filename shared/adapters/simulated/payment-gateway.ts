import { createHash } from 'node:crypto';
import { TransientError } from '../../domain/errors.js';
import type { PaymentGateway } from '../../ports/payment-gateway.js';

const idFor = (prefix: string, key: string) =>
  `${prefix}_${createHash('sha256').update(key).digest('hex').slice(0, 20)}`;

/**
 * A gateway simulator for local runs and demos. Ids are derived from the idempotency key, so a repeated
 * call returns the same result without any state, exactly what a real gateway's idempotency promises.
 * Outcomes on demand through the customer email: `+decline@` declines, `+timeout@` times out.
 */
export class SimulatedPaymentGateway implements PaymentGateway {
  async authorize(request: Parameters<PaymentGateway['authorize']>[0]) {
    if (request.customerEmail.includes('+timeout@'))
      throw new TransientError('gateway timed out (simulated)');
    if (request.customerEmail.includes('+decline@')) {
      return { approved: false as const, reason: 'card declined (simulated)' };
    }
    return { approved: true as const, authorizationId: idFor('auth', request.idempotencyKey) };
  }

  async capture(request: Parameters<PaymentGateway['capture']>[0]) {
    return { captureId: idFor('cap', request.idempotencyKey) };
  }

  async void(request: Parameters<PaymentGateway['void']>[0]) {
    return { voidId: idFor('void', request.idempotencyKey) };
  }

  async refund(request: Parameters<PaymentGateway['refund']>[0]) {
    return { refundId: idFor('ref', request.idempotencyKey) };
  }
}
