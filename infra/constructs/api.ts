import { Duration, NestedStack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
  PayloadFormatVersion,
} from 'aws-cdk-lib/aws-apigatewayv2';
import {
  HttpLambdaAuthorizer,
  HttpLambdaResponseType,
  HttpUserPoolAuthorizer,
} from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { routeAccess, type Trigger } from '../../shared/config/functions.js';
import type { Agents } from './agents.js';
import type { ServiceFunction } from './functions.js';
import { acknowledge, pascalCase } from './nag.js';

/**
 * Account-level protection until per-client usage plans exist: enough for webhook bursts from the sales
 * channels, low enough that a runaway client cannot exhaust the Lambda concurrency of the whole account.
 */
const throttle = { rateLimit: 100, burstLimit: 200 };

export interface ApiProps {
  /** Functions whose trigger is `{ kind: 'http', method, path }`. */
  routes: readonly ServiceFunction<Extract<Trigger, { kind: 'http' }>>[];
  /** Functions whose trigger is `{ kind: 'authorizer' }`: exactly one, the API key check of non-webhook routes. */
  authorizers: readonly ServiceFunction<Extract<Trigger, { kind: 'authorizer' }>>[];
  /** The agents' user pool and console client: the agent routes accept only its tokens. */
  agents: Agents;
  /** `https://<console domain>`: the one browser origin allowed to call the API. */
  consoleOrigin: string;
}

/**
 * The HTTP API: one Lambda proxy route per http function of shared/config/functions.ts, every non-webhook
 * route behind the API key authorizer.
 *
 * The routes, their integrations and invoke permissions (three resources per route) live in a nested stack:
 * CloudFormation caps a stack at 500 resources, and with them the main stack would reach it at about 80
 * functions. The nested stack receives the API id and the function ARNs as parameters (decision 0009).
 */
export class Api extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  /** The nested stack holding every route, integration and invoke permission. */
  readonly routes: NestedStack;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'Order Management System: webhooks, orders, inventory, fulfillment',
      createDefaultStage: false,
      // Only the console, served from its own CloudFront domain, calls the API from a browser.
      corsPreflight: {
        allowOrigins: [props.consoleOrigin],
        allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.PUT, CorsHttpMethod.DELETE],
        allowHeaders: ['authorization', 'content-type', 'idempotency-key'],
        maxAge: Duration.hours(1),
      },
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_MONTH });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            latency: '$context.responseLatency',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });

    const [authorizer, ...others] = props.authorizers;
    if (!authorizer || others.length > 0) {
      throw new Error(`Expected one function with an authorizer trigger, got ${props.authorizers.length}`);
    }
    const apiKeys = new HttpLambdaAuthorizer('ApiKeyAuthorizer', authorizer.fn, {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: ['$request.header.Authorization'],
      // Keyed by the Authorization header: one authorizer call per key and 5 minutes, not per request.
      resultsCacheTtl: Duration.seconds(300),
    });

    // Agent routes take the console client's Cognito tokens; `cognito:groups` reaches the function as a claim.
    const agentTokens = new HttpUserPoolAuthorizer('AgentAuthorizer', props.agents.userPool, {
      userPoolClients: [props.agents.client],
      identitySource: ['$request.header.Authorization'],
    });
    this.routes = new NestedStack(this, 'Routes', {
      description: 'Order Management System: the HTTP API routes, their integrations and invoke permissions',
    });
    for (const route of props.routes) {
      const { method, path } = route.spec.trigger;
      const access = routeAccess({ method, path });
      const created = new HttpRoute(this.routes, `${pascalCase(route.spec.name)}Route`, {
        httpApi: this.httpApi,
        routeKey: HttpRouteKey.with(path, HttpMethod[method]),
        integration: new HttpLambdaIntegration(`${pascalCase(route.spec.name)}Integration`, route.fn, {
          payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
        }),
        ...(access === 'api-key' ? { authorizer: apiKeys } : {}),
        ...(access === 'agent' ? { authorizer: agentTokens } : {}),
      });
      if (access === 'sign-in') {
        acknowledge(
          created,
          'APIG4',
          'Agents sign in here: the request carries no token yet, the handler checks username and password ' +
            'with Cognito (InitiateAuth) and answers one 401 for any wrong part.',
        );
      }
      if (access === 'signature') {
        acknowledge(
          created,
          'APIG4',
          'Webhooks are called by the sales channels, which cannot use an API authorizer; the handler ' +
            "authenticates every request by the HMAC signature of its body with the channel's secret.",
        );
      }
    }
  }

  get url(): string {
    return this.stage.url;
  }
}
