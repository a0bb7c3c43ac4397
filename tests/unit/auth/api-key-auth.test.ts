import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
});
afterAll(() => {
  vi.unstubAllEnvs();
});

import { type ApiEvent, apiHandler, json } from '../../../shared/http/api.js';
import { bearerToken, isValidKey } from '../../../shared/http/auth.js';
import { logger } from '../../../shared/observability.js';
import { type Deps, provideDeps } from '../../../shared/runtime/deps.js';

const context = {
  functionName: 'get-order',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

function apiEvent(headers: Record<string, string> = {}, authorizer?: unknown): ApiEvent {
  return {
    version: '2.0',
    routeKey: 'GET /orders',
    rawPath: '/orders',
    rawQueryString: '',
    headers,
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method: 'GET', path: '/orders', protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 't' },
      requestId: 'r-1',
      routeKey: 'GET /orders',
      stage: '$default',
      time: '10/Mar/2025:12:00:00 +0000',
      timeEpoch: 1741608000000,
      ...(authorizer ? { authorizer } : {}),
    },
  } as ApiEvent;
}

const apiKeys = vi.fn<() => Promise<string[]>>();
beforeEach(() => {
  apiKeys.mockReset();
  provideDeps({ secrets: { webhookSecrets: async () => [], apiKeys } } as unknown as Deps);
});
afterEach(() => {
  vi.restoreAllMocks();
});

const ok = async () => json(200, { ok: true });

describe('Given API keys are configured', () => {
  beforeEach(() => {
    apiKeys.mockResolvedValue(['key-one', 'key-two']);
  });

  describe('When a request to an API-key route has no valid bearer', () => {
    it.each([
      ['no Authorization header', {}],
      ['a wrong key', { authorization: 'Bearer key-three' }],
      ['a key without the scheme', { authorization: 'key-one' }],
      ['a prefix of a key', { authorization: 'Bearer key-on' }],
    ])('answers 401 with a Bearer challenge for %s, without running the handler', async (_case, headers) => {
      const handler = vi.fn(ok);
      const result = await apiHandler(handler)(apiEvent(headers), context);
      expect(result.statusCode).toBe(401);
      expect(result.headers).toMatchObject({ 'www-authenticate': 'Bearer' });
      expect(JSON.parse(result.body ?? '')).toEqual({
        error: { code: 'unauthorized', message: expect.stringContaining('API key') },
      });
      expect(handler).not.toHaveBeenCalled();
    });
  });

  describe('When it carries either key', () => {
    it.each(['Bearer key-one', 'Bearer key-two', 'bearer key-two'])(
      'runs the handler for %j',
      async (bearer) => {
        const result = await apiHandler(ok)(apiEvent({ Authorization: bearer }), context);
        expect(result.statusCode).toBe(200);
      },
    );
  });

  describe('When the route is a webhook (signature auth)', () => {
    it('does not ask for a bearer: the handler verifies the signature', async () => {
      const result = await apiHandler(ok, { auth: 'signature' })(apiEvent(), context);
      expect(result.statusCode).toBe(200);
      expect(apiKeys).not.toHaveBeenCalled();
    });
  });

  describe('When API Gateway has already run the API key authorizer', () => {
    it('trusts its verdict without reading the keys again', async () => {
      const event = apiEvent({}, { lambda: { scheme: 'api-key' } });
      expect((await apiHandler(ok)(event, context)).statusCode).toBe(200);
      expect(apiKeys).not.toHaveBeenCalled();
    });

    it('does not trust some other authorizer context', async () => {
      const event = apiEvent({}, { lambda: { scheme: 'other' } });
      expect((await apiHandler(ok)(event, context)).statusCode).toBe(401);
    });
  });
});

describe('Given no API keys are configured (the local demo)', () => {
  describe('When requests arrive without a bearer', () => {
    it('lets them in and warns once that the API is open', async () => {
      apiKeys.mockResolvedValue([]);
      const warn = vi.spyOn(logger, 'warn');
      const handler = apiHandler(ok);
      expect((await handler(apiEvent(), context)).statusCode).toBe(200);
      expect((await handler(apiEvent(), context)).statusCode).toBe(200);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0]?.[0]).toMatch(/no API keys/);
    });
  });
});

describe('Given an Authorization header', () => {
  describe('When its bearer token is read', () => {
    it.each([
      ['Bearer abc', 'abc'],
      ['BEARER abc', 'abc'],
      ['Bearer   abc  ', 'abc'],
      ['Bearer a b', undefined],
      ['Basic abc', undefined],
      ['Bearer', undefined],
      ['abc', undefined],
      [undefined, undefined],
    ])('reads %j as %j', (header, token) => {
      expect(bearerToken(header)).toBe(token);
    });
  });

  describe('When a token is compared with the keys', () => {
    it('matches any key exactly and nothing else', () => {
      expect(isValidKey('k2', ['k1', 'k2'])).toBe(true);
      expect(isValidKey('k', ['k1', 'k2'])).toBe(false);
      expect(isValidKey('k22', ['k1', 'k2'])).toBe(false);
      expect(isValidKey('', ['', 'k1'])).toBe(false);
      expect(isValidKey(undefined, ['k1'])).toBe(false);
      expect(isValidKey('k1', [])).toBe(false);
    });
  });
});
