/**
 * Names of the shared resources. On AWS the stack passes the real names to every function through
 * environment variables (see shared/runtime/aws.ts); locally these defaults are used as they are.
 */
export const resourceNames = {
  eventBusName: 'oms-events',
  stateMachineName: 'order-fulfillment',
  shippingStateMachineName: 'order-shipping',
} as const;

/** Environment variable names shared by the stack and the Lambda runtime. */
export const envNames = {
  tableName: 'OMS_TABLE_NAME',
  /** The Cognito app client agents sign in with (permission 'agents:sign-in'). */
  agentClientId: 'OMS_AGENT_CLIENT_ID',
  eventBusName: 'OMS_EVENT_BUS_NAME',
  stateMachineArn: 'OMS_STATE_MACHINE_ARN',
  /** The Express order-shipping state machine, started by the pick confirmation (`shipping:start`). */
  shippingStateMachineArn: 'OMS_SHIPPING_STATE_MACHINE_ARN',
  bucketName: 'OMS_BUCKET_NAME',
  secretsParameterPrefix: 'OMS_SECRETS_PARAMETER_PREFIX',
  /** The dead-letter queues a 'queues:read' function reads the depth of, as `name=url,name=url`. */
  deadLetterQueueUrls: 'OMS_DEAD_LETTER_QUEUE_URLS',
  /** The `events-to-webhooks` rule a 'webhook-rule:update' function re-points (PutRule). */
  webhookRuleArn: 'OMS_WEBHOOK_RULE_ARN',
  /** The webhooks queue a 'webhook-retry:send' function sends delayed retries to. */
  webhookQueueUrl: 'OMS_WEBHOOK_QUEUE_URL',
} as const;
