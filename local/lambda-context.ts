import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { FunctionSpec } from '../shared/config/functions.js';

/** A Lambda context for a local invocation, with the same memory and deadline the stack configures. */
export function lambdaContext(spec: FunctionSpec): Context {
  const deadline = Date.now() + spec.timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `oms-${spec.name}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:oms-${spec.name}`,
    memoryLimitInMB: String(spec.memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/oms-${spec.name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
