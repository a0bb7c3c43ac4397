import { ForbiddenError } from './errors.js';

/**
 * Call-center agents. `agent` handles customers' orders; `supervisor` may also do what costs the business
 * more than an agent's limits allow. Roles are Cognito groups on AWS and lists in the local user store.
 */
export const AGENT_ROLES = ['agent', 'supervisor'] as const;
export type AgentRole = (typeof AGENT_ROLES)[number];

export interface Agent {
  /** Stable id: the Cognito `sub` on AWS, the local user's id in the embedded runtime. */
  id: string;
  username: string;
  roles: AgentRole[];
}

const isRole = (value: string): value is AgentRole => (AGENT_ROLES as readonly string[]).includes(value);

/**
 * The roles of a token's `cognito:groups` claim. A JWT carries it as an array; API Gateway's HTTP API passes
 * array claims to the function as one string, `[agent supervisor]`. Groups that are not roles are ignored.
 */
export function rolesFromClaim(claim: unknown): AgentRole[] {
  const values = Array.isArray(claim)
    ? claim.map(String)
    : typeof claim === 'string'
      ? claim
          .replace(/^\[|\]$/g, '')
          .split(/[\s,]+/)
          .filter(Boolean)
      : [];
  return [...new Set(values.filter(isRole))].sort();
}

/** The agent a set of verified token claims describes, or undefined when they do not name one. */
export function agentFromClaims(claims: Record<string, unknown>): Agent | undefined {
  const id = typeof claims.sub === 'string' ? claims.sub : undefined;
  const username =
    typeof claims['cognito:username'] === 'string'
      ? claims['cognito:username']
      : typeof claims.username === 'string'
        ? claims.username
        : undefined;
  if (!id || !username) return undefined;
  return { id, username, roles: rolesFromClaim(claims['cognito:groups']) };
}

/**
 * Refuses an agent without one of `roles`, naming what is missing. A supervisor can do everything an agent
 * can, so `requireRole(agent, 'agent')` lets supervisors through.
 */
export function requireRole(agent: Agent, role: AgentRole, action: string): void {
  const allowed = role === 'agent' ? agent.roles.length > 0 : agent.roles.includes(role);
  if (!allowed) {
    throw new ForbiddenError(
      `${action} needs the ${role} role; ${agent.username} has ${describe(agent.roles)}`,
      {
        required: role,
        roles: agent.roles,
      },
    );
  }
}

const describe = (roles: readonly AgentRole[]) => (roles.length === 0 ? 'no role' : roles.join(', '));
