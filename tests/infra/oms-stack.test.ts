import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../infra/constructs/api.js';
import { Data } from '../../infra/constructs/data.js';
import { Functions, roleKey } from '../../infra/constructs/functions.js';
import { Workflow } from '../../infra/constructs/workflow.js';
import { OmsStack } from '../../infra/oms-stack.js';
import { eventRules, queueSettings } from '../../shared/config/event-rules.js';
import {
  type FunctionSpec,
  functions,
  type Permission,
  QUEUE_NAMES,
  routeAccess,
} from '../../shared/config/functions.js';
import { outboxStreamFilter } from '../../shared/config/outbox.js';
import { purchasingEmail } from '../../shared/config/purchasing.js';
import { envNames, resourceNames } from '../../shared/config/resources.js';
import { schedules } from '../../shared/config/schedules.js';
import { tableDefinition } from '../../shared/config/table.js';

// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation is untyped JSON; the assertions check its shape.
type Resource = { Type: string; Properties: { [key: string]: any } };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

/** The app as `cdk synth` builds it (cdk.json feature flags), without bundling the handlers. */
function testApp(): App {
  const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return new App({
    context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] },
    // CDK's own template linting takes most of a synth (~6 s); `cdk synth` still runs it.
    builtinCloudFormationValidation: false,
  });
}

const getAtt = (logicalId: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [logicalId, attribute] });
const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const aslFile = (name: string) =>
  readFileSync(new URL(`../../statemachines/${name}`, import.meta.url), 'utf8');
type AslState = {
  Type: string;
  Resource?: string;
  Parameters?: Record<string, unknown>;
  Next?: string;
  End?: boolean;
  Catch?: { ErrorEquals: string[]; ResultPath?: string; Next: string }[];
};
type AslDefinition = { StartAt: string; States: Record<string, AslState> };
const asl = (name: string) => JSON.parse(aslFile(name)) as AslDefinition;

describe('Given the OMS stack', () => {
  let template: Template;
  let resources: Record<string, Resource>;
  let assemblyDirectory: string;
  /** The nested stack of the HTTP routes, and the values the main stack passes to its parameters. */
  let routesTemplate: Template;
  let routeResources: Record<string, Resource>;
  let routeParameters: Record<string, unknown>;
  /** A value of the routes' template as the main stack sees it: parameters replaced by what is passed. */
  const fromRoutes = (value: unknown): unknown => {
    const ref = (value as { Ref?: string } | undefined)?.Ref;
    return ref !== undefined && ref in routeParameters ? routeParameters[ref] : value;
  };

  const ofType = (type: string): [string, Resource][] =>
    Object.entries(resources).filter(([, resource]) => resource.Type === type);

  const functionId = (spec: FunctionSpec): string => {
    const ids = Object.keys(
      template.findResources('AWS::Lambda::Function', {
        Properties: { Description: `${spec.context}: ${spec.name}` },
      }),
    );
    expect(ids, `one Lambda function for ${spec.name}`).toHaveLength(1);
    return ids[0] as string;
  };

  const statementsOfRole = (roleId: string): Statement[] =>
    ofType('AWS::IAM::Policy')
      .filter(([, policy]) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Statement[]);

  const actionsOfFunction = (spec: FunctionSpec): Set<string> => {
    const fn = resources[functionId(spec)] as Resource;
    const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
    return new Set(statementsOfRole(roleId).flatMap((s) => asList(s.Action)));
  };

  beforeAll(() => {
    const app = testApp();
    const stack = new OmsStack(app, 'Oms');
    template = Template.fromStack(stack);
    resources = template.toJSON().Resources;
    routesTemplate = Template.fromStack((stack.node.findChild('Api') as Api).routes);
    routeResources = routesTemplate.toJSON().Resources;
    const [nested] = ofType('AWS::CloudFormation::Stack');
    routeParameters = (nested?.[1].Properties.Parameters ?? {}) as Record<string, unknown>;
    // Already synthesized by fromStack; the assembly holds the assets, such as the state machine definitions.
    assemblyDirectory = app.synth().directory;
  });

  describe('When it builds the table', () => {
    it('uses the keys, indexes and TTL attribute of shared/config/table.ts', () => {
      template.resourceCountIs('AWS::DynamoDB::Table', 1);
      const keySchema = (pk: string, sk: string) => [
        { AttributeName: pk, KeyType: 'HASH' },
        { AttributeName: sk, KeyType: 'RANGE' },
      ];
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: keySchema(tableDefinition.partitionKey, tableDefinition.sortKey),
        GlobalSecondaryIndexes: tableDefinition.globalSecondaryIndexes.map((index) => ({
          IndexName: index.indexName,
          KeySchema: keySchema(index.partitionKey, index.sortKey),
          Projection: { ProjectionType: index.projection },
        })),
        TimeToLiveSpecification: { AttributeName: tableDefinition.timeToLiveAttribute, Enabled: true },
      });
      const [, table] = ofType('AWS::DynamoDB::Table')[0] as [string, Resource];
      // Each key attribute once: gsi3 and gsi4 sort by gsi1's sort key.
      const keys: string[] = [
        ...new Set([
          tableDefinition.partitionKey,
          tableDefinition.sortKey,
          ...tableDefinition.globalSecondaryIndexes.flatMap((index) => [index.partitionKey, index.sortKey]),
        ]),
      ];
      expect(table.Properties.AttributeDefinitions).toEqual(
        keys.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
      );
    });

    it('projects keys only into every index, so an index entry moves only when its keys do', () => {
      const [, table] = ofType('AWS::DynamoDB::Table')[0] as [string, Resource];
      const indexes = table.Properties.GlobalSecondaryIndexes as { IndexName: string; Projection: unknown }[];
      expect(indexes.map((index) => [index.IndexName, index.Projection])).toEqual([
        ['gsi1', { ProjectionType: 'KEYS_ONLY' }],
        ['gsi2', { ProjectionType: 'KEYS_ONLY' }],
        ['gsi3', { ProjectionType: 'KEYS_ONLY' }],
        ['gsi4', { ProjectionType: 'KEYS_ONLY' }],
      ]);
    });

    it('leaves out the indexes a deployment defers, one new index per update of an existing table', () => {
      const app = testApp();
      app.node.setContext('omsDeferIndexes', 'gsi4, gsi3');
      const stack = new Stack(app, 'Deferred');
      new Data(stack, 'Data');
      const [table] = Object.values(Template.fromStack(stack).findResources('AWS::DynamoDB::Table'));
      const indexes = (table?.Properties.GlobalSecondaryIndexes ?? []) as { IndexName: string }[];
      const names = indexes.map((index) => index.IndexName);
      expect(names).toEqual(['gsi1', 'gsi2']);
    });

    it('bills on demand, keeps point-in-time backups and a stream, and survives stack deletion', () => {
      template.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: Match.objectLike({
          BillingMode: 'PAY_PER_REQUEST',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
          DeletionProtectionEnabled: true,
        }),
      });
    });
  });

  describe('When it builds the functions', () => {
    it('creates one Lambda function per entry of shared/config/functions.ts, and no other', () => {
      // Besides them, only CDK's own handler that copies the console's files into its bucket at deployment.
      template.resourceCountIs('AWS::Lambda::Function', functions.length + 1);
      for (const spec of functions) functionId(spec);
      const others = ofType('AWS::Lambda::Function').filter(
        ([, fn]) => !functions.some((spec) => fn.Properties.Description === `${spec.context}: ${spec.name}`),
      );
      expect(others.map(([id]) => id)).toEqual([expect.stringMatching(/^CustomCDKBucketDeployment/)]);
    });

    it('runs every function on nodejs22.x and arm64 with active tracing and the memory and timeout of its spec', () => {
      for (const spec of functions) {
        const fn = resources[functionId(spec)] as Resource;
        expect(fn.Properties, spec.name).toMatchObject({
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          TracingConfig: { Mode: 'Active' },
          MemorySize: spec.memoryMb,
          Timeout: spec.timeoutSeconds,
        });
      }
    });

    it('logs every function to its bounded context’s log group, kept for one month', () => {
      const groupOfContext = new Map<string, string>();
      for (const spec of functions) {
        const fn = resources[functionId(spec)] as Resource;
        const ref = fn.Properties.LoggingConfig.LogGroup.Ref as string;
        const logGroup = resources[ref] as Resource;
        expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
        expect(logGroup.Properties.RetentionInDays, spec.name).toBe(30);
        expect(groupOfContext.get(spec.context) ?? ref, spec.name).toBe(ref);
        groupOfContext.set(spec.context, ref);
      }
      // No two contexts share a group.
      expect(new Set(groupOfContext.values()).size).toBe(groupOfContext.size);
    });

    it('shares a role only between functions of one context with the same permissions and queue', () => {
      const roleOf = (spec: FunctionSpec) =>
        (resources[functionId(spec)] as Resource).Properties.Role['Fn::GetAtt'][0] as string;
      const keysOfRole = new Map<string, Set<string>>();
      const rolesOfKey = new Map<string, Set<string>>();
      for (const spec of functions) {
        const role = roleOf(spec);
        keysOfRole.set(role, (keysOfRole.get(role) ?? new Set()).add(roleKey(spec)));
        rolesOfKey.set(roleKey(spec), (rolesOfKey.get(roleKey(spec)) ?? new Set()).add(role));
      }
      expect([...keysOfRole.values()].filter((keys) => keys.size > 1)).toEqual([]);
      expect([...rolesOfKey.values()].filter((roles) => roles.size > 1)).toEqual([]);
      // Every role is a function role of the config or one CDK or the stack adds for its own purposes.
      expect(keysOfRole.size).toBe(new Set(functions.map(roleKey)).size);
      expect(keysOfRole.size).toBeLessThan(functions.length);
    });

    it('stays well inside CloudFormation’s 500 resources and 200 parameters per stack', () => {
      // A function costs one resource here plus its share of a role and policy (decision 0014), and three in
      // the routes' nested stack (route, integration, permission); decision 0009.
      expect(Object.keys(resources).length).toBeLessThan(450);
      expect(Object.keys(routeResources).length).toBeLessThan(450);
      expect(Object.keys(routesTemplate.toJSON().Parameters ?? {}).length).toBeLessThan(180);
    });

    it('passes resource names only where the spec needs them', () => {
      for (const spec of functions) {
        const variables = (resources[functionId(spec)] as Resource).Properties.Environment.Variables;
        expect(variables, spec.name).toMatchObject({
          POWERTOOLS_SERVICE_NAME: spec.context,
          [envNames.secretsParameterPrefix]: '/oms/webhook-secrets/',
          [envNames.tableName]: { Ref: expect.any(String) },
          [envNames.eventBusName]: { Ref: expect.any(String) },
        });
        expect(envNames.stateMachineArn in variables, spec.name).toBe(
          spec.permissions.includes('workflow:start'),
        );
        expect(envNames.shippingStateMachineArn in variables, spec.name).toBe(
          spec.permissions.includes('shipping:start'),
        );
        expect(envNames.bucketName in variables, spec.name).toBe(
          spec.permissions.includes('bucket:read') || spec.permissions.includes('bucket:write'),
        );
        expect(variables[purchasingEmail.fromEnv], spec.name).toBe(
          spec.permissions.includes('email:send') ? purchasingEmail.from : undefined,
        );
      }
    });

    it('grants each function the actions of its permissions and nothing more', () => {
      // Actions that show a permission was granted...
      const evidence: Record<Permission, string[]> = {
        'table:read': ['dynamodb:GetItem', 'dynamodb:Query'],
        'table:write': ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        'bus:put': ['events:PutEvents'],
        // Both starts are states:StartExecution: the next test tells them apart by state machine.
        'workflow:start': [],
        'workflow:callback': ['states:SendTaskSuccess', 'states:SendTaskFailure'],
        'workflow:read': ['states:DescribeExecution'],
        'shipping:start': [],
        'bucket:read': ['s3:GetObject'],
        'bucket:write': ['s3:PutObject'],
        // ssm:GetParameter is granted by both SSM permissions, so it shows neither: the API key test checks
        // which parameters each one reaches.
        'secrets:read': ['ssm:GetParametersByPath'],
        'apikeys:read': [],
        'email:send': ['ses:SendEmail'],
        'sms:send': ['sns:Publish'],
        // Queue consumers hold sqs:GetQueueAttributes on their own queue: tests/infra/monitoring.test.ts checks
        // which queues this one reaches.
        'queues:read': [],
        'webhook-rule:update': ['events:PutRule'],
        // sqs:SendMessage is also the stream consumer's (its DLQ): the webhooks test checks which queue.
        'webhook-retry:send': [],
        'bucket:retain': ['s3:PutObjectRetention'],
        // No IAM action: the function only gets the console client's id (the next test checks it).
        'agents:sign-in': [],
      };
      // ...and everything the grant for it may bring along.
      const bundled: Record<Permission, string[]> = {
        'table:read': [
          'dynamodb:BatchGetItem',
          'dynamodb:Scan',
          'dynamodb:ConditionCheckItem',
          'dynamodb:DescribeTable',
          'dynamodb:GetRecords',
          'dynamodb:GetShardIterator',
        ],
        'table:write': ['dynamodb:BatchWriteItem', 'dynamodb:DescribeTable'],
        'bus:put': [],
        'workflow:start': ['states:StartExecution'],
        'workflow:callback': ['states:SendTaskHeartbeat'],
        'workflow:read': [],
        'shipping:start': ['states:StartExecution'],
        'bucket:read': ['s3:ListBucket'],
        'bucket:write': ['s3:AbortMultipartUpload'],
        'secrets:read': ['ssm:GetParameter', 'ssm:GetParameters'],
        'apikeys:read': ['ssm:GetParameter'],
        'email:send': [],
        'sms:send': [],
        'queues:read': ['sqs:GetQueueAttributes'],
        'webhook-rule:update': [],
        'webhook-retry:send': ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
        'bucket:retain': [],
        'agents:sign-in': [],
      };
      const always = [
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'xray:PutTraceSegments',
        'xray:PutTelemetryRecords',
      ];
      const queueConsumer = [
        'sqs:ReceiveMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:GetQueueUrl',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
      ];
      // The outbox publisher reads the table's stream and sends records that keep failing to its DLQ.
      const streamConsumer = [
        'dynamodb:ListStreams',
        'dynamodb:DescribeStream',
        'dynamodb:GetRecords',
        'dynamodb:GetShardIterator',
        'sqs:SendMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
      ];

      for (const spec of functions) {
        const actions = actionsOfFunction(spec);
        for (const [permission, expected] of Object.entries(evidence) as [Permission, string[]][]) {
          for (const action of expected) {
            expect(actions.has(action), `${spec.name} ${action}`).toBe(spec.permissions.includes(permission));
          }
        }
        const allowed = new Set([
          ...always,
          ...(spec.trigger.kind === 'queue' ? queueConsumer : []),
          ...(spec.trigger.kind === 'stream' ? streamConsumer : []),
          ...spec.permissions.flatMap((p) => [...evidence[p], ...bundled[p]]),
        ]);
        expect(
          [...actions].filter((a) => !allowed.has(a)),
          spec.name,
        ).toEqual([]);
      }
    });

    it('lets a function start order-fulfillment for workflow:start and order-shipping for shipping:start, nothing else', () => {
      const machineId = (type: 'STANDARD' | 'EXPRESS') => {
        const found = ofType('AWS::StepFunctions::StateMachine').filter(
          ([, m]) => m.Properties.StateMachineType === type,
        );
        expect(found, type).toHaveLength(1);
        return (found[0] as [string, Resource])[0];
      };
      const fulfillment = { Ref: machineId('STANDARD') };
      const shipping = { Ref: machineId('EXPRESS') };
      const startable = (spec: FunctionSpec) => {
        const fn = resources[functionId(spec)] as Resource;
        return statementsOfRole(fn.Properties.Role['Fn::GetAtt'][0] as string)
          .filter((s) => asList(s.Action).includes('states:StartExecution'))
          .flatMap((s) => asList(s.Resource));
      };
      for (const spec of functions) {
        expect(startable(spec), spec.name).toEqual([
          ...(spec.permissions.includes('workflow:start') ? [fulfillment] : []),
          ...(spec.permissions.includes('shipping:start') ? [shipping] : []),
        ]);
      }

      // The pick confirmation completes the Standard wait and starts the Express run, and only that one.
      const confirmPick = functions.find((spec) => spec.name === 'confirm-pick') as FunctionSpec;
      expect(confirmPick.permissions).toEqual(
        expect.arrayContaining(['workflow:callback', 'shipping:start']),
      );
      expect(startable(confirmPick)).toEqual([shipping]);
      const variables = (resources[functionId(confirmPick)] as Resource).Properties.Environment.Variables;
      expect(variables[envNames.shippingStateMachineArn]).toEqual(shipping);
      expect(envNames.stateMachineArn in variables).toBe(false);
    });
  });

  describe('When it builds the HTTP API', () => {
    const httpSpecs = functions.filter((spec) => spec.trigger.kind === 'http');

    it('routes each http function at its method and path with a Lambda proxy integration (payload 2.0)', () => {
      template.resourceCountIs('AWS::ApiGatewayV2::Route', 0);
      routesTemplate.resourceCountIs('AWS::ApiGatewayV2::Route', httpSpecs.length);
      for (const spec of httpSpecs) {
        if (spec.trigger.kind !== 'http') continue;
        const routeKey = `${spec.trigger.method} ${spec.trigger.path}`;
        const routes = Object.values(
          routesTemplate.findResources('AWS::ApiGatewayV2::Route', { Properties: { RouteKey: routeKey } }),
        );
        expect(routes, routeKey).toHaveLength(1);
        const route = routes[0] as Resource;
        expect(fromRoutes(route.Properties.ApiId), routeKey).toEqual({
          Ref: expect.stringMatching(/^ApiHttpApi/),
        });
        const integrationId = route.Properties.Target['Fn::Join'][1][1].Ref as string;
        const integration = (routeResources[integrationId] as Resource).Properties;
        expect(integration, routeKey).toMatchObject({
          IntegrationType: 'AWS_PROXY',
          PayloadFormatVersion: '2.0',
        });
        expect(fromRoutes(integration.IntegrationUri), routeKey).toEqual(getAtt(functionId(spec)));
        // API Gateway may invoke the function, from this route only.
        const permissions = Object.values(routeResources).filter(
          (resource) =>
            resource.Type === 'AWS::Lambda::Permission' &&
            JSON.stringify(fromRoutes(resource.Properties.FunctionName)) ===
              JSON.stringify(getAtt(functionId(spec))),
        );
        expect(permissions, routeKey).toHaveLength(1);
        expect(JSON.stringify(permissions[0]?.Properties.SourceArn), routeKey).toContain(
          spec.trigger.path.split('/')[1] as string,
        );
      }
    });

    it('puts every route but the webhooks and agent routes behind the API key authorizer, which reads only the key parameter', () => {
      const authorizers = ofType('AWS::ApiGatewayV2::Authorizer');
      expect(authorizers).toHaveLength(2);
      const [authorizerId, authorizer] = authorizers.find(
        ([, a]) => a.Properties.AuthorizerType === 'REQUEST',
      ) as [string, Resource];
      const [agentAuthorizerId, agentAuthorizer] = authorizers.find(
        ([, a]) => a.Properties.AuthorizerType === 'JWT',
      ) as [string, Resource];
      const [poolId] = ofType('AWS::Cognito::UserPool')[0] as [string, Resource];
      const [clientId] = ofType('AWS::Cognito::UserPoolClient')[0] as [string, Resource];
      expect(JSON.stringify(agentAuthorizer.Properties.JwtConfiguration.Issuer)).toContain(poolId);
      expect(agentAuthorizer.Properties.JwtConfiguration.Audience).toEqual([{ Ref: clientId }]);
      const spec = functions.find((candidate) => candidate.trigger.kind === 'authorizer') as FunctionSpec;
      expect(authorizer.Properties).toMatchObject({
        AuthorizerType: 'REQUEST',
        AuthorizerPayloadFormatVersion: '2.0',
        EnableSimpleResponses: true,
        IdentitySource: ['$request.header.Authorization'],
        AuthorizerResultTtlInSeconds: 300,
      });
      expect(JSON.stringify(authorizer.Properties.AuthorizerUri)).toContain(functionId(spec));

      const routes = Object.values(routeResources).filter((r) => r.Type === 'AWS::ApiGatewayV2::Route');
      expect(routes.length).toBeGreaterThan(0);
      for (const route of routes) {
        const { RouteKey, AuthorizationType } = route.Properties;
        const AuthorizerId = fromRoutes(route.Properties.AuthorizerId);
        const [method, path] = String(RouteKey).split(' ') as [string, string];
        const access = routeAccess({ method, path });
        if (access === 'signature' || access === 'sign-in') {
          expect(AuthorizationType ?? 'NONE', RouteKey).toBe('NONE');
          expect(AuthorizerId, RouteKey).toBeUndefined();
        } else if (access === 'agent') {
          expect(AuthorizationType, RouteKey).toBe('JWT');
          expect(AuthorizerId, RouteKey).toEqual({ Ref: agentAuthorizerId });
        } else {
          expect(AuthorizationType, RouteKey).toBe('CUSTOM');
          expect(AuthorizerId, RouteKey).toEqual({ Ref: authorizerId });
        }
      }
      expect(routes.map((route) => route.Properties.RouteKey)).toEqual(
        expect.arrayContaining(['POST /agent/session', 'GET /agent/session']),
      );
      for (const spec of functions.filter((candidate) => candidate.permissions.includes('agents:sign-in'))) {
        const variables = (resources[functionId(spec)] as Resource).Properties.Environment.Variables;
        expect(variables[envNames.agentClientId], spec.name).toEqual({ Ref: clientId });
      }

      const fn = resources[functionId(spec)] as Resource;
      const statements = statementsOfRole(fn.Properties.Role['Fn::GetAtt'][0] as string).filter((s) =>
        asList(s.Action).some((action) => action.startsWith('ssm:')),
      );
      expect(statements).toHaveLength(1);
      expect(asList(statements[0]?.Action)).toEqual(['ssm:GetParameter']);
      expect(JSON.stringify(statements[0]?.Resource)).toMatch(/:parameter\/oms\/api-keys"/);
      for (const other of functions.filter((candidate) => candidate !== spec)) {
        const role = (resources[functionId(other)] as Resource).Properties.Role['Fn::GetAtt'][0] as string;
        expect(JSON.stringify(statementsOfRole(role)), other.name).not.toContain('api-keys');
      }
    });

    it('logs access to a log group and throttles by default', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AccessLogSettings: {
          DestinationArn: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] },
          Format: Match.stringLikeRegexp('\\$context\\.requestId'),
        },
        DefaultRouteSettings: {
          ThrottlingRateLimit: Match.anyValue(),
          ThrottlingBurstLimit: Match.anyValue(),
        },
      });
    });
  });

  describe('When it builds the workflows', () => {
    /** DefinitionBody.fromFile uploads the definition as an asset, which CloudFormation then substitutes. */
    const definitionOf = (stateMachine: Resource): string =>
      readFileSync(
        join(assemblyDirectory, `asset.${stateMachine.Properties.DefinitionS3Location.Key}`),
        'utf8',
      );
    const machine = (file: string): Resource => {
      const found = ofType('AWS::StepFunctions::StateMachine').filter(
        ([, m]) => definitionOf(m) === aslFile(file),
      );
      expect(found, file).toHaveLength(1);
      return (found[0] as [string, Resource])[1];
    };

    it('loads both state machines from statemachines/ with every placeholder substituted', () => {
      template.resourceCountIs('AWS::StepFunctions::StateMachine', 2);
      for (const file of ['order-fulfillment.asl.json', 'order-shipping.asl.json']) {
        const stateMachine = machine(file);
        const { DefinitionSubstitutions } = stateMachine.Properties;
        const unresolved = definitionOf(stateMachine).replace(/\$\{(\w+)\}/g, (placeholder, name: string) =>
          name in DefinitionSubstitutions ? 'resolved' : placeholder,
        );
        expect(unresolved.match(/\$\{\w+\}/g), file).toBeNull();
      }
    });

    it('references each workflow task function from the machine that invokes it', () => {
      const substitutions = {
        ...machine('order-fulfillment.asl.json').Properties.DefinitionSubstitutions,
        ...machine('order-shipping.asl.json').Properties.DefinitionSubstitutions,
      };
      const tasks = functions.filter((spec) => spec.trigger.kind === 'workflow');
      expect(tasks.length).toBeGreaterThan(0);
      for (const spec of tasks) {
        if (spec.trigger.kind !== 'workflow') continue;
        expect(substitutions[spec.trigger.substitution], spec.name).toEqual(getAtt(functionId(spec)));
      }
    });

    /** The states an execution passes through when no task fails: Next from StartAt until End. */
    const happyPath = (definition: AslDefinition): string[] => {
      const path: string[] = [];
      for (let name: string | undefined = definition.StartAt; name !== undefined; ) {
        expect(path, 'the happy path loops').not.toContain(name);
        path.push(name);
        name = definition.States[name]?.Next;
      }
      return path;
    };
    /** The states a Catch leads through until a terminal state. */
    const compensation = (definition: AslDefinition, from: string): string[] => {
      const path: string[] = [];
      for (let name: string | undefined = from; name !== undefined; name = definition.States[name]?.Next) {
        path.push(name);
      }
      return path;
    };
    const undo = ['Void or refund payment', 'Release stock', 'Mark order failed', 'Order failed'];

    it('runs order-fulfillment as a Standard workflow whose happy path is the pick wait alone', () => {
      const fulfillment = machine('order-fulfillment.asl.json');
      expect(fulfillment.Properties).toMatchObject({
        StateMachineType: 'STANDARD',
        TracingConfiguration: { Enabled: true },
      });
      const definition = asl('order-fulfillment.asl.json');
      // One state entered per order on the happy path: one billed Standard transition.
      expect(happyPath(definition)).toEqual(['Allocate stock and wait for pick confirmation']);
      const wait = definition.States['Allocate stock and wait for pick confirmation'] as AslState;
      expect(wait).toMatchObject({
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        TimeoutSeconds: expect.any(Number),
        Retry: expect.any(Array),
        End: true,
      });
      expect(wait.Catch?.map((c) => [c.ErrorEquals, c.Next])).toEqual([
        [['OutOfStockError'], 'Order is backordered'],
        [['States.ALL'], 'Void or refund payment'],
      ]);
      expect(compensation(definition, 'Void or refund payment')).toEqual(undo);
      expect(definition.States['Order failed']?.Type).toBe('Fail');
      // It starts nothing: the pick confirmation starts order-shipping.
      expect(aslFile('order-fulfillment.asl.json')).not.toContain('states:startExecution');
      expect(Object.keys(fulfillment.Properties.DefinitionSubstitutions)).not.toContain(
        'ShippingStateMachineArn',
      );
    });

    it('runs order-shipping as a logged Express workflow that compensates its own failures', () => {
      const shipping = machine('order-shipping.asl.json');
      expect(shipping.Properties.StateMachineType).toBe('EXPRESS');
      // Express executions keep no history: without logs a failed one leaves no trace.
      expect(['ALL', 'ERROR']).toContain(shipping.Properties.LoggingConfiguration?.Level);
      const definition = asl('order-shipping.asl.json');
      expect(happyPath(definition)).toEqual(['Select carrier', 'Bill', 'Notify']);
      for (const step of ['Select carrier', 'Bill']) {
        expect(definition.States[step]?.Catch, step).toEqual([
          { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Void or refund payment' },
        ]);
      }
      // The goods are gone once billed: a failed notification is recorded, not undone.
      expect(definition.States.Notify?.Catch?.map((c) => c.Next)).toEqual(['Notification failed']);
      expect(definition.States['Notification failed']?.Type).toBe('Succeed');
      expect(compensation(definition, 'Void or refund payment')).toEqual(undo);
      expect(definition.States['Order failed']?.Type).toBe('Fail');

      // The same undo as order-fulfillment's: the same functions with the same payloads.
      const standard = asl('order-fulfillment.asl.json');
      const substitutionsOf = (file: string) =>
        machine(file).Properties.DefinitionSubstitutions as Record<string, unknown>;
      for (const name of undo.slice(0, 3)) {
        const state = definition.States[name] as AslState;
        expect(state.Parameters, name).toEqual(standard.States[name]?.Parameters);
        const placeholder = /^\$\{(\w+)\}$/.exec(String(state.Parameters?.FunctionName))?.[1] as string;
        expect(substitutionsOf('order-shipping.asl.json')[placeholder], name).toEqual(
          substitutionsOf('order-fulfillment.asl.json')[placeholder],
        );
      }
    });

    it('lets each machine invoke only its own task functions, and start or follow no execution', () => {
      for (const file of ['order-fulfillment.asl.json', 'order-shipping.asl.json']) {
        const stateMachine = machine(file);
        const roleId = stateMachine.Properties.RoleArn['Fn::GetAtt'][0] as string;
        const statements = statementsOfRole(roleId);
        const invoked = statements
          .filter((s) => asList(s.Action).some((a) => a.startsWith('lambda:')))
          .flatMap((s) => asList(s.Resource).map((r) => JSON.stringify(r)));
        const tasks = Object.values(
          stateMachine.Properties.DefinitionSubstitutions as Record<string, unknown>,
        )
          .filter((value) => {
            const target = (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt']?.[0];
            return target !== undefined && resources[target]?.Type === 'AWS::Lambda::Function';
          })
          .map((value) => JSON.stringify(value));
        expect(tasks.length, file).toBeGreaterThan(0);
        expect(invoked.sort(), file).toEqual(tasks.sort());
        const actions = statements.flatMap((s) => asList(s.Action));
        expect(
          actions.filter((a) => a.startsWith('states:') || a.startsWith('events:')),
          file,
        ).toEqual([]);
      }
      // The shipping machine undoes its own failures, so it may invoke the compensation functions.
      const shippingRole = machine('order-shipping.asl.json').Properties.RoleArn['Fn::GetAtt'][0] as string;
      const invokable = JSON.stringify(
        statementsOfRole(shippingRole)
          .filter((s) => asList(s.Action).includes('lambda:InvokeFunction'))
          .flatMap((s) => asList(s.Resource)),
      );
      for (const name of ['cancel-payment', 'release-allocation', 'mark-order-failed']) {
        const spec = functions.find((candidate) => candidate.name === name) as FunctionSpec;
        expect(invokable, name).toContain(JSON.stringify(getAtt(functionId(spec))));
      }
    });

    it('fails with a clear error when an ASL placeholder has no matching workflow function', () => {
      const stack = new Stack(testApp(), 'Broken');
      const fns = new Functions(stack, 'Functions');
      const tasks = fns.withTrigger('workflow').filter((t) => t.spec.name !== 'allocate-order');
      expect(() => new Workflow(stack, 'Workflow', { tasks })).toThrow(
        /order-fulfillment\.asl\.json uses \$\{AllocateOrderFunctionArn\}.*substitution: 'AllocateOrderFunctionArn'/,
      );
    });
  });

  describe('When it builds the events', () => {
    const queueConsumedBy = (queueName: string): string => {
      const consumer = functions.find(
        (spec) => spec.trigger.kind === 'queue' && spec.trigger.queue === queueName,
      );
      expect(consumer, queueName).toBeDefined();
      const mappings = Object.values(
        template.findResources('AWS::Lambda::EventSourceMapping', {
          Properties: { FunctionName: { Ref: functionId(consumer as FunctionSpec) } },
        }),
      );
      expect(mappings, queueName).toHaveLength(1);
      return (mappings[0] as Resource).Properties.EventSourceArn['Fn::GetAtt'][0] as string;
    };

    it('names the bus from shared/config/resources.ts and archives every oms.* event for 30 days', () => {
      template.hasResourceProperties('AWS::Events::EventBus', { Name: resourceNames.eventBusName });
      template.hasResourceProperties('AWS::Events::Archive', {
        RetentionDays: 30,
        EventPattern: Match.exact({ source: [{ prefix: 'oms.' }] }),
      });
    });

    it('creates one rule per entry of shared/config/event-rules.ts with its pattern and queue', () => {
      template.resourceCountIs('AWS::Events::Rule', eventRules.length);
      for (const rule of eventRules) {
        template.hasResourceProperties('AWS::Events::Rule', {
          Description: rule.description,
          EventPattern: Match.exact(rule.pattern),
          Targets: [Match.objectLike({ Arn: getAtt(queueConsumedBy(rule.target)) })],
        });
      }
    });

    it('gives each queue a dead-letter queue and a visibility timeout of at least six consumer timeouts', () => {
      const queues = ofType('AWS::SQS::Queue').filter(([, q]) => q.Properties.RedrivePolicy);
      expect(queues.map(([id]) => id).sort()).toEqual(QUEUE_NAMES.map(queueConsumedBy).sort());
      for (const [id, queue] of queues) {
        const deadLetters = resources[
          queue.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0]
        ] as Resource;
        expect(deadLetters.Type).toBe('AWS::SQS::Queue');
        expect(deadLetters.Properties.MessageRetentionPeriod, id).toBe(14 * 24 * 3600);
        expect(queue.Properties.RedrivePolicy.maxReceiveCount, id).toBe(queueSettings.maxReceiveCount);
        expect(queue.Properties.SqsManagedSseEnabled ?? queue.Properties.KmsMasterKeyId, id).toBeTruthy();
      }
      for (const spec of functions) {
        if (spec.trigger.kind !== 'queue') continue;
        const queue = resources[queueConsumedBy(spec.trigger.queue)] as Resource;
        expect(queue.Properties.VisibilityTimeout, spec.name).toBeGreaterThanOrEqual(
          Math.max(queueSettings.visibilityTimeoutSeconds, 6 * spec.timeoutSeconds),
        );
      }
    });

    it('feeds each consumer in batches that report item failures', () => {
      const mappings = ofType('AWS::Lambda::EventSourceMapping').filter(
        ([, mapping]) => !mapping.Properties.StartingPosition,
      );
      expect(mappings).toHaveLength(QUEUE_NAMES.length);
      for (const [, mapping] of mappings) {
        expect(mapping.Properties.BatchSize).toBe(queueSettings.batchSize);
        expect(mapping.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
      }
    });

    it('publishes the outbox from the table stream, filtered to new outbox rows, with a DLQ', () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        StartingPosition: 'TRIM_HORIZON',
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        FilterCriteria: { Filters: [{ Pattern: JSON.stringify(outboxStreamFilter) }] },
        DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
      });
    });

    it('refuses plain-HTTP access to every queue', () => {
      const queueIds = ofType('AWS::SQS::Queue').map(([id]) => id);
      for (const id of queueIds) {
        template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: id }],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            ]),
          },
        });
      }
    });
  });

  describe('When it builds the jobs', () => {
    it('creates one schedule per entry of shared/config/schedules.ts, invoking its job function', () => {
      template.resourceCountIs('AWS::Scheduler::Schedule', schedules.length);
      for (const schedule of schedules) {
        const job = functions.find(
          (spec) => spec.trigger.kind === 'schedule' && spec.trigger.schedule === schedule.name,
        );
        expect(job, schedule.name).toBeDefined();
        template.hasResourceProperties('AWS::Scheduler::Schedule', {
          ScheduleExpression: schedule.expression,
          Target: Match.objectLike({
            Arn: getAtt(functionId(job as FunctionSpec)),
            DeadLetterConfig: { Arn: Match.anyValue() },
            RetryPolicy: Match.anyValue(),
          }),
        });
      }
    });

    it('lets each schedule invoke only its own function', () => {
      for (const [, schedule] of ofType('AWS::Scheduler::Schedule')) {
        const roleId = schedule.Properties.Target.RoleArn['Fn::GetAtt'][0] as string;
        const invoke = statementsOfRole(roleId).filter((s) =>
          asList(s.Action).includes('lambda:InvokeFunction'),
        );
        expect(invoke.flatMap((s) => asList(s.Resource))).toEqual([schedule.Properties.Target.Arn]);
      }
    });
  });

  describe('When it builds the bucket', () => {
    it('blocks public access, encrypts, versions and logs access to a separate bucket', () => {
      const blockAll = {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      };
      template.allResourcesProperties('AWS::S3::Bucket', { PublicAccessBlockConfiguration: blockAll });
      template.hasResourceProperties('AWS::S3::Bucket', {
        VersioningConfiguration: { Status: 'Enabled' },
        // Documents are written with a per-object retention (docs/paperwork.md); no default retention.
        ObjectLockEnabled: true,
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        LoggingConfiguration: { DestinationBucketName: { Ref: Match.anyValue() } },
        LifecycleConfiguration: {
          Rules: Match.arrayWith([Match.objectLike({ NoncurrentVersionExpiration: Match.anyValue() })]),
        },
      });
    });
  });

  describe('When it builds the console', () => {
    it('serves it from a private bucket through CloudFront, and lets only that origin call the API', () => {
      const [distributionId, distribution] = ofType('AWS::CloudFront::Distribution')[0] as [string, Resource];
      expect(distribution.Properties.DistributionConfig).toMatchObject({
        DefaultRootObject: 'index.html',
        DefaultCacheBehavior: { ViewerProtocolPolicy: 'redirect-to-https' },
        Origins: [expect.objectContaining({ OriginAccessControlId: expect.anything() })],
      });
      const [, api] = ofType('AWS::ApiGatewayV2::Api')[0] as [string, Resource];
      expect(JSON.stringify(api.Properties.CorsConfiguration.AllowOrigins)).toContain(distributionId);
      expect(api.Properties.CorsConfiguration.AllowOrigins).toHaveLength(1);
      const deployments = ofType('Custom::CDKBucketDeployment');
      expect(deployments).toHaveLength(1);
      // index.html, styles.css, app.js and config.json (the API's URL, a deploy-time value).
      const deployment = (deployments[0] as [string, Resource])[1].Properties;
      expect(deployment.SourceObjectKeys).toHaveLength(4);
      expect(JSON.stringify(deployment.SourceMarkers)).toContain('ApiHttpApi');
      expect(deployment.DestinationBucketName).toEqual({ Ref: expect.stringMatching(/^ConsoleSite/) });
    });
  });

  it('outputs the API URL, table, bus, state machines and bucket', () => {
    for (const name of [
      'ApiUrl',
      'TableName',
      'BusName',
      'StateMachineArn',
      'ShippingStateMachineArn',
      'BucketName',
      'ConsoleUrl',
      'AgentUserPoolId',
    ]) {
      template.hasOutput(name, { Value: Match.anyValue() });
    }
  });
});
