import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { z } from 'zod';
import { DomainError, ValidationError } from '../domain/errors.js';
import { parseWith } from '../domain/validation.js';
import { logger, metrics, tracer } from '../observability.js';
import { AgentSignInRequiredError, agentAuth } from './agent-auth.js';
import { ApiKeyRequiredError, apiKeyAuth } from './auth.js';

export type ApiEvent = APIGatewayProxyEventV2;
export type ApiResult = APIGatewayProxyStructuredResultV2;

/** Largest body the API accepts; API Gateway's own limit is 10 MB, an order never needs that. */
export const MAX_BODY_BYTES = 256 * 1024;

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

/**
 * A binary response (a PDF, a label): API Gateway's HTTP API decodes a base64 body flagged
 * `isBase64Encoded` and sends the bytes; the local runtime does the same.
 */
export function binary(
  statusCode: number,
  bytes: Uint8Array,
  contentType: string,
  headers: Record<string, string> = {},
): ApiResult {
  return {
    statusCode,
    headers: { 'content-type': contentType, 'content-length': String(bytes.byteLength), ...headers },
    body: Buffer.from(bytes).toString('base64'),
    isBase64Encoded: true,
  };
}

/** The exact bytes the sender signed: API Gateway base64-encodes binary bodies, passes text as is. */
export function rawBody(event: ApiEvent): Buffer {
  const body = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
  if (bytes.length > MAX_BODY_BYTES) {
    throw new ValidationError(`body is larger than ${MAX_BODY_BYTES} bytes`, [
      { field: '(body)', message: 'too large' },
    ]);
  }
  return bytes;
}

export function parseJson(bytes: Buffer): unknown {
  if (bytes.length === 0)
    throw new ValidationError('body is required', [{ field: '(body)', message: 'empty' }]);
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ValidationError('body is not valid JSON', [{ field: '(body)', message: 'malformed JSON' }]);
  }
}

export function jsonBody<T>(event: ApiEvent, schema: z.ZodType<T>): T {
  return parseWith(schema, parseJson(rawBody(event)));
}

export { header } from './headers.js';

/**
 * Maps errors to responses: domain errors carry their status and fields; anything else is a 500 (or a 503
 * when a dependency is unreachable) so senders retry. Internal messages never reach the caller.
 */
export function httpErrors(): MiddlewareObj<ApiEvent, ApiResult> {
  return {
    onError: async (request) => {
      const error = request.error;
      if (error instanceof DomainError) {
        if (error.statusCode >= 500) {
          logger.error('request failed', { error });
        } else {
          // A rejection's message can quote what the caller sent (a path segment, a field value, an unknown
          // key), which may be an email or an address: the log gets the route and the field names only.
          logger.info('request rejected', {
            route: request.event.routeKey,
            code: error.code,
            status: error.statusCode,
            ...(error instanceof ValidationError ? { fields: error.fields.map((f) => f.field) } : {}),
          });
        }
        request.response = json(
          error.statusCode,
          {
            error: {
              code: error.code,
              message: error.message,
              ...(error instanceof ValidationError ? { fields: error.fields } : {}),
              ...(error.details && !(error instanceof ValidationError) ? { details: error.details } : {}),
            },
          },
          error instanceof ApiKeyRequiredError || error instanceof AgentSignInRequiredError
            ? { 'www-authenticate': error.challenge }
            : {},
        );
        return;
      }
      logger.error('unhandled error', { error: error as Error });
      const unavailable = isUnavailable(error);
      request.response = json(unavailable ? 503 : 500, {
        error: {
          code: unavailable ? 'unavailable' : 'internal_error',
          message: unavailable ? 'a dependency is unavailable; retry later' : 'internal error',
        },
      });
    },
  };
}

function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as Error & { code?: string; $metadata?: { httpStatusCode?: number } }).code;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(code ?? '') ||
    error.name === 'TimeoutError' ||
    error.name === 'ProvisionedThroughputExceededException' ||
    error.name === 'ThrottlingException' ||
    (status !== undefined && status >= 500)
  );
}

/**
 * Flushes the metrics a handler recorded. Powertools' logMetrics warns on every invocation that records
 * none, which most do not; this publishes only when there is something to publish.
 */
export function publishMetrics<TEvent, TResult>(): MiddlewareObj<TEvent, TResult> {
  const flush = async () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return { after: flush, onError: flush };
}

export interface ApiHandlerOptions {
  /**
   * How callers authenticate: 'api-key' (the default) requires `Authorization: Bearer <key>`
   * (shared/http/auth.ts); 'signature' is for webhooks, whose handler verifies the channel's HMAC itself.
   */
  auth?: 'api-key' | 'signature' | AgentAccess;
}

/**
 * Agent routes (`/agent/...`, the customer-service console): a signed-in agent with this role
 * (shared/http/agent-auth.ts); 'sign-in' is the one agent route open to anyone, which checks a password.
 */
export type AgentAccess = 'agent' | 'supervisor' | 'sign-in';

/**
 * The middy chain every API function uses: Powertools logger, metrics and tracer, the error mapper, then the
 * API key check. Responses are not captured into traces: they carry customers' names and addresses.
 */
export function apiHandler(
  fn: (event: ApiEvent, context: Context) => Promise<ApiResult>,
  options: ApiHandlerOptions = {},
) {
  const chain = middy<ApiEvent, ApiResult>()
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(publishMetrics())
    .use(httpErrors());
  const auth = options.auth ?? 'api-key';
  if (auth === 'api-key') chain.use(apiKeyAuth());
  if (auth === 'agent' || auth === 'supervisor') chain.use(agentAuth(auth));
  return chain.handler(fn);
}

/** The chain for workflow tasks and jobs: errors propagate (Step Functions matches them by name). */
export function taskHandler<TEvent, TResult>(fn: (event: TEvent, context: Context) => Promise<TResult>) {
  return middy<TEvent, TResult>()
    .use(captureLambdaHandler(tracer))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(publishMetrics())
    .handler(fn);
}
