import type { MiddlewareObj } from '@middy/core';
import { type Agent, type AgentRole, agentFromClaims, requireRole } from '../domain/agents.js';
import { UnauthorizedError } from '../domain/errors.js';
import { deps } from '../runtime/deps.js';
import type { ApiEvent, ApiResult } from './api.js';
import { bearerToken } from './auth.js';

/** A missing, expired or invalid agent token: 401 with `WWW-Authenticate: Bearer`. */
export class AgentSignInRequiredError extends UnauthorizedError {
  readonly challenge = 'Bearer';
}

const agents = new WeakMap<ApiEvent, Agent>();

/** The claims API Gateway's JWT authorizer verified, when it ran (on AWS). */
function gatewayClaims(event: ApiEvent): Record<string, unknown> | undefined {
  const authorizer = (event.requestContext as { authorizer?: { jwt?: { claims?: Record<string, unknown> } } })
    .authorizer;
  return authorizer?.jwt?.claims;
}

/**
 * Requires a signed-in agent with `role` on an agent route. On AWS the HTTP API's JWT authorizer has verified
 * the Cognito token and passes its claims; the embedded runtime has no gateway, so the local user store
 * verifies the bearer token itself. The agent is then available to the handler through `agentOf(event)`.
 */
export function agentAuth(role: AgentRole): MiddlewareObj<ApiEvent, ApiResult> {
  return {
    before: async (request) => {
      const claims = gatewayClaims(request.event);
      const agent = claims ? agentFromClaims(claims) : await verifyBearer(authorizationHeader(request.event));
      if (!agent)
        throw new AgentSignInRequiredError('sign in as an agent: send Authorization: Bearer <token>');
      requireRole(agent, role, request.event.routeKey ?? 'this action');
      agents.set(request.event, agent);
    },
  };
}

function authorizationHeader(event: ApiEvent): string | undefined {
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (name.toLowerCase() === 'authorization') return value;
  }
  return undefined;
}

async function verifyBearer(authorization: string | undefined): Promise<Agent | undefined> {
  const token = bearerToken(authorization);
  return token ? await deps().agents.verify(token) : undefined;
}

/** The agent `agentAuth` let through for this request. */
export function agentOf(event: ApiEvent): Agent {
  const agent = agents.get(event);
  if (!agent) throw new AgentSignInRequiredError('no agent is signed in for this request');
  return agent;
}
