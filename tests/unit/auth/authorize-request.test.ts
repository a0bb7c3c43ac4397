import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import type { APIGatewayRequestAuthorizerEventV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';

// The Lambda wiring needs a table name, and the logger reads its level when first imported.
vi.hoisted(() => {
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  vi.stubEnv('OMS_TABLE_NAME', 'oms-test');
});
afterAll(() => {
  vi.unstubAllEnvs();
});

const ssm = mockClient(SSMClient);

const context = {
  functionName: 'authorize-request',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 5000,
} as unknown as Context;

function authorizerEvent(authorization: string | undefined): APIGatewayRequestAuthorizerEventV2 {
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: 'arn:aws:execute-api:eu-west-1:123456789012:api/$default/GET/orders',
    identitySource: authorization === undefined ? [] : [authorization],
    routeKey: 'GET /orders',
    rawPath: '/orders',
    rawQueryString: '',
    headers: authorization === undefined ? {} : { authorization },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: {
        method: 'GET',
        path: '/orders',
        protocol: 'HTTP/1.1',
        sourceIp: '192.0.2.1',
        userAgent: 'test',
      },
      requestId: 'r-1',
      routeKey: 'GET /orders',
      stage: '$default',
      time: '10/Mar/2025:12:00:00 +0000',
      timeEpoch: 1741608000000,
    },
  } as APIGatewayRequestAuthorizerEventV2;
}

/** A fresh module per test: the store caches keys per container, and each test is a new container. */
async function authorize(authorization: string | undefined) {
  const { handler } = await import('../../../functions/auth/authorize-request/handler.js');
  return handler(authorizerEvent(authorization), context);
}

const keysParameter = (value: string) => ({
  Parameter: { Name: '/oms/api-keys', Value: value, Type: 'SecureString' as const },
});

beforeEach(() => {
  ssm.reset();
  vi.resetModules();
});

describe('Given two API keys in SSM (a rotation in progress)', () => {
  beforeEach(() => {
    ssm.on(GetParameterCommand, { Name: '/oms/api-keys' }).resolves(keysParameter('key-new, key-old'));
  });

  describe('When a request carries either key as a bearer', () => {
    it.each(['Bearer key-new', 'Bearer key-old', 'bearer key-new', 'Bearer key-old  '])(
      'authorizes %j with the context the handlers trust',
      async (authorization) => {
        expect(await authorize(authorization)).toEqual({
          isAuthorized: true,
          context: { scheme: 'api-key' },
        });
      },
    );

    it('reads the SecureString /oms/api-keys decrypted, once per container', async () => {
      const { handler } = await import('../../../functions/auth/authorize-request/handler.js');
      await handler(authorizerEvent('Bearer key-new'), context);
      await handler(authorizerEvent('Bearer key-old'), context);
      expect(ssm.commandCalls(GetParameterCommand).map((call) => call.args[0].input)).toEqual([
        { Name: '/oms/api-keys', WithDecryption: true },
      ]);
    });
  });

  describe('When a request carries anything else', () => {
    it.each([
      ['a wrong key', 'Bearer key-wrong'],
      ['a prefix of a key', 'Bearer key-ne'],
      ['a key with more after it', 'Bearer key-newer'],
      ['the key without the Bearer scheme', 'key-new'],
      ['another scheme', 'Basic key-new'],
      ['two keys at once', 'Bearer key-new key-old'],
      ['an empty bearer', 'Bearer '],
      ['no Authorization header', undefined],
    ])('denies %s', async (_case, authorization) => {
      expect((await authorize(authorization)).isAuthorized).toBe(false);
    });
  });
});

describe('Given no API key parameter in SSM', () => {
  describe('When a request arrives with any bearer', () => {
    it('denies it: a deployed API is never open', async () => {
      ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
      expect((await authorize('Bearer anything')).isAuthorized).toBe(false);
    });
  });
});

describe('Given an empty API key parameter', () => {
  describe('When a request arrives with an empty-looking bearer', () => {
    it('denies it', async () => {
      ssm.on(GetParameterCommand).resolves(keysParameter(' , '));
      expect((await authorize('Bearer ,')).isAuthorized).toBe(false);
    });
  });
});

describe('Given SSM fails', () => {
  describe('When a request arrives', () => {
    it('fails the invocation (API Gateway answers 500) rather than authorizing', async () => {
      ssm.on(GetParameterCommand).rejects(new Error('AccessDeniedException'));
      await expect(authorize('Bearer key-new')).rejects.toThrow('AccessDeniedException');
    });
  });
});
