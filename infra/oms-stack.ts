import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Api } from './constructs/api.js';
import { Data } from './constructs/data.js';
import { Events } from './constructs/events.js';
import { Functions } from './constructs/functions.js';
import { Jobs } from './constructs/jobs.js';
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
    const functions = new Functions(this, 'Functions');
    const events = new Events(this, 'Events', { consumers: functions.withTrigger('queue') });
    const workflow = new Workflow(this, 'Workflow', { tasks: functions.withTrigger('workflow') });
    functions.connect({
      table: data.table,
      bus: events.bus,
      bucket: data.bucket,
      stateMachine: workflow.fulfillment,
      shippingStateMachine: workflow.shipping,
    });
    const api = new Api(this, 'Api', {
      routes: functions.withTrigger('http'),
      authorizers: functions.withTrigger('authorizer'),
    });
    new Jobs(this, 'Jobs', { targets: functions.withTrigger('schedule') });
    new Outbox(this, 'Outbox', { table: data.table, publishers: functions.withTrigger('stream') });

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
    new CfnOutput(this, 'BucketName', {
      value: data.bucket.bucketName,
      description: 'Exports and documents',
    });
  }
}
