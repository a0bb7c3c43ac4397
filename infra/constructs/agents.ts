import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  AccountRecovery,
  CfnUserPoolGroup,
  Mfa,
  UserPool,
  type UserPoolClient,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { AGENT_ROLES } from '../../shared/domain/agents.js';
import { acknowledge } from './nag.js';

/**
 * The call-center agents: a Cognito user pool with one group per role (shared/domain/agents.ts) and the
 * console's app client. Agents are created by an administrator (no self sign-up); the HTTP API's JWT
 * authorizer accepts this client's tokens on the agent routes.
 */
export class Agents extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.userPool = new UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.userPool,
      'COG2',
      'MFA is optional (TOTP) until the console answers the MFA challenge itself; administrators can require ' +
        'it per agent. Agents are created by an administrator only, with a 12-character complex password.',
    );
    for (const finding of ['COG3', 'COG8']) {
      acknowledge(
        this.userPool,
        finding,
        'Threat protection needs the Plus feature plan, billed per monthly active user; a small call center ' +
          'signs in from known networks, and every agent action is audited in the table.',
      );
    }
    for (const role of AGENT_ROLES) {
      new CfnUserPoolGroup(this, `${role}Group`, {
        userPoolId: this.userPool.userPoolId,
        groupName: role,
        description: `Agents with the ${role} role (console)`,
      });
    }
    this.client = this.userPool.addClient('ConsoleClient', {
      // The console posts username and password to POST /agent/session, which calls InitiateAuth.
      authFlows: { userPassword: true, userSrp: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(8),
      accessTokenValidity: Duration.hours(8),
      refreshTokenValidity: Duration.days(1),
    });
  }
}
