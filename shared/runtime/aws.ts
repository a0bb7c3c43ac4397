import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AwsCustomerMessages } from '../adapters/aws/aws-customer-messages.js';
import { CognitoAgentDirectory } from '../adapters/aws/cognito-agent-directory.js';
import { EventBridgePublisher } from '../adapters/aws/event-bridge-publisher.js';
import { EventBridgeRouting } from '../adapters/aws/event-bridge-routing.js';
import { S3ObjectStore } from '../adapters/aws/s3-object-store.js';
import { SesSupplierOrders } from '../adapters/aws/ses-supplier-orders.js';
import { parseQueueUrls, SqsQueueDepths } from '../adapters/aws/sqs-queue-depths.js';
import { SqsWebhookRetries } from '../adapters/aws/sqs-webhook-retries.js';
import { SsmSecretStore } from '../adapters/aws/ssm-secret-store.js';
import { StepFunctionsCallbacks, StepFunctionsStarter } from '../adapters/aws/step-functions.js';
import { HttpWebhookSender } from '../adapters/http-webhook-sender.js';
import { systemClock, UlidIds } from '../adapters/ids.js';
import { SimulatedCarrierGateway } from '../adapters/simulated/carrier-gateway.js';
import { SimulatedPaymentGateway } from '../adapters/simulated/payment-gateway.js';
import { notificationEmail } from '../config/notifications.js';
import { purchasingEmail } from '../config/purchasing.js';
import { envNames } from '../config/resources.js';
import { webhookOverridesFromEnv, webhookPolicy } from '../config/webhooks.js';
import { type Deps, provideDepsFactory } from './deps.js';

/**
 * The Lambda runtime's wiring: real AWS clients from the environment the stack sets. Payment and carrier
 * stay simulated until a real gateway adapter is configured (see docs/architecture.md).
 */
export function createAwsDeps(env: NodeJS.ProcessEnv = process.env): Deps {
  const required = (name: string) => {
    const value = env[name];
    if (!value) throw new Error(`environment variable ${name} is not set`);
    return value;
  };
  const optional = (name: string) => env[name] ?? '';
  const sfn = new SFNClient({});
  const eventBridge = new EventBridgeClient({});
  const policy = webhookPolicy(webhookOverridesFromEnv(env));
  const ses = new SESv2Client({});
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return {
    db,
    tableName: required(envNames.tableName),
    events: new EventBridgePublisher(eventBridge, optional(envNames.eventBusName)),
    workflows: new StepFunctionsStarter(sfn, optional(envNames.stateMachineArn)),
    shipping: new StepFunctionsStarter(sfn, optional(envNames.shippingStateMachineArn), 'EXPRESS'),
    taskCallbacks: new StepFunctionsCallbacks(sfn),
    payments: new SimulatedPaymentGateway(),
    carriers: new SimulatedCarrierGateway(),
    objects: new S3ObjectStore(new S3Client({}), optional(envNames.bucketName)),
    secrets: new SsmSecretStore(
      new SSMClient({}),
      optional(envNames.secretsParameterPrefix) || '/oms/webhook-secrets/',
    ),
    queueDepths: new SqsQueueDepths(parseQueueUrls(optional(envNames.deadLetterQueueUrls))),
    supplierOrders: new SesSupplierOrders(ses, optional(purchasingEmail.fromEnv) || purchasingEmail.from),
    customerMessages: new AwsCustomerMessages(
      ses,
      new SNSClient({}),
      optional(notificationEmail.fromEnv) || notificationEmail.from,
    ),
    webhooks: {
      sender: new HttpWebhookSender({ allowLoopback: policy.allowHttpLoopback }),
      retries: new SqsWebhookRetries(optional(envNames.webhookQueueUrl)),
      routing: new EventBridgeRouting(eventBridge, optional(envNames.webhookRuleArn)),
      policy,
    },
    agents: new CognitoAgentDirectory(optional(envNames.agentClientId)),
    clock: systemClock,
    ids: new UlidIds(systemClock),
  };
}

provideDepsFactory(() => createAwsDeps());
