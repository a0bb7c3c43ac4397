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
  eventBusName: 'OMS_EVENT_BUS_NAME',
  stateMachineArn: 'OMS_STATE_MACHINE_ARN',
  /** The Express order-shipping state machine, started by the pick confirmation (`shipping:start`). */
  shippingStateMachineArn: 'OMS_SHIPPING_STATE_MACHINE_ARN',
  bucketName: 'OMS_BUCKET_NAME',
  secretsParameterPrefix: 'OMS_SECRETS_PARAMETER_PREFIX',
} as const;
