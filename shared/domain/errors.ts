/**
 * Typed domain errors. `name` is what Step Functions matches in Retry/Catch (the Lambda error type), and
 * `statusCode` is what the HTTP layer answers with. Domain code throws these and nothing else.
 */
export abstract class DomainError extends Error {
  abstract readonly statusCode: number;
  abstract readonly code: string;
  constructor(
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export interface FieldIssue {
  field: string;
  message: string;
}

/** The request is malformed: a field is missing, of the wrong type or out of range. */
export class ValidationError extends DomainError {
  readonly statusCode = 400;
  readonly code = 'validation_failed';
  constructor(
    message: string,
    readonly fields: FieldIssue[] = [],
  ) {
    super(message, { fields });
  }
}

/** Well-formed but inconsistent: totals that do not add up, an unknown currency. */
export class UnprocessableError extends DomainError {
  readonly statusCode = 422;
  readonly code = 'unprocessable';
}

export class UnauthorizedError extends DomainError {
  readonly statusCode = 401;
  readonly code = 'unauthorized';
}

/** Authenticated, but the caller's role does not allow the action. */
export class ForbiddenError extends DomainError {
  readonly statusCode = 403;
  readonly code = 'forbidden';
}

export class NotFoundError extends DomainError {
  readonly statusCode = 404;
  readonly code = 'not_found';
}

export class ConflictError extends DomainError {
  readonly statusCode = 409;
  readonly code = 'conflict';
}

export class OutOfStockError extends DomainError {
  readonly statusCode = 409;
  readonly code = 'out_of_stock';
}

export class PaymentDeclinedError extends DomainError {
  readonly statusCode = 402;
  readonly code = 'payment_declined';
}

/**
 * The gateway did not answer in time: the outcome is unknown (money may have moved). The caller retries with
 * the same idempotency key, which answers the first outcome, or voids the authorization by that key.
 */
export class PaymentTimeoutError extends DomainError {
  readonly statusCode = 504;
  readonly code = 'payment_timeout';
}

export class PickShortError extends DomainError {
  readonly statusCode = 409;
  readonly code = 'pick_short';
}

export class UnbalancedEntryError extends DomainError {
  readonly statusCode = 500;
  readonly code = 'unbalanced_entry';
}

/** A dependency failed in a way a retry may fix; Step Functions retries it. */
export class TransientError extends DomainError {
  readonly statusCode = 503;
  readonly code = 'transient';
}
