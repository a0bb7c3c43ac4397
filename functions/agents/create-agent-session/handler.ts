import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { AgentSignInRequiredError } from '../../../shared/http/agent-auth.js';
import { apiHandler, json, jsonBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const BodySchema = z.object({
  username: z.string().min(1).max(128),
  password: z.string().min(1).max(256),
});

/**
 * POST /agent/session — an agent signs in with username and password and gets the bearer token of the agent
 * routes (Cognito on AWS, the local user store in the embedded runtime). Wrong credentials are one 401,
 * whichever part was wrong.
 */
export const handler = apiHandler(
  async (event) => {
    const { username, password } = jsonBody(event, BodySchema);
    const session = await deps().agents.signIn(username, password);
    if (!session) throw new AgentSignInRequiredError('unknown username or wrong password');
    return json(201, session, { 'cache-control': 'no-store' });
  },
  { auth: 'sign-in' },
);
