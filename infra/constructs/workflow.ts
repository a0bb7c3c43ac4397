import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Annotations, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { ServiceFunction } from './functions.js';
import { acknowledge, pascalCase } from './nag.js';

const aslPath = (name: string): string =>
  fileURLToPath(new URL(`../../statemachines/${name}`, import.meta.url));

/** `${Name}` placeholders of an ASL file, in order of first use. */
function aslPlaceholders(definition: string): string[] {
  return [...new Set([...definition.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1] as string))];
}

export interface WorkflowProps {
  /** Functions whose trigger is `{ kind: 'workflow', substitution }`. */
  tasks: readonly ServiceFunction<{ kind: 'workflow'; substitution: string }>[];
}

/**
 * Both state machines, loaded from statemachines/*.asl.json: order-fulfillment (Standard) allocates and waits
 * for the warehouse; order-shipping (Express) selects the carrier, bills and notifies once the pick
 * confirmation starts it (the 'shipping:start' permission). Neither starts the other, and each role may
 * invoke exactly the functions its own definition names, its compensation included.
 */
export class Workflow extends Construct {
  readonly fulfillment: StateMachine;
  readonly shipping: StateMachine;

  constructor(scope: Construct, id: string, props: WorkflowProps) {
    super(scope, id);
    const taskArns = new Map<string, IFunction>(props.tasks.map((t) => [t.spec.trigger.substitution, t.fn]));
    const used = new Set<string>();

    const machine = (name: string, type: StateMachineType) => {
      const file = `statemachines/${name}.asl.json`;
      const path = aslPath(`${name}.asl.json`);
      const substitutions: Record<string, string> = {};
      const tasks: IFunction[] = [];
      for (const placeholder of aslPlaceholders(readFileSync(path, 'utf8'))) {
        used.add(placeholder);
        const fn = taskArns.get(placeholder);
        if (fn) {
          substitutions[placeholder] = fn.functionArn;
          tasks.push(fn);
        } else {
          throw new Error(
            `${file} uses \${${placeholder}}, but no function in shared/config/functions.ts has the trigger ` +
              `{ kind: 'workflow', substitution: '${placeholder}' }.`,
          );
        }
      }

      const logGroup = new LogGroup(this, `${pascalCase(name)}Logs`, {
        // The vended-logs prefix keeps Step Functions from growing the account's log resource policy.
        logGroupName: `/aws/vendedlogs/states/${Stack.of(this).stackName}-${name}`,
        retention: RetentionDays.ONE_MONTH,
        // The name is fixed, so a log group left behind would stop the stack from being created again.
        removalPolicy: RemovalPolicy.DESTROY,
      });
      const stateMachine = new StateMachine(this, pascalCase(name), {
        definitionBody: DefinitionBody.fromFile(path),
        definitionSubstitutions: substitutions,
        stateMachineType: type,
        tracingEnabled: true,
        // Express executions keep no execution history: for them the log is the only record of what happened.
        logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: true },
      });
      // Exactly the functions this definition invokes, unqualified as the ASL names them: grantInvoke would
      // add every version and alias (`<arn>:*`) as well.
      stateMachine.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: tasks.map((t) => t.functionArn),
        }),
      );
      acknowledge(
        stateMachine,
        'IAM5[Resource::*]',
        'Log delivery (logs:CreateLogDelivery, logs:DescribeResourcePolicies, ...) and X-Ray ' +
          '(xray:PutTraceSegments, ...) support no resource-level permissions.',
      );
      return stateMachine;
    };

    this.shipping = machine('order-shipping', StateMachineType.EXPRESS);
    this.fulfillment = machine('order-fulfillment', StateMachineType.STANDARD);

    for (const task of props.tasks) {
      const { substitution } = task.spec.trigger;
      if (!used.has(substitution)) {
        Annotations.of(task).addWarningV2(
          'oms:unusedWorkflowTask',
          `${task.spec.name} has trigger { kind: 'workflow', substitution: '${substitution}' }, ` +
            'but no file in statemachines/ uses it, so nothing invokes it.',
        );
      }
    }
  }
}
