import type { Agent } from '../domain/agents.js';

export interface AgentSession {
  /** Bearer token for the agent routes: a Cognito ID token on AWS, a locally signed JWT in the embedded runtime. */
  token: string;
  expiresAt: string;
  agent: Agent;
}

/**
 * Who the call-center agents are. On AWS a Cognito user pool signs agents in and API Gateway's JWT
 * authorizer verifies their tokens before a function runs; the embedded runtime has no gateway, so its
 * directory (a local user store) verifies tokens itself.
 */
export interface AgentDirectory {
  /** Username and password to a session, or undefined when they do not match an agent. */
  signIn(username: string, password: string): Promise<AgentSession | undefined>;
  /** The agent a bearer token belongs to, or undefined when it is invalid or expired. */
  verify(token: string): Promise<Agent | undefined>;
}
