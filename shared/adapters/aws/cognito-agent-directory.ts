import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { agentFromClaims } from '../../domain/agents.js';
import { UnauthorizedError } from '../../domain/errors.js';
import type { AgentDirectory, AgentSession } from '../../ports/agent-directory.js';

/** The claims of a JWT the caller just received from Cognito itself (no signature check needed here). */
const claimsOf = (token: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

/**
 * Agents in the stack's Cognito user pool. Sign-in is InitiateAuth with USER_PASSWORD_AUTH on the console's
 * app client (no IAM permission: the API is public and the client has no secret). Tokens are verified by
 * the HTTP API's JWT authorizer before any agent function runs, so `verify` is never the gate here and
 * refuses everything: a request that reached an agent function without the authorizer's claims is denied.
 * The SDK client is loaded on the first sign-in only: every function wires this directory, one signs in.
 */
export class CognitoAgentDirectory implements AgentDirectory {
  constructor(
    private readonly clientId: string,
    private client?: CognitoIdentityProviderClient,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async signIn(username: string, password: string): Promise<AgentSession | undefined> {
    const {
      CognitoIdentityProviderClient,
      InitiateAuthCommand,
      NotAuthorizedException,
      UserNotFoundException,
    } = await import('@aws-sdk/client-cognito-identity-provider');
    this.client ??= new CognitoIdentityProviderClient({});
    try {
      const result = await this.client.send(
        new InitiateAuthCommand({
          AuthFlow: 'USER_PASSWORD_AUTH',
          ClientId: this.clientId,
          AuthParameters: { USERNAME: username, PASSWORD: password },
        }),
      );
      const token = result.AuthenticationResult?.IdToken;
      if (!token) {
        // A challenge (first sign-in password change, MFA) is answered in Cognito's own hosted UI.
        throw new UnauthorizedError(
          `sign-in needs the ${result.ChallengeName ?? 'unknown'} challenge answered in Cognito first`,
        );
      }
      const agent = agentFromClaims(claimsOf(token));
      if (!agent) return undefined;
      const expiresIn = result.AuthenticationResult?.ExpiresIn ?? 3600;
      return { token, agent, expiresAt: new Date(this.clock().getTime() + expiresIn * 1000).toISOString() };
    } catch (error) {
      if (error instanceof NotAuthorizedException || error instanceof UserNotFoundException) return undefined;
      throw error;
    }
  }

  async verify(): Promise<undefined> {
    return undefined;
  }
}
