import { createHash } from 'node:crypto';
import { ConflictError, PaymentDeclinedError, PaymentTimeoutError } from '../../domain/errors.js';
import type { GatewayTransaction, PaymentGateway } from '../../ports/payment-gateway.js';

const idFor = (prefix: string, key: string) =>
  `${prefix}_${createHash('sha256').update(key).digest('hex').slice(0, 20)}`;

/**
 * Outcomes on demand, chosen by the customer email's local part or its `+tag` (as Stripe's test cards choose
 * them by card number): `decline@…` or `ada+decline@…` and so on. docs/payments.md lists them.
 */
export const SIMULATED_OUTCOMES = {
  /** The authorization is declined ("card declined (simulated)"). */
  decline: 'decline',
  /** The gateway approves the authorization but every answer is lost: a PaymentTimeoutError each time. */
  timeout: 'timeout',
  /** The first answer per key is lost (after approving); a retry with the same key answers it. */
  timeoutOnce: 'timeout-once',
  /** Authorizations are approved; every capture on them is declined. */
  captureDecline: 'capture-decline',
  /** The first answer of each capture is lost (after capturing); a retry with the same key answers it. */
  captureTimeoutOnce: 'capture-timeout-once',
  /** Captures go through; every refund of them is declined. */
  refundDecline: 'refund-decline',
} as const;

function outcomeOf(email: string): string | undefined {
  const local = (email.split('@')[0] ?? '').toLowerCase();
  const tag = local.includes('+') ? local.slice(local.lastIndexOf('+') + 1) : local;
  return Object.values(SIMULATED_OUTCOMES).find((outcome) => outcome === tag);
}

interface Authorization {
  id: string;
  key: string;
  /** Undefined when the authorization was made by another process (its limit is unknown here). */
  amount?: number;
  currency: string;
  reference?: string;
  outcome?: string;
  approved: boolean;
  reason?: string;
  captured: number;
  status: 'authorized' | 'closed' | 'voided' | 'declined';
  voidId?: string;
}

interface Capture {
  id: string;
  authorizationId: string;
  amount: number;
  currency: string;
  refunded: number;
  /** Undefined when the capture was made by another process (what it took is unknown here). */
  known: boolean;
}

/**
 * A gateway simulator for local runs, tests and demos. Ids are derived from the idempotency key, so a
 * repeated call returns the same id even from another process; the state (what each authorization may still
 * capture, what each capture may still refund) lives in this instance. On AWS every Lambda instance holds
 * its own simulator: an id this instance never saw is accepted and tracked from then on, so the limits hold
 * for what one instance saw (a real adapter holds them at the gateway).
 */
export class SimulatedPaymentGateway implements PaymentGateway {
  private readonly requests = new Map<string, string>();
  private readonly authorizations = new Map<string, Authorization>();
  private readonly authorizationsByKey = new Map<string, Authorization>();
  private readonly captures = new Map<string, Capture>();
  private readonly lostAnswers = new Set<string>();
  private readonly transactions: GatewayTransaction[] = [];

  constructor(private readonly now: () => Date = () => new Date()) {}

  private readonly calls = new Map<string, number>();

  /** How many requests carried this idempotency key (retries included), for tests and demos. */
  callsFor(key: string): number {
    return this.calls.get(key) ?? 0;
  }

  /** Same key, same request; the same key with another request is refused, as real gateways do. */
  private remember(key: string, fingerprint: string): boolean {
    this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
    const seen = this.requests.get(key);
    if (seen !== undefined && seen !== fingerprint) {
      throw new ConflictError(`idempotency key ${key} was used for another request (${seen})`);
    }
    this.requests.set(key, fingerprint);
    return seen !== undefined;
  }

  /** The first answer of a "once" outcome is lost after the gateway acted. */
  private loseOnce(key: string): void {
    if (this.lostAnswers.has(key)) return;
    this.lostAnswers.add(key);
    throw new PaymentTimeoutError(`gateway timed out (simulated) for ${key}`);
  }

  async authorize(request: Parameters<PaymentGateway['authorize']>[0]) {
    this.remember(
      request.idempotencyKey,
      `authorize ${request.amount} ${request.currency} ${request.customerEmail.toLowerCase()}`,
    );
    let auth = this.authorizationsByKey.get(request.idempotencyKey);
    if (!auth) {
      const outcome = outcomeOf(request.customerEmail);
      const declined = outcome === SIMULATED_OUTCOMES.decline;
      auth = {
        id: idFor('auth', request.idempotencyKey),
        key: request.idempotencyKey,
        amount: request.amount,
        currency: request.currency,
        ...(request.reference ? { reference: request.reference } : {}),
        ...(outcome ? { outcome } : {}),
        approved: !declined,
        ...(declined ? { reason: 'card declined (simulated)' } : {}),
        captured: 0,
        status: declined ? 'declined' : 'authorized',
      };
      this.authorizationsByKey.set(auth.key, auth);
      this.authorizations.set(auth.id, auth);
    }
    if (auth.outcome === SIMULATED_OUTCOMES.timeout) {
      throw new PaymentTimeoutError(`gateway timed out (simulated) for ${request.idempotencyKey}`);
    }
    if (auth.outcome === SIMULATED_OUTCOMES.timeoutOnce) this.loseOnce(request.idempotencyKey);
    if (!auth.approved) return { approved: false as const, reason: auth.reason ?? 'declined' };
    return { approved: true as const, authorizationId: auth.id };
  }

  private authorization(authorizationId: string, currency: string): Authorization {
    let auth = this.authorizations.get(authorizationId);
    if (!auth) {
      // Made by another process: accepted, its limit unknown here.
      auth = { id: authorizationId, key: '', currency, approved: true, captured: 0, status: 'authorized' };
      this.authorizations.set(authorizationId, auth);
    }
    return auth;
  }

  async capture(request: Parameters<PaymentGateway['capture']>[0]) {
    // Zero is allowed: a final capture of nothing closes the authorization and moves no money.
    if (!Number.isSafeInteger(request.amount) || request.amount < 0) {
      throw new ConflictError(
        `capture amount must be a non-negative integer (minor units), not ${request.amount}`,
      );
    }
    const repeated = this.remember(
      request.idempotencyKey,
      `capture ${request.authorizationId} ${request.amount} ${request.currency} ${request.final === true}`,
    );
    const id = idFor('cap', request.idempotencyKey);
    const auth = this.authorization(request.authorizationId, request.currency);
    if (!repeated) {
      if (auth.outcome === SIMULATED_OUTCOMES.captureDecline) {
        this.requests.delete(request.idempotencyKey);
        throw new PaymentDeclinedError(`capture on ${auth.id} was declined (simulated)`);
      }
      if (auth.status !== 'authorized') {
        this.requests.delete(request.idempotencyKey);
        throw new ConflictError(`authorization ${auth.id} is ${auth.status}; nothing more can be captured`);
      }
      if (request.currency !== auth.currency) {
        this.requests.delete(request.idempotencyKey);
        throw new ConflictError(`capture in ${request.currency} of an authorization in ${auth.currency}`);
      }
      if (auth.amount !== undefined && auth.captured + request.amount > auth.amount) {
        this.requests.delete(request.idempotencyKey);
        throw new ConflictError(
          `capture of ${request.amount} exceeds what authorization ${auth.id} has left (${auth.amount - auth.captured})`,
        );
      }
      auth.captured += request.amount;
      if (request.final) auth.status = 'closed';
      this.captures.set(id, {
        id,
        authorizationId: auth.id,
        amount: request.amount,
        currency: request.currency,
        refunded: 0,
        known: true,
      });
      if (request.amount > 0)
        this.transactions.push({
          type: 'capture',
          id,
          authorizationId: auth.id,
          ...(auth.reference ? { reference: auth.reference } : {}),
          amount: request.amount,
          currency: request.currency,
          at: this.now().toISOString(),
        });
    }
    if (auth.outcome === SIMULATED_OUTCOMES.captureTimeoutOnce) this.loseOnce(request.idempotencyKey);
    return { captureId: id };
  }

  async void(request: Parameters<PaymentGateway['void']>[0]) {
    const byKey = 'authorizationKey' in request;
    const target = byKey ? request.authorizationKey : request.authorizationId;
    this.remember(request.idempotencyKey, `void ${byKey ? 'key' : 'id'} ${target}`);
    const auth = byKey
      ? this.authorizationsByKey.get(request.authorizationKey)
      : this.authorization(request.authorizationId, '');
    if (!auth) {
      // Never seen here: it may exist in another process; voiding what does not exist changes nothing.
      return byKey ? { voidId: idFor('void', request.idempotencyKey) } : {};
    }
    if (auth.status === 'declined') return {};
    if (auth.status === 'voided') return { voidId: auth.voidId ?? idFor('void', request.idempotencyKey) };
    if (auth.captured > 0) {
      this.requests.delete(request.idempotencyKey);
      throw new ConflictError(`authorization ${auth.id} was captured; refund instead of void`);
    }
    auth.status = 'voided';
    auth.voidId = idFor('void', request.idempotencyKey);
    return { voidId: auth.voidId };
  }

  async refund(request: Parameters<PaymentGateway['refund']>[0]) {
    if (!Number.isSafeInteger(request.amount) || request.amount <= 0) {
      throw new ConflictError(
        `refund amount must be a positive integer (minor units), not ${request.amount}`,
      );
    }
    const repeated = this.remember(
      request.idempotencyKey,
      `refund ${request.captureId} ${request.amount} ${request.currency}`,
    );
    const id = idFor('ref', request.idempotencyKey);
    if (!repeated) {
      let capture = this.captures.get(request.captureId);
      if (!capture) {
        capture = {
          id: request.captureId,
          authorizationId: '',
          amount: 0,
          currency: request.currency,
          refunded: 0,
          known: false,
        };
        this.captures.set(capture.id, capture);
      }
      if (capture.known && capture.refunded + request.amount > capture.amount) {
        this.requests.delete(request.idempotencyKey);
        throw new ConflictError(
          `refund of ${request.amount} exceeds what capture ${capture.id} has left (${capture.amount - capture.refunded})`,
        );
      }
      const auth = this.authorizations.get(capture.authorizationId);
      if (auth?.outcome === SIMULATED_OUTCOMES.refundDecline) {
        this.requests.delete(request.idempotencyKey);
        throw new PaymentDeclinedError(`refund of ${capture.id} was declined (simulated)`);
      }
      capture.refunded += request.amount;
      this.transactions.push({
        type: 'refund',
        id,
        captureId: capture.id,
        authorizationId: capture.authorizationId,
        ...(auth?.reference ? { reference: auth.reference } : {}),
        amount: request.amount,
        currency: request.currency,
        at: this.now().toISOString(),
      });
    }
    return { refundId: id };
  }

  /** Captures and refunds this instance made in [from, to), oldest first: the settlement list. */
  async listTransactions(period: { from: string; to: string }): Promise<GatewayTransaction[]> {
    return this.transactions.filter((row) => row.at >= period.from && row.at < period.to);
  }

  /** What an authorization has captured and its status, for tests and demos (undefined if never seen). */
  inspect(authorizationId: string) {
    const auth = this.authorizations.get(authorizationId);
    return auth ? { status: auth.status, amount: auth.amount, captured: auth.captured } : undefined;
  }

  /** The authorization made under an idempotency key, if this instance saw it. */
  inspectByKey(authorizationKey: string) {
    const auth = this.authorizationsByKey.get(authorizationKey);
    return auth
      ? { id: auth.id, status: auth.status, amount: auth.amount, captured: auth.captured }
      : undefined;
  }
}
