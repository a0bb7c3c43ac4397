import type { Context } from 'aws-lambda';
import { afterAll, describe, expect, it, vi } from 'vitest';

// The logger reads its level when shared/observability.ts is first imported, so this runs before the imports.
vi.hoisted(() => {
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
});
afterAll(() => {
  vi.unstubAllEnvs();
});

import {
  NotFoundError,
  TransientError,
  UnauthorizedError,
  UnprocessableError,
  ValidationError,
} from '../../../shared/domain/errors.js';
import {
  type ApiEvent,
  type ApiResult,
  apiHandler,
  header,
  json,
  MAX_BODY_BYTES,
  parseJson,
  rawBody,
} from '../../../shared/http/api.js';
import { type Deps, provideDeps } from '../../../shared/runtime/deps.js';

// apiHandler checks API keys by default (tests/unit/auth covers that); with none configured it lets all in.
provideDeps({ secrets: { webhookSecrets: async () => [], apiKeys: async () => [] } } as unknown as Deps);

function apiEvent(overrides: Partial<ApiEvent> = {}): ApiEvent {
  return {
    version: '2.0',
    routeKey: 'POST /orders',
    rawPath: '/orders',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: {
        method: 'POST',
        path: '/orders',
        protocol: 'HTTP/1.1',
        sourceIp: '192.0.2.1',
        userAgent: 'vitest',
      },
      requestId: 'req-1',
      routeKey: 'POST /orders',
      stage: '$default',
      time: '10/Mar/2025:12:00:00 +0000',
      timeEpoch: 1741608000000,
    },
    ...overrides,
  };
}

const context: Context = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'oms-test-function',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:oms-test-function',
  memoryLimitInMB: '256',
  awsRequestId: 'aws-req-1',
  logGroupName: '/aws/lambda/oms-test-function',
  logStreamName: '2025/03/10/[$LATEST]abc',
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

async function invokeThrowing(
  error: unknown,
): Promise<{ statusCode: number | undefined; body: unknown; raw: ApiResult }> {
  const handler = apiHandler(async () => {
    throw error;
  });
  const result = await handler(apiEvent(), context);
  return { statusCode: result.statusCode, body: JSON.parse(result.body ?? 'null'), raw: result };
}

describe('Given an API function wrapped by apiHandler', () => {
  describe('When it returns a response', () => {
    it('passes the response through', async () => {
      const handler = apiHandler(async (event) =>
        json(201, { path: event.rawPath }, { location: '/orders/o-1' }),
      );
      expect(await handler(apiEvent(), context)).toEqual({
        statusCode: 201,
        headers: { 'content-type': 'application/json', location: '/orders/o-1' },
        body: '{"path":"/orders"}',
      });
    });
  });

  describe('When it throws a ValidationError', () => {
    it('answers 400 with code validation_failed and the fields', async () => {
      const { statusCode, body, raw } = await invokeThrowing(
        new ValidationError('lines[0].quantity: too small', [
          { field: 'lines[0].quantity', message: 'too small' },
        ]),
      );
      expect(statusCode).toBe(400);
      expect(raw.headers).toEqual({ 'content-type': 'application/json' });
      expect(body).toEqual({
        error: {
          code: 'validation_failed',
          message: 'lines[0].quantity: too small',
          fields: [{ field: 'lines[0].quantity', message: 'too small' }],
        },
      });
    });
  });

  describe('When it throws an UnauthorizedError', () => {
    it('answers 401', async () => {
      const { statusCode, body } = await invokeThrowing(new UnauthorizedError('signature does not match'));
      expect(statusCode).toBe(401);
      expect(body).toEqual({ error: { code: 'unauthorized', message: 'signature does not match' } });
    });
  });

  describe('When it throws a NotFoundError', () => {
    it('answers 404', async () => {
      const { statusCode, body } = await invokeThrowing(new NotFoundError('order o-9 does not exist'));
      expect(statusCode).toBe(404);
      expect(body).toEqual({ error: { code: 'not_found', message: 'order o-9 does not exist' } });
    });
  });

  describe('When it throws an UnprocessableError with details', () => {
    it('answers 422 with the details', async () => {
      const { statusCode, body } = await invokeThrowing(
        new UnprocessableError('total does not add up', { field: 'total', expected: 6859, stated: 6860 }),
      );
      expect(statusCode).toBe(422);
      expect(body).toEqual({
        error: {
          code: 'unprocessable',
          message: 'total does not add up',
          details: { field: 'total', expected: 6859, stated: 6860 },
        },
      });
    });
  });

  describe('When it throws a TransientError', () => {
    it('answers 503 so the sender retries', async () => {
      const { statusCode, body } = await invokeThrowing(new TransientError('gateway timed out'));
      expect(statusCode).toBe(503);
      expect(body).toEqual({ error: { code: 'transient', message: 'gateway timed out' } });
    });
  });

  describe('When it throws an unknown Error', () => {
    it('answers 500 without leaking the message', async () => {
      const { statusCode, body, raw } = await invokeThrowing(
        new Error('secret table name oms-prod-1 and stack trace'),
      );
      expect(statusCode).toBe(500);
      expect(body).toEqual({ error: { code: 'internal_error', message: 'internal error' } });
      expect(raw.body).not.toContain('oms-prod-1');
    });

    it('answers 500 for a thrown non-Error value too', async () => {
      const { statusCode } = await invokeThrowing('just a string');
      expect(statusCode).toBe(500);
    });
  });

  describe('When a dependency is unreachable', () => {
    it.each([
      [
        'a connection refusal',
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' }),
      ],
      ['a reset connection', Object.assign(new Error('x'), { code: 'ECONNRESET' })],
      ['a timeout', Object.assign(new Error('x'), { name: 'TimeoutError' })],
      [
        'DynamoDB throttling',
        Object.assign(new Error('x'), { name: 'ProvisionedThroughputExceededException' }),
      ],
      ['an AWS 503', Object.assign(new Error('x'), { $metadata: { httpStatusCode: 503 } })],
    ])('answers 503 for %s, without its message', async (_case, error) => {
      const { statusCode, body } = await invokeThrowing(error);
      expect(statusCode).toBe(503);
      expect(body).toEqual({
        error: { code: 'unavailable', message: 'a dependency is unavailable; retry later' },
      });
    });

    it('keeps an AWS 4xx error a 500', async () => {
      const { statusCode } = await invokeThrowing(
        Object.assign(new Error('x'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } }),
      );
      expect(statusCode).toBe(500);
    });
  });
});

describe('Given a request body', () => {
  describe('When it is base64-encoded by API Gateway', () => {
    it('decodes it to the bytes that were sent', () => {
      const sent = Buffer.from([0x7b, 0x22, 0xc3, 0xa9, 0x22, 0x3a, 0x31, 0x7d]);
      const bytes = rawBody(apiEvent({ body: sent.toString('base64'), isBase64Encoded: true }));
      expect(bytes.equals(sent)).toBe(true);
      expect(bytes.toString('utf8')).toBe('{"é":1}');
    });
  });

  describe('When it is plain text', () => {
    it('keeps it as UTF-8 bytes', () => {
      expect(rawBody(apiEvent({ body: '{"é":1}' })).toString('hex')).toBe('7b22c3a9223a317d');
    });
  });

  describe('When there is none', () => {
    it('returns no bytes', () => {
      expect(rawBody(apiEvent({ body: undefined })).length).toBe(0);
    });
  });

  describe('When it is larger than MAX_BODY_BYTES', () => {
    it('accepts exactly the limit', () => {
      expect(rawBody(apiEvent({ body: 'a'.repeat(MAX_BODY_BYTES) })).length).toBe(MAX_BODY_BYTES);
    });

    it('refuses one byte more with a ValidationError on (body)', () => {
      const error = thrown(() => rawBody(apiEvent({ body: 'a'.repeat(MAX_BODY_BYTES + 1) })));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).fields).toEqual([{ field: '(body)', message: 'too large' }]);
    });

    it('measures decoded bytes, not base64 characters', () => {
      const encoded = Buffer.alloc(MAX_BODY_BYTES + 1).toString('base64');
      expect(() => rawBody(apiEvent({ body: encoded, isBase64Encoded: true }))).toThrow(ValidationError);
    });

    it('counts multi-byte characters as their UTF-8 bytes', () => {
      const body = 'é'.repeat(MAX_BODY_BYTES / 2 + 1);
      expect(() => rawBody(apiEvent({ body }))).toThrow(ValidationError);
    });
  });

  describe('When it is parsed as JSON', () => {
    it('returns the value', () => {
      expect(parseJson(Buffer.from('{"a":[1,"b"]}'))).toEqual({ a: [1, 'b'] });
    });

    it('refuses malformed JSON with a ValidationError on (body)', () => {
      const error = thrown(() => parseJson(Buffer.from('{"a":')));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).message).toBe('body is not valid JSON');
      expect((error as ValidationError).fields).toEqual([{ field: '(body)', message: 'malformed JSON' }]);
    });

    it('refuses an empty body as required', () => {
      const error = thrown(() => parseJson(Buffer.alloc(0)));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).fields).toEqual([{ field: '(body)', message: 'empty' }]);
    });
  });
});

describe('Given request headers', () => {
  const event = apiEvent({ headers: { 'X-Shopify-Hmac-Sha256': 'sig', 'content-type': 'application/json' } });

  describe('When one is looked up', () => {
    it('ignores case in the name', () => {
      expect(header(event, 'x-shopify-hmac-sha256')).toBe('sig');
      expect(header(event, 'X-SHOPIFY-HMAC-SHA256')).toBe('sig');
      expect(header(event, 'Content-Type')).toBe('application/json');
    });

    it('returns undefined for a missing header', () => {
      expect(header(event, 'webhook-id')).toBeUndefined();
      expect(header(apiEvent({ headers: {} }), 'content-type')).toBeUndefined();
    });
  });
});
