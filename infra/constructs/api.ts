import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
  PayloadFormatVersion,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { Trigger } from '../../shared/config/functions.js';
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
}

/** The HTTP API: one Lambda proxy route per http function of shared/config/functions.ts. */
export class Api extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'Order Management System: webhooks, orders, inventory, fulfillment',
      createDefaultStage: false,
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

    for (const route of props.routes) {
      const { method, path } = route.spec.trigger;
      const [created] = this.httpApi.addRoutes({
        path,
        methods: [HttpMethod[method]],
        integration: new HttpLambdaIntegration(`${pascalCase(route.spec.name)}Integration`, route.fn, {
          payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
        }),
      });
      if (!created) throw new Error(`No route created for ${method} ${path}`);
      acknowledge(
        created,
        'APIG4',
        path.startsWith('/webhooks/')
          ? 'Webhooks are called by the sales channels, which cannot use an API authorizer; the handler ' +
              "authenticates every request by the HMAC signature of its body with the channel's secret."
          : 'No authorizer until the access-control issue adds one; the API is not to be exposed to untrusted ' +
              'clients before then.',
      );
    }
  }

  get url(): string {
    return this.stage.url;
  }
}
