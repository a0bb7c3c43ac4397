import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { pascalCase } from '../../infra/constructs/nag.js';
import { OmsStack } from '../../infra/oms-stack.js';
import { parseQueueUrls } from '../../shared/adapters/aws/sqs-queue-depths.js';
import { functions, QUEUE_NAMES } from '../../shared/config/functions.js';
import {
  ALARMS,
  BUSINESS_METRICS,
  METRICS_NAMESPACE,
  METRICS_SERVICE,
} from '../../shared/config/monitoring.js';
import { envNames } from '../../shared/config/resources.js';

// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation is untyped JSON; the assertions check its shape.
type Resource = { Type: string; Properties: { [key: string]: any } };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** The app as `cdk synth` builds it (cdk.json feature flags), without bundling the handlers. */
function synthesize(): { Resources: Record<string, Resource>; Outputs: Record<string, { Value: unknown }> } {
  const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  const app = new App({
    context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
  });
  return Template.fromStack(new OmsStack(app, 'Oms')).toJSON() as ReturnType<typeof synthesize>;
}

let resources: Record<string, Resource>;
let outputs: Record<string, { Value: unknown }>;
const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
const idStartingWith = (type: string, prefix: string): string => {
  const found = ofType(type).filter(([id]) => id.startsWith(prefix));
  expect(found, `${type} ${prefix}*`).toHaveLength(1);
  return (found[0] as [string, Resource])[0];
};

/** The dead-letter queues by the name of what they serve: the event queues' and the outbox stream's. */
const deadLetterIds = () =>
  new Map([
    ...QUEUE_NAMES.map(
      (name) => [name, idStartingWith('AWS::SQS::Queue', `Events${pascalCase(name)}DeadLetters`)] as const,
    ),
    ['outbox', idStartingWith('AWS::SQS::Queue', 'OutboxFailedRecords')] as const,
  ]);

type WatchedMetric = { Namespace?: string; MetricName?: string; Dimensions?: unknown; stat?: string };

/** The single metric an alarm watches (namespace, name, dimensions), or the math expression's inputs. */
const watched = (alarm: Resource) =>
  (alarm.Properties.Metrics as { MetricStat?: { Metric: Record<string, unknown>; Stat: string } }[])
    .filter((query) => query.MetricStat)
    .map((query) => ({ ...query.MetricStat?.Metric, stat: query.MetricStat?.Stat }) as WatchedMetric);

const alarms = () => ofType('AWS::CloudWatch::Alarm').map(([, alarm]) => alarm);
const alarmsOn = (metricName: string, dimension: unknown) =>
  alarms().filter((alarm) =>
    watched(alarm).some(
      (metric) =>
        metric.MetricName === metricName &&
        JSON.stringify(metric.Dimensions).includes(JSON.stringify(dimension)),
    ),
  );

beforeAll(() => {
  ({ Resources: resources, Outputs: outputs } = synthesize());
});

describe('Given the OMS stack', () => {
  describe('When it builds the alarm topic', () => {
    it('encrypts it with a rotated key that CloudWatch of this account may use, and refuses plain HTTP', () => {
      const keyId = idStartingWith('AWS::KMS::Key', 'MonitoringAlarmTopicKey');
      const key = resources[keyId] as Resource;
      expect(key.Properties.EnableKeyRotation).toBe(true);
      const forCloudWatch = (key.Properties.KeyPolicy.Statement as Record<string, unknown>[]).find(
        (statement) =>
          JSON.stringify(statement.Principal) === JSON.stringify({ Service: 'cloudwatch.amazonaws.com' }),
      );
      expect(forCloudWatch).toMatchObject({
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      });

      const topicId = idStartingWith('AWS::SNS::Topic', 'MonitoringAlarmTopic');
      expect((resources[topicId] as Resource).Properties.KmsMasterKeyId).toEqual({
        'Fn::GetAtt': [keyId, 'Arn'],
      });
      const [, policy] = ofType('AWS::SNS::TopicPolicy').find(([, p]) =>
        JSON.stringify(p.Properties.Topics).includes(topicId),
      ) ?? [undefined, undefined];
      expect(policy?.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 'sns:Publish',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    });

    it('is what every alarm notifies', () => {
      const topicId = idStartingWith('AWS::SNS::Topic', 'MonitoringAlarmTopic');
      expect(alarms().length).toBeGreaterThan(0);
      for (const alarm of alarms()) {
        expect(alarm.Properties.AlarmActions, alarm.Properties.AlarmDescription).toEqual([{ Ref: topicId }]);
        expect(alarm.Properties.TreatMissingData).toBe('notBreaching');
      }
    });
  });

  describe('When it builds the alarms', () => {
    it('alarms on the first message in each dead-letter queue, the outbox stream one included', () => {
      for (const [name, queueId] of deadLetterIds()) {
        const found = alarmsOn('ApproximateNumberOfMessagesVisible', {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [queueId, 'QueueName'] },
        });
        expect(found, name).toHaveLength(1);
        expect(found[0]?.Properties).toMatchObject({
          Threshold: ALARMS.deadLetterMessages,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          EvaluationPeriods: 1,
        });
        expect(watched(found[0] as Resource)[0]).toMatchObject({ Namespace: 'AWS/SQS', stat: 'Maximum' });
      }
      // Only dead-letter queues: a working queue holds messages all the time.
      const working = QUEUE_NAMES.map((name) =>
        idStartingWith('AWS::SQS::Queue', `Events${pascalCase(name)}Queue`),
      );
      for (const queueId of working) {
        expect(
          alarmsOn('ApproximateNumberOfMessagesVisible', {
            Name: 'QueueName',
            Value: { 'Fn::GetAtt': [queueId, 'QueueName'] },
          }),
        ).toHaveLength(0);
      }
    });

    it('alarms on failed and timed-out executions of both state machines', () => {
      const machines = ofType('AWS::StepFunctions::StateMachine');
      expect(machines).toHaveLength(2);
      for (const [machineId, machine] of machines) {
        const express = machine.Properties.StateMachineType === 'EXPRESS';
        const dimension = { Name: 'StateMachineArn', Value: { Ref: machineId } };
        const failed = alarmsOn('ExecutionsFailed', dimension);
        expect(failed, machineId).toHaveLength(1);
        expect(failed[0]?.Properties.Threshold).toBe(
          express ? ALARMS.shippingFailures : ALARMS.fulfillmentFailures,
        );
        const timedOut = alarmsOn('ExecutionsTimedOut', dimension);
        expect(timedOut, machineId).toHaveLength(1);
        expect(timedOut[0]?.Properties.Threshold).toBe(ALARMS.executionTimeouts);
      }
    });

    it('alarms on the errors of every function, in bursts only for workflow tasks', () => {
      for (const spec of functions) {
        const [fnId] =
          ofType('AWS::Lambda::Function').find(
            ([, fn]) => fn.Properties.Description === `${spec.context}: ${spec.name}`,
          ) ?? [];
        const found = alarmsOn('Errors', { Name: 'FunctionName', Value: { Ref: fnId } });
        expect(found, spec.name).toHaveLength(1);
        expect(found[0]?.Properties.Threshold, spec.name).toBe(
          spec.trigger.kind === 'workflow' ? ALARMS.taskFunctionErrors : ALARMS.functionErrors,
        );
      }
    });

    it('shares an errors alarm among at most 10 functions of one kind, summing their errors', () => {
      const tasks = functions.filter((spec) => spec.trigger.kind === 'workflow').length;
      const errorAlarms = alarms().filter((alarm) =>
        watched(alarm).some((metric) => metric.MetricName === 'Errors'),
      );
      // Far fewer alarms than functions: the stack stays within CloudFormation's 500 resources.
      expect(errorAlarms).toHaveLength(Math.ceil(tasks / 10) + Math.ceil((functions.length - tasks) / 10));
      for (const alarm of errorAlarms) {
        const metrics = watched(alarm);
        expect(metrics.length).toBeGreaterThan(0);
        expect(metrics.length).toBeLessThanOrEqual(10);
        expect(metrics.every((metric) => metric.MetricName === 'Errors' && metric.stat === 'Sum')).toBe(true);
        const expressions = (alarm.Properties.Metrics as { Expression?: string }[]).filter(
          (q) => q.Expression,
        );
        expect(expressions.map((q) => q.Expression)).toEqual(['SUM(METRICS())']);
        // Workflow tasks and the rest apart: their thresholds differ.
        const specs = metrics.map((metric) => {
          const ref = JSON.stringify(metric.Dimensions).match(/"Ref":"([^"]+)"/)?.[1] ?? '';
          return functions.find(
            (spec) => resources[ref]?.Properties.Description === `${spec.context}: ${spec.name}`,
          );
        });
        expect(specs.every(Boolean)).toBe(true);
        expect(new Set(specs.map((spec) => spec?.trigger.kind === 'workflow')).size).toBe(1);
      }
    });

    it('alarms on throttled table requests and on API 5xx', () => {
      const tableId = idStartingWith('AWS::DynamoDB::Table', 'DataTable');
      const throttled = alarmsOn('WriteThrottleEvents', { Name: 'TableName', Value: { Ref: tableId } });
      expect(throttled).toHaveLength(1);
      expect(watched(throttled[0] as Resource).map((metric) => metric.MetricName)).toEqual([
        'ReadThrottleEvents',
        'WriteThrottleEvents',
      ]);
      const apiId = idStartingWith('AWS::ApiGatewayV2::Api', 'ApiHttpApi');
      const api5xx = alarmsOn('5xx', { Name: 'ApiId', Value: { Ref: apiId } });
      expect(api5xx).toHaveLength(1);
      expect(api5xx[0]?.Properties.Threshold).toBe(ALARMS.api5xx);
    });
  });

  describe('When it builds the dashboard', () => {
    type Widget = {
      type: string;
      properties: { title?: string; metrics?: unknown[][]; alarms?: string[]; markdown?: string };
    };
    /**
     * The dashboard's widgets. Its body is a JSON string joined with references; each reference becomes
     * `<id>` (or `<id.Attribute>`), which keeps the JSON valid since references only stand inside strings.
     */
    const widgets = (): Widget[] => {
      const dashboards = ofType('AWS::CloudWatch::Dashboard');
      expect(dashboards).toHaveLength(1);
      const [, dashboard] = dashboards[0] as [string, Resource];
      const [, parts] = dashboard.Properties.DashboardBody['Fn::Join'] as [string, unknown[]];
      const text = parts
        .map((part) => {
          if (typeof part === 'string') return part;
          const node = part as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
          return node.Ref ? `<${node.Ref}>` : `<${node['Fn::GetAtt']?.join('.')}>`;
        })
        .join('');
      return (JSON.parse(text) as { widgets: Widget[] }).widgets;
    };
    /** Every metric graphed, as `namespace metric dimension=value …`. */
    const graphed = () =>
      widgets().flatMap((widget) =>
        (widget.properties.metrics ?? []).map((row) => {
          const [namespace, name, ...rest] = row.filter((cell) => typeof cell === 'string') as string[];
          const dimensions: string[] = [];
          for (let i = 0; i + 1 < rest.length; i += 2) dimensions.push(`${rest[i]}=${rest[i + 1]}`);
          return [namespace, name, ...dimensions].join(' ');
        }),
      );

    it('graphs every business metric under the namespace and service the handlers record them with', () => {
      const metrics = graphed();
      for (const name of Object.values(BUSINESS_METRICS)) {
        expect(metrics).toContain(`${METRICS_NAMESPACE} ${name} service=${METRICS_SERVICE}`);
      }
    });

    it('graphs each dead-letter queue, both state machines, every function, the table and the API', () => {
      const metrics = graphed();
      for (const [name, queueId] of deadLetterIds()) {
        expect(metrics, name).toContain(
          `AWS/SQS ApproximateNumberOfMessagesVisible QueueName=<${queueId}.QueueName>`,
        );
      }
      for (const [machineId] of ofType('AWS::StepFunctions::StateMachine')) {
        for (const metric of [
          'ExecutionsStarted',
          'ExecutionsSucceeded',
          'ExecutionsFailed',
          'ExecutionsTimedOut',
        ]) {
          expect(metrics).toContain(`AWS/States ${metric} StateMachineArn=<${machineId}>`);
        }
      }
      // Every function of the OMS; CDK's deployment-time handler (console files) is not the OMS's.
      for (const [fnId] of ofType('AWS::Lambda::Function').filter(([id]) => !id.startsWith('CustomCDK'))) {
        expect(metrics).toContain(`AWS/Lambda Errors FunctionName=<${fnId}>`);
        expect(metrics).toContain(`AWS/Lambda Throttles FunctionName=<${fnId}>`);
      }
      const tableId = idStartingWith('AWS::DynamoDB::Table', 'DataTable');
      expect(metrics).toContain(`AWS/DynamoDB ReadThrottleEvents TableName=<${tableId}>`);
      expect(metrics).toContain(`AWS/DynamoDB WriteThrottleEvents TableName=<${tableId}>`);
      const apiId = idStartingWith('AWS::ApiGatewayV2::Api', 'ApiHttpApi');
      expect(metrics).toContain(`AWS/ApiGateway 5xx ApiId=<${apiId}>`);
    });

    it('shows the state of every alarm', () => {
      const listed = widgets().flatMap((widget) => widget.properties.alarms ?? []);
      expect(listed.map((arn) => arn.replace(/^<|\.Arn>$/g, '')).sort()).toEqual(
        ofType('AWS::CloudWatch::Alarm')
          .map(([id]) => id)
          .sort(),
      );
    });
  });

  describe("When it grants 'queues:read'", () => {
    const withPermission = functions.filter((spec) => spec.permissions.includes('queues:read'));
    const functionOf = (name: string) =>
      ofType('AWS::Lambda::Function').find(([, fn]) =>
        functions.find(
          (spec) => spec.name === name && fn.Properties.Description === `${spec.context}: ${name}`,
        ),
      ) as [string, Resource];
    const statements = (fnId: string): Statement[] => {
      const roleId = (resources[fnId] as Resource).Properties.Role['Fn::GetAtt'][0] as string;
      return ofType('AWS::IAM::Policy')
        .filter(([, policy]) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
        .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Statement[]);
    };

    it('is held by the live metrics functions (the API’s and the console’s)', () => {
      expect(withPermission.map((spec) => spec.name).sort()).toEqual([
        'get-agent-metrics',
        'get-live-metrics',
      ]);
    });

    it('passes the URL of every dead-letter queue by name, and reads the depth of those queues only', () => {
      const [fnId, fn] = functionOf('get-live-metrics');
      const variable = fn.Properties.Environment.Variables[envNames.deadLetterQueueUrls];
      const [, parts] = variable['Fn::Join'] as [string, unknown[]];
      // The URL of a queue is its Ref: resolve the pieces to ids, then read them as the adapter does.
      const text = parts.map((part) =>
        typeof part === 'string' ? part : `ref:${(part as { Ref: string }).Ref}`,
      );
      const urls = parseQueueUrls(text.join(''));
      expect(urls).toEqual(Object.fromEntries([...deadLetterIds()].map(([name, id]) => [name, `ref:${id}`])));

      const reads = statements(fnId).filter((s) => asList(s.Action).includes('sqs:GetQueueAttributes'));
      expect(reads).toHaveLength(1);
      expect(reads[0]?.Action).toBe('sqs:GetQueueAttributes');
      const arns = (ids: Iterable<string>) =>
        [...ids].map((id) => JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] })).sort();
      expect(
        asList(reads[0]?.Resource)
          .map((arn) => JSON.stringify(arn))
          .sort(),
      ).toEqual(arns(deadLetterIds().values()));
    });

    it('gives no other function the variable', () => {
      for (const spec of functions.filter((s) => !s.permissions.includes('queues:read'))) {
        const [, fn] = functionOf(spec.name);
        expect(envNames.deadLetterQueueUrls in fn.Properties.Environment.Variables, spec.name).toBe(false);
      }
    });
  });

  it('outputs the alarm topic to subscribe to and the dashboard name', () => {
    expect(outputs.AlarmTopicArn?.Value).toEqual({
      Ref: idStartingWith('AWS::SNS::Topic', 'MonitoringAlarmTopic'),
    });
    expect(outputs.DashboardName?.Value).toEqual({
      Ref: idStartingWith('AWS::CloudWatch::Dashboard', 'MonitoringDashboard'),
    });
  });
});
