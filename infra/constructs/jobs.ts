import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { CfnSchedule } from 'aws-cdk-lib/aws-scheduler';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ScheduleName } from '../../shared/config/functions.js';
import { schedules } from '../../shared/config/schedules.js';
import type { ServiceFunction } from './functions.js';
import { acknowledge, pascalCase } from './nag.js';

/**
 * Jobs run once a day, so a failed start may be retried for an hour before the attempt goes to the
 * dead-letter queue: later than that, the next run is the better retry.
 */
const retryPolicy = { maximumRetryAttempts: 5, maximumEventAgeInSeconds: Duration.hours(1).toSeconds() };

export interface JobsProps {
  /** Functions whose trigger is `{ kind: 'schedule', schedule }`. */
  targets: readonly ServiceFunction<{ kind: 'schedule'; schedule: ScheduleName }>[];
}

/** One EventBridge Scheduler schedule per entry of shared/config/schedules.ts, invoking its job function. */
export class Jobs extends Construct {
  readonly deadLetters: Queue;

  constructor(scope: Construct, id: string, props: JobsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.deadLetters = new Queue(this, 'FailedInvocations', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      this.deadLetters,
      'SQS3',
      'This queue is itself the dead-letter queue of the schedules (Target.DeadLetterConfig), which cdk-nag ' +
        'does not recognise as a dead-letter use.',
    );

    for (const target of props.targets) {
      if (!schedules.some((s) => s.name === target.spec.trigger.schedule)) {
        throw new Error(
          `${target.spec.name} is triggered by schedule '${target.spec.trigger.schedule}', which ` +
            'shared/config/schedules.ts does not define.',
        );
      }
    }

    for (const spec of schedules) {
      const target = props.targets.find((t) => t.spec.trigger.schedule === spec.name);
      if (!target) {
        throw new Error(
          `Schedule '${spec.name}' in shared/config/schedules.ts has no function with the trigger ` +
            `{ kind: 'schedule', schedule: '${spec.name}' } in shared/config/functions.ts.`,
        );
      }
      const id = pascalCase(spec.name);
      const role = new iam.Role(this, `${id}Role`, {
        description: `EventBridge Scheduler: invokes ${target.spec.name} for the ${spec.name} schedule`,
        assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
          conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
        }),
      });
      // The unqualified function only: grantInvoke would add all its versions and aliases (`<arn>:*`).
      role.addToPolicy(
        new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [target.fn.functionArn] }),
      );
      role.addToPolicy(
        new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetters.queueArn] }),
      );

      new CfnSchedule(this, `${id}Schedule`, {
        description: spec.description,
        scheduleExpression: spec.expression,
        scheduleExpressionTimezone: 'UTC',
        flexibleTimeWindow: { mode: 'OFF' },
        state: 'ENABLED',
        target: {
          arn: target.fn.functionArn,
          roleArn: role.roleArn,
          deadLetterConfig: { arn: this.deadLetters.queueArn },
          retryPolicy,
        },
      });
    }
  }
}
