import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  NotAuthorizedException,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { CognitoAgentDirectory } from '../../../shared/adapters/aws/cognito-agent-directory.js';

const cognito = mockClient(CognitoIdentityProviderClient);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const idToken = `${b64({ alg: 'RS256' })}.${b64({
  sub: 'c0ffee',
  'cognito:username': 'ann',
  'cognito:groups': ['agent'],
})}.signature`;
const now = new Date('2026-11-27T09:00:00Z');

beforeEach(() => cognito.reset());

describe('Given the console client of the user pool', () => {
  const directory = () => new CognitoAgentDirectory('client-123', undefined, () => now);

  it('signs an agent in with USER_PASSWORD_AUTH and answers the ID token and the agent', async () => {
    cognito.on(InitiateAuthCommand).resolves({ AuthenticationResult: { IdToken: idToken, ExpiresIn: 3600 } });
    const session = await directory().signIn('ann', 'secret');
    expect(session).toEqual({
      token: idToken,
      expiresAt: '2026-11-27T10:00:00.000Z',
      agent: { id: 'c0ffee', username: 'ann', roles: ['agent'] },
    });
    expect(cognito.commandCalls(InitiateAuthCommand)[0]?.args[0].input).toEqual({
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: 'client-123',
      AuthParameters: { USERNAME: 'ann', PASSWORD: 'secret' },
    });
  });

  it('answers no session for a wrong password, and refuses every token itself (the gateway verifies)', async () => {
    cognito.on(InitiateAuthCommand).rejects(new NotAuthorizedException({ message: 'no', $metadata: {} }));
    expect(await directory().signIn('ann', 'wrong')).toBeUndefined();
    expect(await directory().verify()).toBeUndefined();
  });

  it('names the challenge a first sign-in must answer in Cognito', async () => {
    cognito.on(InitiateAuthCommand).resolves({ ChallengeName: 'NEW_PASSWORD_REQUIRED' });
    await expect(directory().signIn('ann', 'temporary')).rejects.toThrow(/NEW_PASSWORD_REQUIRED/);
  });
});
