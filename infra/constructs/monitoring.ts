import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { FunctionSpec } from '../../shared/config/functions.js';
import {
  ALARMS,
  BUSINESS_METRICS,
  type BusinessMetric,
  METRICS_NAMESPACE,
  METRICS_SERVICE,
} from '../../shared/config/monitoring.js';
import { resourceNames } from '../../shared/config/resources.js';
import type { ServiceFunction } from './functions.js';
import { pascalCase } from './nag.js';

export interface MonitoringProps {
  functions: readonly ServiceFunction[];
  /** By the machine's name (shared/config/resources.ts). */
  stateMachines: ReadonlyMap<string, IStateMachine>;
  /** Every dead-letter queue, by the name of the queue or stream it serves. */
  deadLetters: ReadonlyMap<string, IQueue>;
  table: ITable;
  api: IHttpApi;
}

/**
 * The operations dashboard and its alarms. Built from the metrics AWS publishes anyway (SQS, Step Functions,
 * Lambda, DynamoDB, API Gateway) and the business counts the handlers record as EMF log lines
 * (shared/config/monitoring.ts), so nothing is written or published per order for it. Every alarm notifies
 * one SNS topic; subscribe to it (output `AlarmTopicArn`). Definitions: docs/monitoring.md.
 */
export class Monitoring extends Construct {
  readonly dashboard: Dashboard;
  readonly alarmTopic: Topic;
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const period = Duration.minutes(ALARMS.periodMinutes);

    // CloudWatch can publish to an encrypted topic only with a customer managed key whose policy lets it
    // (the AWS managed SNS key's policy does not).
    const key = new Key(this, 'AlarmTopicKey', {
      description: 'Encrypts the OMS alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: 'OMS alarms',
      masterKey: key,
      enforceSSL: true,
    });
    const notify = new SnsAction(this.alarmTopic);

    const alarms: Alarm[] = [];
    const alarm = (alarmId: string, metric: IMetric, threshold: number, description: string) => {
      const created = new Alarm(this, alarmId, {
        metric,
        alarmDescription: description,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // No data is no traffic: a queue nobody wrote to, a function nobody called.
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(notify);
      alarms.push(created);
      return created;
    };

    // ---- Dead-letter queues: any message is a delivery a consumer gave up on.
    const deadLetterDepths = [...props.deadLetters].map(([name, queue]) => {
      const metric = queue.metricApproximateNumberOfMessagesVisible({
        period,
        statistic: 'Maximum',
        label: name,
      });
      alarm(
        `${pascalCase(name)}DeadLettersAlarm`,
        metric,
        ALARMS.deadLetterMessages,
        `Messages in the ${name} dead-letter queue: deliveries that failed every retry. Fix the cause, then ` +
          'redrive them (docs/monitoring.md).',
      );
      return metric;
    });

    // ---- Workflows.
    const executions = [...props.stateMachines].map(([name, machine]) => {
      const failures =
        name === resourceNames.shippingStateMachineName
          ? ALARMS.shippingFailures
          : ALARMS.fulfillmentFailures;
      const failed = machine.metricFailed({ period, statistic: 'Sum', label: 'failed' });
      const timedOut = machine.metricTimedOut({ period, statistic: 'Sum', label: 'timed out' });
      alarm(
        `${pascalCase(name)}FailedAlarm`,
        failed,
        failures,
        `${name}: at least ${failures} failed execution(s) in ${ALARMS.periodMinutes} minutes.`,
      );
      alarm(
        `${pascalCase(name)}TimedOutAlarm`,
        timedOut,
        ALARMS.executionTimeouts,
        `${name}: an execution timed out.`,
      );
      return {
        name,
        metrics: [
          machine.metricStarted({ period, statistic: 'Sum', label: 'started' }),
          machine.metricSucceeded({ period, statistic: 'Sum', label: 'succeeded' }),
          failed,
          timedOut,
        ],
      };
    });

    // ---- Functions. One alarm per function would be one CloudFormation resource each, and a stack holds
    // at most 500: up to 10 functions share an alarm (as many metrics as an alarm's expression may read),
    // workflow tasks apart for their own threshold. The dashboard graphs each function's errors.
    const errors = props.functions.map((f) =>
      f.fn.metricErrors({ period, statistic: 'Sum', label: f.spec.name }),
    );
    for (const group of errorAlarmGroups(props.functions)) {
      const threshold = group.tasks ? ALARMS.taskFunctionErrors : ALARMS.functionErrors;
      const names = group.functions.map((f) => f.spec.name);
      alarm(
        group.id,
        new MathExpression({
          expression: 'SUM(METRICS())',
          usingMetrics: Object.fromEntries(
            group.functions.map((f, i) => [`e${i}`, f.fn.metricErrors({ period, statistic: 'Sum' })]),
          ),
          period,
          label: `errors: ${names.join(', ')}`,
        }),
        threshold,
        `At least ${threshold} unhandled error(s) in ${ALARMS.periodMinutes} minutes in ${names.join(', ')}.`,
      );
    }
    const throttles = props.functions.map((f) =>
      f.fn.metricThrottles({ period, statistic: 'Sum', label: f.spec.name }),
    );

    // ---- Table and API.
    const tableThrottles = new MathExpression({
      expression: 'reads + writes',
      usingMetrics: {
        reads: props.table.metric('ReadThrottleEvents', { period, statistic: 'Sum' }),
        writes: props.table.metric('WriteThrottleEvents', { period, statistic: 'Sum' }),
      },
      period,
      label: 'throttled requests',
    });
    alarm(
      'TableThrottledAlarm',
      tableThrottles,
      ALARMS.tableThrottles,
      'DynamoDB throttled requests to the OMS table (a hot partition: docs/data-model.md#hot-partitions-and-hot-items).',
    );
    const serverErrors = props.api.metricServerError({ period, statistic: 'Sum', label: '5xx' });
    alarm(
      'Api5xxAlarm',
      serverErrors,
      ALARMS.api5xx,
      `The HTTP API answered at least ${ALARMS.api5xx} 5xx in ${ALARMS.periodMinutes} minutes.`,
    );
    this.alarms = alarms;

    // ---- Dashboard.
    const business = (name: BusinessMetric) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: name,
        dimensionsMap: { service: METRICS_SERVICE },
        statistic: 'Sum',
        period,
        label: name,
      });
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${Stack.of(this).stackName}-operations`,
      defaultInterval: Duration.hours(6),
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown:
          '# Order Management System\nOrders per 5 minutes, workflows, dead letters, errors and throttles. ' +
          'Live figures from the table (orders by status, stuck workflows, low stock): `GET /metrics/live`. ' +
          'Definitions: docs/monitoring.md.',
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Orders',
        left: [
          business(BUSINESS_METRICS.ordersPlaced),
          business(BUSINESS_METRICS.ordersAllocated),
          business(BUSINESS_METRICS.ordersShipped),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: 'Allocation failures, short picks, failed orders',
        left: [
          business(BUSINESS_METRICS.backorders),
          business(BUSINESS_METRICS.pickShort),
          business(BUSINESS_METRICS.ordersFailed),
          business(BUSINESS_METRICS.duplicateDeliveries),
        ],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      ...executions.map(
        ({ name, metrics }) => new GraphWidget({ title: `${name} executions`, left: metrics, width: 12 }),
      ),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Dead-letter queues (messages)', left: deadLetterDepths, width: 12 }),
      new AlarmStatusWidget({ title: 'Alarms', alarms, width: 12, height: 6 }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Lambda errors', left: errors, width: 12 }),
      new GraphWidget({ title: 'Lambda throttles', left: throttles, width: 12 }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'DynamoDB throttled requests', left: [tableThrottles], width: 12 }),
      new GraphWidget({
        title: 'HTTP API',
        left: [props.api.metricClientError({ period, statistic: 'Sum', label: '4xx' }), serverErrors],
        right: [props.api.metricCount({ period, statistic: 'Sum', label: 'requests' })],
        width: 12,
      }),
    );
  }
}

/** A per-alarm limit of CloudWatch: the metrics one alarm's expression may read. */
const METRICS_PER_ALARM = 10;

/**
 * The functions' error alarms: workflow tasks (whose errors are partly expected) and the rest, each in config
 * order and split into alarms of at most 10 functions. Grouping by context instead would double the count.
 */
export function errorAlarmGroups<F extends { spec: FunctionSpec }>(
  all: readonly F[],
): { id: string; tasks: boolean; functions: F[] }[] {
  return [false, true].flatMap((tasks) => {
    const functions = all.filter((f) => (f.spec.trigger.kind === 'workflow') === tasks);
    const chunks = Math.ceil(functions.length / METRICS_PER_ALARM);
    return Array.from({ length: chunks }, (_, i) => ({
      id: `${tasks ? 'Task' : 'Function'}Errors${i + 1}Alarm`,
      tasks,
      functions: functions.slice(i * METRICS_PER_ALARM, (i + 1) * METRICS_PER_ALARM),
    }));
  });
}
