import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Arn, ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import type { IUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus, IRule } from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { type ILogGroup, LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { formatQueueUrls } from '../../shared/adapters/aws/sqs-queue-depths.js';
import { API_KEYS_PARAMETER } from '../../shared/adapters/aws/ssm-secret-store.js';
import {
  type FunctionSpec,
  functions,
  handlerEntry,
  type QueueName,
  type Trigger,
} from '../../shared/config/functions.js';
import { notificationEmail } from '../../shared/config/notifications.js';
import { purchasingEmail } from '../../shared/config/purchasing.js';
import { envNames } from '../../shared/config/resources.js';
import { WEBHOOK_RULE_NAME } from '../../shared/config/webhooks.js';
import { acknowledge, acknowledgeWildcard, pascalCase } from './nag.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Webhook signing secrets live under this SSM path, one parameter per channel. */
export const webhookSecretsPrefix = '/oms/webhook-secrets/';

/** What every function may be given access to through its spec's `permissions`. */
export interface SharedResources {
  table: ITable;
  bus: IEventBus;
  bucket: IBucket;
  /** The Standard workflow: started by 'workflow:start', called back by 'workflow:callback'. */
  stateMachine: IStateMachine;
  /** The Express shipping workflow: started by 'shipping:start'. */
  shippingStateMachine: IStateMachine;
  /** The bus's rules by name: 'webhook-rule:update' may re-point the webhooks rule. */
  rules: ReadonlyMap<string, IRule>;
  /** The event queues by name: 'webhook-retry:send' may send to the webhooks queue. */
  queues: ReadonlyMap<QueueName, IQueue>;
  /** The console's Cognito app client: 'agents:sign-in' signs agents in with it. */
  agentClient: IUserPoolClient;
}

/**
 * What makes two functions' roles interchangeable: the same bounded context (so the same log group), the same
 * permissions and, for a queue consumer, the same queue. Functions with the same key hold exactly the same
 * grants, so one role serves them all without widening what any of them may do (decision 0014).
 */
export function roleKey(spec: FunctionSpec): string {
  const queue = spec.trigger.kind === 'queue' ? spec.trigger.queue : '';
  return [spec.context, [...spec.permissions].sort().join('+'), queue].join('|');
}

/**
 * The role of every function with one `roleKey`. Findings about the role's policy are acknowledged on this
 * construct, so they cover these functions' role only.
 */
export class FunctionRole extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, specs: readonly FunctionSpec[], logGroup: ILogGroup) {
    super(scope, id);
    // An own role instead of the default one: the default attaches the AWSLambdaBasicExecutionRole managed
    // policy, which may write to every log group in the account.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${specs.map((spec) => `${spec.context}/${spec.name}`).join(', ')}`.slice(0, 1000),
    });
    logGroup.grantWrite(this.role);
    acknowledge(
      this,
      'IAM5[Resource::*]',
      'Active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support no ' +
        'resource-level permissions.',
    );
  }
}

/**
 * One Lambda function of the config, with the role of its `roleKey`, writing to its bounded context's log
 * group. Findings about the function are acknowledged on this construct, findings about its role's policy
 * on the role's construct (`roleScope`), so they cover these functions only.
 */
export class ServiceFunction<T extends Trigger = Trigger> extends Construct {
  readonly fn: NodejsFunction;
  private readonly roleScope: Construct;

  constructor(
    scope: Construct,
    readonly spec: FunctionSpec & { trigger: T },
    logGroup: ILogGroup,
    functionRole: FunctionRole,
  ) {
    super(scope, pascalCase(spec.name));
    this.roleScope = functionRole;
    const { role } = functionRole;

    this.fn = new NodejsFunction(this, 'Function', {
      ...entryOrPlaceholder(this, spec),
      description: `${spec.context}: ${spec.name}`,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: spec.memoryMb,
      timeout: Duration.seconds(spec.timeoutSeconds),
      tracing: Tracing.ACTIVE,
      logGroup,
      role,
      projectRoot: repoRoot,
      depsLockFilePath: join(repoRoot, 'package-lock.json'),
      environment: {
        POWERTOOLS_SERVICE_NAME: spec.context,
        // Stack traces point into the TypeScript sources through the bundled source maps.
        NODE_OPTIONS: '--enable-source-maps',
        [envNames.secretsParameterPrefix]: webhookSecretsPrefix,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        sourceMap: true,
        // Bundled CommonJS dependencies call require() for Node built-ins, which an ES module does not have.
        banner:
          "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
        // The Lambda runtime ships the AWS SDK v3; everything else is bundled.
        externalModules: ['@aws-sdk/*'],
        mainFields: ['module', 'main'],
      },
    });

    acknowledge(
      this,
      'L1',
      'nodejs22.x is the runtime the handlers are built and tested for (esbuild target node22, Node 22 in ' +
        'development); moving to a newer runtime is a deliberate upgrade, not drift.',
    );
  }

  /** Environment and permissions from the spec's `permissions`, and nothing else. */
  connect({
    table,
    bus,
    bucket,
    stateMachine,
    shippingStateMachine,
    rules,
    queues,
    agentClient,
  }: SharedResources): void {
    const { fn } = this;
    const permissions = new Set(this.spec.permissions);
    fn.addEnvironment(envNames.tableName, table.tableName);
    fn.addEnvironment(envNames.eventBusName, bus.eventBusName);

    if (permissions.has('table:read')) table.grantReadData(fn);
    if (permissions.has('table:write')) table.grantWriteData(fn);
    if (permissions.has('table:read') || permissions.has('table:write')) {
      acknowledgeWildcard(
        this.roleScope,
        `${table.tableArn}/index/*`,
        'The table grant covers its global secondary indexes (every index of shared/config/table.ts) ' +
          'through <table>/index/*; no other table is reachable.',
      );
    }
    if (permissions.has('bus:put')) bus.grantPutEventsTo(fn);
    if (permissions.has('workflow:start') || permissions.has('workflow:read')) {
      fn.addEnvironment(envNames.stateMachineArn, stateMachine.stateMachineArn);
    }
    if (permissions.has('workflow:start')) {
      stateMachine.grantStartExecution(fn);
    }
    if (permissions.has('workflow:callback')) stateMachine.grantTaskResponse(fn);
    if (permissions.has('shipping:start')) {
      fn.addEnvironment(envNames.shippingStateMachineArn, shippingStateMachine.stateMachineArn);
      // StartExecution on this one state machine; no DescribeExecution, which Express executions do not support.
      shippingStateMachine.grantStartExecution(fn);
    }
    if (permissions.has('workflow:read')) this.grantDescribeExecutions(stateMachine);
    const read = permissions.has('bucket:read');
    const write = permissions.has('bucket:write');
    const retain = permissions.has('bucket:retain');
    if (retain && !write) throw new Error(`${this.spec.name}: 'bucket:retain' needs 'bucket:write'`);
    if (read || write) {
      fn.addEnvironment(envNames.bucketName, bucket.bucketName);
      this.grantBucket(bucket, read, write, retain);
    }
    if (permissions.has('secrets:read')) this.grantSecrets();
    if (permissions.has('apikeys:read')) this.grantApiKeys();
    if (permissions.has('webhook-rule:update')) {
      const rule = rules.get(WEBHOOK_RULE_NAME);
      if (!rule) throw new Error(`${this.spec.name} needs the rule ${WEBHOOK_RULE_NAME}; it is not declared`);
      fn.addEnvironment(envNames.webhookRuleArn, rule.ruleArn);
      // PutRule on this one rule: the function can change its pattern, not create or touch another rule.
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['events:PutRule'], resources: [rule.ruleArn] }));
    }
    if (permissions.has('webhook-retry:send')) {
      const queue = queues.get('webhooks');
      if (!queue) throw new Error(`${this.spec.name} needs the webhooks queue; it is not declared`);
      fn.addEnvironment(envNames.webhookQueueUrl, queue.queueUrl);
      queue.grantSendMessages(fn);
    }
    if (permissions.has('email:send')) this.grantEmail();
    // InitiateAuth is a public Cognito API authorized by the client id, not by IAM: only the id is passed.
    if (permissions.has('agents:sign-in'))
      fn.addEnvironment(envNames.agentClientId, agentClient.userPoolClientId);
    if (permissions.has('sms:send')) this.grantSms();
  }

  /**
   * 'sms:send': sns:Publish for SMS to a phone number. SNS has no resource for a phone number, so the
   * statement names '*'; the function's code publishes to phone numbers only (AwsCustomerMessages).
   */
  private grantSms(): void {
    this.fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: ['*'] }));
    acknowledgeWildcard(
      this.roleScope,
      '*',
      'SNS SMS to a phone number has no resource ARN to scope sns:Publish to (customer notifications).',
    );
  }

  /**
   * 'email:send': the sender address in the environment and ses:SendEmail on the one SES identity it belongs
   * to (CDK context `purchasingEmailFrom` / `purchasingEmailIdentity`, defaults in shared/config/purchasing.ts).
   */
  private grantEmail(): void {
    const context = (name: string, fallback: string) => {
      const value: unknown = this.node.tryGetContext(name);
      return typeof value === 'string' && value !== '' ? value : fallback;
    };
    this.fn.addEnvironment(
      purchasingEmail.fromEnv,
      context(purchasingEmail.fromContext, purchasingEmail.from),
    );
    // Customer notifications go out from the same identity, under an address of their own.
    this.fn.addEnvironment(
      notificationEmail.fromEnv,
      context(notificationEmail.fromContext, notificationEmail.from),
    );
    const identity = context(purchasingEmail.identityContext, purchasingEmail.identity);
    this.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [
          Stack.of(this).formatArn({ service: 'ses', resource: 'identity', resourceName: identity }),
        ],
      }),
    );
  }

  /**
   * 'queues:read': the dead-letter queues' URLs (by the name of what each serves) and GetQueueAttributes on
   * exactly those queues. Separate from connect() because the outbox's dead-letter queue is built after it.
   */
  connectDeadLetters(deadLetters: ReadonlyMap<string, IQueue>): void {
    if (!this.spec.permissions.includes('queues:read')) return;
    const queues = [...deadLetters];
    this.fn.addEnvironment(
      envNames.deadLetterQueueUrls,
      formatQueueUrls(Object.fromEntries(queues.map(([name, queue]) => [name, queue.queueUrl]))),
    );
    this.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['sqs:GetQueueAttributes'],
        resources: queues.map(([, queue]) => queue.queueArn),
      }),
    );
  }

  private grantDescribeExecutions(stateMachine: IStateMachine): void {
    const stack = Stack.of(this);
    const executions = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${Arn.split(stateMachine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executions] }),
    );
    acknowledgeWildcard(
      this.roleScope,
      executions,
      'Execution names are order ids, known only at run time; the statement only reads executions of the ' +
        'order-fulfillment state machine.',
    );
  }

  private grantBucket(bucket: IBucket, read: boolean, write: boolean, retain: boolean): void {
    // Narrower than bucket.grantRead/grantWrite, whose wildcard actions (s3:GetObject*, s3:List*,
    // s3:DeleteObject*) cover far more than reading and writing objects.
    const objects = bucket.arnForObjects('*');
    const actions = [
      ...(read ? ['s3:GetObject'] : []),
      ...(write ? ['s3:PutObject', 's3:AbortMultipartUpload'] : []),
      // A PutObject that sets an Object Lock retention (documents) also needs this action.
      ...(retain ? ['s3:PutObjectRetention'] : []),
    ];
    this.fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources: [objects] }));
    if (read) {
      this.fn.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }),
      );
    }
    acknowledgeWildcard(
      this.roleScope,
      objects,
      'Exports and documents are stored under keys chosen at run time (dates, order ids); the statement allows ' +
        'only object reads/writes in this one bucket.',
    );
  }

  /** The one parameter holding the API keys; no wildcard, so nothing to acknowledge. */
  private grantApiKeys(): void {
    const name = API_KEYS_PARAMETER.replace(/^\//, '');
    this.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ssm:GetParameter'],
        resources: [Stack.of(this).formatArn({ service: 'ssm', resource: 'parameter', resourceName: name })],
      }),
    );
  }

  private grantSecrets(): void {
    const stack = Stack.of(this);
    const path = webhookSecretsPrefix.replace(/^\/|\/$/g, '');
    const secrets = stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: `${path}/*` });
    this.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'],
        // GetParametersByPath is authorized on the path itself, the others on each parameter below it.
        resources: [stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: path }), secrets],
      }),
    );
    acknowledgeWildcard(
      this.roleScope,
      secrets,
      'Webhook signing secrets are one parameter per sales channel under this path; channels are added ' +
        'without a stack change, and no other parameter is readable.',
    );
  }
}

/**
 * The handler module, or an inline placeholder when it does not exist yet and bundling is skipped: handlers
 * arrive in other changes than the stack, and tests or `cdk ls` must still be able to build everything else.
 */
function entryOrPlaceholder(scope: Construct, spec: FunctionSpec) {
  const entry = join(repoRoot, handlerEntry(spec));
  if (existsSync(entry)) return { entry, handler: 'handler' };
  if (Stack.of(scope).bundlingRequired) {
    throw new Error(
      `${handlerEntry(spec)} is missing: shared/config/functions.ts declares '${spec.name}' ` +
        `(${spec.context}). Add the handler or remove the entry.`,
    );
  }
  return {
    code: Code.fromInline('exports.handler = async () => { throw new Error("handler not built"); };'),
    handler: 'index.handler',
  };
}

/**
 * A role's construct id, from what it grants rather than from which function came first: adding a function
 * with the same permissions never renames (and so replaces) an existing role.
 */
function roleId(spec: FunctionSpec): string {
  const queue = spec.trigger.kind === 'queue' ? [spec.trigger.queue] : [];
  const parts = [spec.context, ...[...spec.permissions].sort(), ...queue];
  return `${pascalCase(parts.join('-'))}Role`;
}

/**
 * Every function of shared/config/functions.ts. The construct that owns a trigger (api, workflow, events,
 * jobs) wires it from `withTrigger`.
 */
export class Functions extends Construct {
  readonly all: readonly ServiceFunction[];

  constructor(scope: Construct, id: string) {
    super(scope, id);
    // One log group per bounded context, not per function: CloudFormation caps a stack at 500 resources and
    // a group per function was a fifth of them. Lambda names each stream after its function, and the
    // Powertools logs carry `function_name`, so one function's lines are still one filter away.
    const logGroups = new Map<string, LogGroup>();
    const logGroupOf = (context: string) => {
      let group = logGroups.get(context);
      if (!group) {
        group = new LogGroup(this, `${pascalCase(context)}Logs`, { retention: RetentionDays.ONE_MONTH });
        logGroups.set(context, group);
      }
      return group;
    };
    // One role per roleKey, not per function: a role and its policy per function were half the stack's
    // resources (decision 0014).
    const sharing = new Map<string, FunctionSpec[]>();
    for (const spec of functions) sharing.set(roleKey(spec), [...(sharing.get(roleKey(spec)) ?? []), spec]);
    const roles = new Map(
      [...sharing].map(([key, specs]) => {
        const [first] = specs as [FunctionSpec];
        return [key, new FunctionRole(this, roleId(first), specs, logGroupOf(first.context))] as const;
      }),
    );
    this.all = functions.map(
      (spec) =>
        new ServiceFunction(this, spec, logGroupOf(spec.context), roles.get(roleKey(spec)) as FunctionRole),
    );
  }

  /** Functions with a trigger of the given kind, in config order. */
  withTrigger<K extends Trigger['kind']>(kind: K): ServiceFunction<Extract<Trigger, { kind: K }>>[] {
    return this.all.filter(
      (f): f is ServiceFunction<Extract<Trigger, { kind: K }>> => f.spec.trigger.kind === kind,
    );
  }

  connect(resources: SharedResources): void {
    for (const f of this.all) f.connect(resources);
  }

  connectDeadLetters(deadLetters: ReadonlyMap<string, IQueue>): void {
    for (const f of this.all) f.connectDeadLetters(deadLetters);
  }
}
