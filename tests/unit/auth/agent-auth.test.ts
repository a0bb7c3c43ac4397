import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
});
afterAll(() => {
  vi.unstubAllEnvs();
});

import { LocalAgentDirectory } from '../../../local/adapters/local-agent-directory.js';
import { type Agent, requireRole, rolesFromClaim } from '../../../shared/domain/agents.js';
import { ForbiddenError } from '../../../shared/domain/errors.js';
import { agentOf } from '../../../shared/http/agent-auth.js';
import { type ApiEvent, apiHandler, json } from '../../../shared/http/api.js';
import { type Deps, provideDeps } from '../../../shared/runtime/deps.js';

const context = {
  functionName: 'agent-route',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

function apiEvent(routeKey: string, headers: Record<string, string> = {}, authorizer?: unknown): ApiEvent {
  const [method, path] = routeKey.split(' ') as [string, string];
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers,
    isBase64Encoded: false,
    requestContext: {
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 't' },
      requestId: 'r-1',
      routeKey,
      stage: '$default',
      ...(authorizer ? { authorizer } : {}),
    },
  } as unknown as ApiEvent;
}

const newDirectory = (clock?: () => Date) =>
  new LocalAgentDirectory(join(mkdtempSync(join(tmpdir(), 'oms-agents-test-')), 'agents.json'), clock);

const whoAmI = apiHandler(async (event) => json(200, agentOf(event)), { auth: 'agent' });
const supervisorsOnly = apiHandler(async (event) => json(200, agentOf(event)), { auth: 'supervisor' });
const body = (result: unknown) => JSON.parse((result as { body: string }).body);

describe('Given the roles of a token', () => {
  it('reads them from a JWT array and from the string API Gateway passes, ignoring other groups', () => {
    expect(rolesFromClaim(['supervisor', 'agent', 'admins'])).toEqual(['agent', 'supervisor']);
    expect(rolesFromClaim('[agent supervisor]')).toEqual(['agent', 'supervisor']);
    expect(rolesFromClaim('[agent]')).toEqual(['agent']);
    expect(rolesFromClaim(undefined)).toEqual([]);
  });

  it('lets a supervisor do what an agent does, but not the reverse', () => {
    const agent: Agent = { id: 'a', username: 'ann', roles: ['agent'] };
    const supervisor: Agent = { id: 's', username: 'sam', roles: ['agent', 'supervisor'] };
    expect(() => requireRole(supervisor, 'agent', 'cancel')).not.toThrow();
    expect(() => requireRole(supervisor, 'supervisor', 'appease')).not.toThrow();
    expect(() => requireRole(agent, 'supervisor', 'POST /agent/x')).toThrow(
      /POST \/agent\/x needs the supervisor role; ann has agent/,
    );
    expect(() => requireRole({ ...agent, roles: [] }, 'agent', 'search')).toThrow(ForbiddenError);
  });
});

describe('Given the local agent store', () => {
  let directory: LocalAgentDirectory;
  let now: Date;
  beforeEach(() => {
    now = new Date('2026-11-27T09:00:00Z');
    directory = newDirectory(() => now);
    directory.addAgent('ann', 'correct horse', ['agent']);
    provideDeps({ agents: directory } as unknown as Deps);
  });

  it('signs an agent in with the right password only', async () => {
    const session = await directory.signIn('ann', 'correct horse');
    expect(session?.agent).toMatchObject({ username: 'ann', roles: ['agent'] });
    expect(session?.expiresAt).toBe('2026-11-27T17:00:00.000Z');
    expect(await directory.signIn('ann', 'wrong')).toBeUndefined();
    expect(await directory.signIn('nobody', 'correct horse')).toBeUndefined();
  });

  it('keeps agents and the signing key across restarts, and never stores the password', async () => {
    const session = await directory.signIn('ann', 'correct horse');
    const file = (directory as unknown as { file: string }).file;
    const reopened = new LocalAgentDirectory(file, () => now);
    expect(await reopened.verify(session?.token ?? '')).toMatchObject({ username: 'ann' });
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(file, 'utf8')).not.toContain('correct horse');
  });

  describe('When a request reaches an agent route without a gateway', () => {
    it('answers the signed-in agent', async () => {
      const session = await directory.signIn('ann', 'correct horse');
      const result = await whoAmI(
        apiEvent('GET /agent/session', { authorization: `Bearer ${session?.token}` }),
        context,
      );
      expect(result.statusCode).toBe(200);
      expect(body(result)).toMatchObject({ username: 'ann', roles: ['agent'] });
    });

    it('refuses a missing, tampered or expired token with 401 and a Bearer challenge', async () => {
      const session = await directory.signIn('ann', 'correct horse');
      const token = session?.token ?? '';
      const [header, payload, signature] = token.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      const forged = `${header}.${Buffer.from(
        JSON.stringify({ ...claims, 'cognito:groups': ['agent', 'supervisor'] }),
      ).toString('base64url')}.${signature}`;
      const attempts: Record<string, string>[] = [
        {},
        { authorization: `Bearer ${forged}` },
        { authorization: 'Bearer x.y.z' },
      ];
      for (const headers of attempts) {
        const result = await whoAmI(apiEvent('GET /agent/session', headers), context);
        expect(result.statusCode).toBe(401);
        expect(result.headers?.['www-authenticate']).toBe('Bearer');
      }
      now = new Date('2026-11-27T17:00:01Z');
      const expired = await whoAmI(
        apiEvent('GET /agent/session', { authorization: `Bearer ${token}` }),
        context,
      );
      expect(expired.statusCode).toBe(401);
    });

    it('refuses an agent on a supervisor route with 403 naming the role', async () => {
      const session = await directory.signIn('ann', 'correct horse');
      const result = await supervisorsOnly(
        apiEvent('POST /agent/appeasements', { authorization: `Bearer ${session?.token}` }),
        context,
      );
      expect(result.statusCode).toBe(403);
      expect(body(result).error).toMatchObject({
        code: 'forbidden',
        message: 'POST /agent/appeasements needs the supervisor role; ann has agent',
      });
    });
  });
});

describe('Given API Gateway verified a Cognito token (on AWS)', () => {
  beforeEach(() => {
    // The directory is never asked: the gateway's claims are the answer.
    provideDeps({
      agents: { verify: vi.fn(async () => undefined), signIn: vi.fn() },
    } as unknown as Deps);
  });
  const claims = (groups: string) => ({
    jwt: { claims: { sub: 'c0ffee', 'cognito:username': 'sam', 'cognito:groups': groups }, scopes: null },
  });

  it('takes the agent and roles from the claims', async () => {
    const result = await supervisorsOnly(
      apiEvent('POST /agent/appeasements', {}, claims('[agent supervisor]')),
      context,
    );
    expect(result.statusCode).toBe(200);
    expect(body(result)).toEqual({ id: 'c0ffee', username: 'sam', roles: ['agent', 'supervisor'] });
  });

  it('still enforces the role', async () => {
    const result = await supervisorsOnly(
      apiEvent('POST /agent/appeasements', {}, claims('[agent]')),
      context,
    );
    expect(result.statusCode).toBe(403);
  });
});
