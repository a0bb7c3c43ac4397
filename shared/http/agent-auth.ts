import type { MiddlewareObj } from '@middy/core';
import { z } from 'zod';
import type { AgentAction } from '../app/agent-actions.js';
import { type Agent, type AgentRole, agentFromClaims, requireRole } from '../domain/agents.js';
import { UnauthorizedError, ValidationError } from '../domain/errors.js';
import { deps } from '../runtime/deps.js';
import type { ApiEvent, ApiResult } from './api.js';
import { bearerToken } from './auth.js';
import { header } from './headers.js';

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
      const agent = claims
        ? agentFromClaims(claims)
        : await verifyBearer(header(request.event, 'authorization'));
      if (!agent)
        throw new AgentSignInRequiredError('sign in as an agent: send Authorization: Bearer <token>');
      requireRole(agent, role, request.event.routeKey ?? 'this action');
      agents.set(request.event, agent);
    },
  };
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

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{8,100}$/;

/** Why an agent makes a change, as every agent route's body carries it: shown in the timeline and the audit. */
export const ReasonSchema = z.string().trim().min(1).max(500);

/**
 * The change an agent's request asks for: who (the signed-in agent), why (the body's `reason`) and the
 * `Idempotency-Key` header that makes a repeated click the same action (required on every change: 400 naming
 * the header without it). docs/customer-service.md#audit.
 */
export function agentActionOf(event: ApiEvent, reason: string): AgentAction {
  const key = header(event, 'idempotency-key');
  if (key === undefined || !IDEMPOTENCY_KEY.test(key)) {
    throw new ValidationError(
      'send an Idempotency-Key header (8-100 letters, digits, ".", "_", ":" or "-")',
      [{ field: 'Idempotency-Key', message: key === undefined ? 'required' : 'invalid format' }],
    );
  }
  return { agent: agentOf(event), reason, idempotencyKey: key };
}
