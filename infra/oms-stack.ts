import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { resourceNames } from '../shared/config/resources.js';
import { Agents } from './constructs/agents.js';
import { Api } from './constructs/api.js';
import { Console } from './constructs/console.js';
import { Data } from './constructs/data.js';
import { Events } from './constructs/events.js';
import { Functions } from './constructs/functions.js';
import { Jobs } from './constructs/jobs.js';
import { Monitoring } from './constructs/monitoring.js';
import { Outbox } from './constructs/outbox.js';
import { Workflow } from './constructs/workflow.js';

/**
 * The whole OMS. Every part is built from shared/config and statemachines/, the same definitions the local
 * runtime reads; this file only decides the order in which the parts meet.
 */
export class OmsStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, {
      description: 'Serverless Order Management System',
      ...props,
    });

    const data = new Data(this, 'Data');
    const agents = new Agents(this, 'Agents');
    const agentConsole = new Console(this, 'Console');
    const functions = new Functions(this, 'Functions');
    const events = new Events(this, 'Events', { consumers: functions.withTrigger('queue') });
    const workflow = new Workflow(this, 'Workflow', { tasks: functions.withTrigger('workflow') });
    functions.connect({
      table: data.table,
      bus: events.bus,
      bucket: data.bucket,
      stateMachine: workflow.fulfillment,
      shippingStateMachine: workflow.shipping,
      rules: events.rules,
      queues: events.queues,
      agentClient: agents.client,
    });
    const api = new Api(this, 'Api', {
      routes: functions.withTrigger('http'),
      authorizers: functions.withTrigger('authorizer'),
      agents,
      consoleOrigin: agentConsole.origin,
    });
    agentConsole.deploy(api.url);
    new Jobs(this, 'Jobs', { targets: functions.withTrigger('schedule') });
    const outbox = new Outbox(this, 'Outbox', {
      table: data.table,
      publishers: functions.withTrigger('stream'),
    });
    // The outbox's dead-letter queue exists only now, so 'queues:read' is connected after the rest.
    const deadLetters = new Map<string, IQueue>([...events.deadLetters, ['outbox', outbox.deadLetters]]);
    functions.connectDeadLetters(deadLetters);
    const monitoring = new Monitoring(this, 'Monitoring', {
      functions: functions.all,
      stateMachines: new Map([
        [resourceNames.stateMachineName, workflow.fulfillment],
        [resourceNames.shippingStateMachineName, workflow.shipping],
      ]),
      deadLetters,
      table: data.table,
      api: api.httpApi,
    });

    new CfnOutput(this, 'ApiUrl', { value: api.url, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'TableName', { value: data.table.tableName });
    new CfnOutput(this, 'BusName', { value: events.bus.eventBusName });
    new CfnOutput(this, 'StateMachineArn', {
      value: workflow.fulfillment.stateMachineArn,
      description: 'order-fulfillment (Standard)',
    });
    new CfnOutput(this, 'ShippingStateMachineArn', {
      value: workflow.shipping.stateMachineArn,
      description: 'order-shipping (Express), started by the pick confirmation',
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: monitoring.alarmTopic.topicArn,
      description: 'Every alarm notifies this topic: subscribe to it',
    });
    new CfnOutput(this, 'ConsoleUrl', {
      value: agentConsole.origin,
      description: 'The customer-service console (agents sign in with their Cognito user)',
    });
    new CfnOutput(this, 'AgentUserPoolId', {
      value: agents.userPool.userPoolId,
      description: 'Call-center agents: create users here and add them to the agent or supervisor group',
    });
    new CfnOutput(this, 'DashboardName', { value: monitoring.dashboard.dashboardName });
    new CfnOutput(this, 'BucketName', {
      value: data.bucket.bucketName,
      description: 'Exports and documents',
    });
  }
}
