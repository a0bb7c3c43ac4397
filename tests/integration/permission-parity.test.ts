import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../infra/constructs/api.js';
import { pascalCase } from '../../infra/constructs/nag.js';
import { OmsStack } from '../../infra/oms-stack.js';
import { localSesIdentityArn } from '../../local/adapters/file-supplier-orders.js';
import {
  LOCAL_ACCOUNT,
  LOCAL_BUCKET,
  LOCAL_REGION,
  localArn,
  principals,
  type RecordedCall,
} from '../../local/metering.js';
import { eventRules } from '../../shared/config/event-rules.js';
import { type FunctionSpec, functions, type Permission, QUEUE_NAMES } from '../../shared/config/functions.js';
import { resourceNames } from '../../shared/config/resources.js';
import { schedules } from '../../shared/config/schedules.js';
import { WEBHOOK_RULE_NAME } from '../../shared/config/webhooks.js';
import { emailHash } from '../../shared/domain/email-hash.js';
import { signShopify, signWooCommerce, standardWebhookHeaders } from '../../shared/intake/signatures.js';
import { directOrder, shopifyOrder, standardOrder, TEST_SECRETS, wooOrder } from '../support/fixtures.js';
import { eventually, startTestRuntime, type TestRuntime } from '../support/runtime.js';

/**
 * Permission parity: every call the handlers make while the local runtime runs a representative set of
 * flows is recorded by the cost meter as (principal, service:action, resource), and each must be allowed by
 * what the synthesized stack grants that principal: a function's role, a state machine's role, a
 * schedule's role, or the resource policy that lets a service in (Lambda permissions for API Gateway, queue
 * policies for EventBridge). The other direction, grants no flow used, is reported rather than failed: error
 * paths and the table-wide grants of CDK make it noisy by nature.
 */

// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation is untyped JSON.
type Resource = { Type: string; Properties: { [key: string]: any } };
type Statement = {
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: unknown;
};

const asList = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** The app as `cdk synth` builds it (cdk.json feature flags), without bundling the handlers. */
function synthesize(): Record<string, Resource> {
  const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  const app = new App({
    context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
  });
  const stack = new OmsStack(app, 'Oms');
  const main = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
  // The routes and their invoke permissions live in a nested stack (decision 0009): read them as the main
  // stack sees them, each parameter replaced by the value the main stack passes.
  const routes = Template.fromStack((stack.node.findChild('Api') as Api).routes).toJSON().Resources;
  const nested = Object.values(main).find((resource) => resource.Type === 'AWS::CloudFormation::Stack');
  const parameters = (nested?.Properties.Parameters ?? {}) as Record<string, unknown>;
  const substituted = JSON.parse(JSON.stringify(routes), (_key, value: unknown) => {
    const ref = (value as { Ref?: unknown } | null)?.Ref;
    return typeof ref === 'string' && ref in parameters ? parameters[ref] : value;
  }) as Record<string, Resource>;
  return { ...main, ...substituted };
}

const specByDescription = (description: unknown): FunctionSpec | undefined =>
  functions.find((spec) => description === `${spec.context}: ${spec.name}`);

/**
 * Resolves the template's intrinsics into the local account's ARNs, the names the meter records: the table,
 * bus, state machines, bucket, queues and functions of the stack become the local runtime's.
 */
function resolverFor(resources: Record<string, Resource>, tableName: string) {
  const attributes = new Map<string, Record<string, string>>();
  for (const [id, resource] of Object.entries(resources)) {
    const set = (values: Record<string, string>) => attributes.set(id, values);
    switch (resource.Type) {
      case 'AWS::DynamoDB::Table':
        set({
          Ref: tableName,
          Arn: localArn.table(tableName),
          StreamArn: `${localArn.table(tableName)}/stream/local`,
        });
        break;
      case 'AWS::Events::EventBus':
        set({
          Ref: resourceNames.eventBusName,
          Name: resourceNames.eventBusName,
          Arn: localArn.bus(resourceNames.eventBusName),
        });
        break;
      case 'AWS::StepFunctions::StateMachine': {
        const name = id.startsWith('WorkflowOrderShipping')
          ? resourceNames.shippingStateMachineName
          : resourceNames.stateMachineName;
        set({ Ref: localArn.stateMachine(name), Name: name, Arn: localArn.stateMachine(name) });
        break;
      }
      case 'AWS::S3::Bucket': {
        const name = id.startsWith('DataBucket') ? LOCAL_BUCKET : `other-${id}`;
        set({ Ref: name, Arn: localArn.bucket(name) });
        break;
      }
      case 'AWS::SQS::Queue': {
        // A queue and its dead-letter queue, named as local/runtime.ts names them (`<queue>-dlq`).
        const main = QUEUE_NAMES.find((name) => id.startsWith(`Events${pascalCase(name)}Queue`));
        const dead = QUEUE_NAMES.find((name) => id.startsWith(`Events${pascalCase(name)}DeadLetters`));
        const queue = main ?? (dead ? `${dead}-dlq` : id);
        set({ Ref: `https://sqs/${queue}`, Arn: localArn.queue(queue) });
        break;
      }
      case 'AWS::Events::Rule': {
        const rule = eventRules.find((spec) => id.startsWith(`Events${pascalCase(spec.name)}`));
        set({ Ref: rule?.name ?? id, Arn: rule ? localRuleArn(rule.name) : `arn:aws:unresolved:::${id}` });
        break;
      }
      case 'AWS::Lambda::Function': {
        const name = specByDescription(resource.Properties.Description)?.name ?? id;
        set({ Ref: name, Arn: localArn.function(name) });
        break;
      }
      default:
        set({ Ref: id, Arn: `arn:aws:unresolved:::${id}` });
    }
  }
  const pseudo: Record<string, string> = {
    'AWS::Partition': 'aws',
    'AWS::Region': LOCAL_REGION,
    'AWS::AccountId': LOCAL_ACCOUNT,
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const resolve = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const node = value as Record<string, unknown>;
    if (typeof node.Ref === 'string') return pseudo[node.Ref] ?? attributes.get(node.Ref)?.Ref ?? node.Ref;
    if (Array.isArray(node['Fn::GetAtt'])) {
      const [id, attribute] = node['Fn::GetAtt'] as [string, string];
      return attributes.get(id)?.[attribute] ?? `unresolved:${id}.${attribute}`;
    }
    if (Array.isArray(node['Fn::Join'])) {
      const [separator, parts] = node['Fn::Join'] as [string, unknown[]];
      return parts.map(resolve).join(separator);
    }
    if (typeof node['Fn::Sub'] === 'string') {
      return node['Fn::Sub'].replace(/\$\{([^}]+)\}/g, (_, name: string) => pseudo[name] ?? `\${${name}}`);
    }
    return JSON.stringify(value);
  };
  return resolve;
}

/** IAM's wildcard match: `*` any run of characters, `?` one; actions compare case-insensitively. */
function wildcard(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value);
}

const permits = (
  statements: readonly Statement[],
  resolve: (value: unknown) => string,
  action: string,
  resource: string,
): boolean => {
  const covers = (statement: Statement) =>
    asList(statement.Action).some((pattern) => wildcard(pattern, action, true)) &&
    asList(statement.Resource).some((pattern) => wildcard(resolve(pattern), resource));
  // Conditional denies here are the SecureTransport guards; the SDK always uses TLS, so they never apply.
  if (statements.some((s) => s.Effect === 'Deny' && s.Condition === undefined && covers(s))) return false;
  return statements.some((s) => s.Effect === 'Allow' && covers(s));
};

const describeCall = (call: RecordedCall) =>
  `${call.principal}: ${call.service}:${call.action} on ${call.resource}`;

/** IAM actions each declared permission stands for (what shared/config/functions.ts promises a function). */
const permissionActions: Partial<Record<Permission, readonly string[]>> = {
  'table:read': ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:BatchGetItem'],
  'table:write': [
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:BatchWriteItem',
    'dynamodb:ConditionCheckItem',
  ],
  'bus:put': ['events:PutEvents'],
  'workflow:start': ['states:StartExecution'],
  'workflow:callback': ['states:SendTaskSuccess', 'states:SendTaskFailure'],
  'shipping:start': ['states:StartExecution'],
  'bucket:read': ['s3:GetObject'],
  'bucket:write': ['s3:PutObject'],
  'secrets:read': ['ssm:GetParameter'],
  'email:send': ['ses:SendEmail'],
  'sms:send': ['sns:Publish'],
  'queues:read': ['sqs:GetQueueAttributes'],
  'webhook-rule:update': ['events:PutRule'],
  'webhook-retry:send': ['sqs:SendMessage'],
};

/** A rule on the OMS bus as local/runtime.ts names it in the calls it records. */
const localRuleArn = (name: string) =>
  `${localArn.bus(resourceNames.eventBusName).replace(':event-bus/', ':rule/')}/${name}`;

let oms: TestRuntime;
let calls: RecordedCall[];
let resources: Record<string, Resource>;
let resolve: (value: unknown) => string;

const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);

/** Every statement of the policies attached to a role (inline policies included). */
const statementsOfRole = (roleId: string): Statement[] => [
  ...ofType('AWS::IAM::Policy')
    .filter(([, policy]) =>
      asList(policy.Properties.Roles).some((role: { Ref?: string }) => role.Ref === roleId),
    )
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Statement[]),
  ...asList(
    resources[roleId]?.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[],
  ).flatMap((policy) => policy.PolicyDocument.Statement),
];

const roleOf = (resource: Resource | undefined, property: string): string | undefined =>
  resource?.Properties[property]?.['Fn::GetAtt']?.[0];

/** The role each principal acts under, by the principal names the meter records. */
function roleStatements(principal: string): Statement[] | undefined {
  const fn = functions.find((spec) => spec.name === principal);
  if (fn) {
    const [, resource] =
      ofType('AWS::Lambda::Function').find(([, r]) => specByDescription(r.Properties.Description) === fn) ??
      [];
    const role = roleOf(resource, 'Role');
    return role ? statementsOfRole(role) : undefined;
  }
  for (const name of [resourceNames.stateMachineName, resourceNames.shippingStateMachineName]) {
    if (principal !== principals.stateMachine(name)) continue;
    const [, machine] = ofType('AWS::StepFunctions::StateMachine').find(([id]) =>
      id.startsWith(`Workflow${pascalCase(name)}`),
    ) ?? [undefined, undefined];
    const role = roleOf(machine, 'RoleArn');
    return role ? statementsOfRole(role) : undefined;
  }
  for (const { name } of schedules) {
    if (principal !== principals.schedule(name)) continue;
    const [, schedule] = ofType('AWS::Scheduler::Schedule').find(([id]) =>
      id.startsWith(`Jobs${pascalCase(name)}Schedule`),
    ) ?? [undefined, undefined];
    const role = schedule?.Properties.Target?.RoleArn?.['Fn::GetAtt']?.[0] as string | undefined;
    return role ? statementsOfRole(role) : undefined;
  }
  return undefined;
}

/** Whether a resource policy lets the service principal make the call. */
function resourcePolicyAllows(call: RecordedCall): boolean {
  const action = `${call.service}:${call.action}`;
  if (call.principal === principals.apiGateway) {
    return ofType('AWS::Lambda::Permission').some(
      ([, permission]) =>
        permission.Properties.Principal === principals.apiGateway &&
        wildcard(permission.Properties.Action, action, true) &&
        resolve(permission.Properties.FunctionName) === call.resource,
    );
  }
  if (call.principal === principals.eventBridge) {
    return ofType('AWS::SQS::QueuePolicy').some(([, policy]) => {
      const statements = (policy.Properties.PolicyDocument.Statement as Statement[]).filter(
        (statement) =>
          statement.Effect === 'Deny' ||
          asList((statement.Principal as { Service?: string | string[] } | undefined)?.Service).includes(
            principals.eventBridge,
          ),
      );
      return permits(statements, resolve, action, call.resource);
    });
  }
  return false;
}

const deliverShopify = (payload: object) => {
  const body = JSON.stringify(payload);
  return oms.request('POST', '/webhooks/shopify', body, {
    'x-shopify-topic': 'orders/create',
    'x-shopify-webhook-id': `parity-${(payload as { id: number }).id}`,
    'x-shopify-hmac-sha256': signShopify(body, TEST_SECRETS.shopify),
  });
};

const singleSkuOrder = (sku: string, quantity: 1 | 2) => {
  const payload = shopifyOrder();
  payload.line_items = [
    {
      ...payload.line_items[0],
      sku,
      quantity,
      price: quantity === 1 ? '57.50' : '28.75',
      discount_allocations: [],
    },
  ] as never;
  payload.total_discounts = '0.00';
  return payload;
};

const orderIn = (id: string, status: string) =>
  eventually(async () => {
    const order = (await oms.request('GET', `/orders/${id}`)).body;
    return order?.status === status ? order : undefined;
  }, 30_000);

/** The shipping run's end: the order stays `shipped`, so its notification is what shows the run finished. */
const shippedAndNotified = (id: string) =>
  eventually(async () => {
    const order = (await oms.request('GET', `/orders/${id}`)).body;
    const notified = order?.notifications?.some((n: { template: string }) => n.template === 'order-shipped');
    return order?.status === 'shipped' && notified ? order : undefined;
  }, 30_000);

const confirm = (ticket: { id: string; lines: { sku: string; quantity: number }[] }, short = false) =>
  oms.request('POST', `/pick-tickets/${ticket.id}/confirm`, {
    lines: ticket.lines.map(({ sku, quantity }) => ({ sku, quantity: short ? quantity - 1 : quantity })),
  });

/** Until the outbox stream and the queues are empty (three orders stay parked in picking on purpose). */
async function settle() {
  const stream = (oms as { stream?: { drain(timeoutMs?: number): Promise<void> } }).stream;
  for (let round = 0; round < 2; round += 1) {
    await stream?.drain(10_000);
    await Promise.all(Object.values(oms.queues).map((queue) => queue.drain(20_000)));
  }
}

const PARITY_DISRUPTION = {
  id: 'parity-storm',
  kind: 'weather',
  severity: 'low',
  startsAt: '2030-01-01T00:00:00Z',
  endsAt: '2030-01-02T00:00:00Z',
  area: { postalPrefixes: ['00000'] },
};

/** The flows: each step names the functions it is there for. */
async function runFlows() {
  // Happy path: intake → allocate → pick → ship, bill, notify → consumers.
  const happy = await deliverShopify(shopifyOrder());
  expect(happy.status).toBe(201);
  const picking = await orderIn(happy.body.orderId, 'picking');
  expect((await confirm(picking.pickTickets[0])).status).toBe(200);
  await shippedAndNotified(happy.body.orderId);

  // Notifications: the happy order's list, then SMS for its customer from here on (sns:Publish).
  const customer = `/customers/${emailHash('ada.lovelace@example.com')}/notification-preferences`;
  const notificationCalls: [string, string, object?][] = [
    ['GET', `/notifications?orderId=${happy.body.orderId}`],
    ['PUT', customer, { channel: 'sms', phone: '+12125550147' }],
    ['GET', customer],
  ];
  for (const [method, path, body] of notificationCalls) {
    const reply = await oms.request(method, path, body);
    expect(reply.status, `${method} ${path}: ${reply.text}`).toBeLessThan(300);
  }

  // Short pick: the picked unit ships, the other is backordered (docs/fulfillment.md); then the pick
  // ticket routes (queue, ticket, PDF, packing with its packing slip) and a bin.
  expect((await oms.request('PUT', '/inventory/wh-east/SKU-PARITY-SHORT', { onHand: 5 })).status).toBe(200);
  const short = await deliverShopify(singleSkuOrder('SKU-PARITY-SHORT', 2));
  const shortPicking = await orderIn(short.body.orderId, 'picking');
  const shortTicket = shortPicking.pickTickets[0];
  expect((await confirm(shortTicket, true)).body.status).toBe('short');
  await orderIn(short.body.orderId, 'partially_shipped');
  const pickTicketCalls: [string, string, object?][] = [
    ['PUT', '/locations/wh-east/bins/SKU-PARITY-SHORT', { bin: 'A-01' }],
    ['GET', '/pick-tickets?locationId=wh-east&status=open'],
    ['GET', `/pick-tickets/${shortTicket.id}`],
    ['GET', `/pick-tickets/${shortTicket.id}/pdf`],
    [
      'POST',
      `/pick-tickets/${shortTicket.id}/pack`,
      { cartons: [{ lengthIn: 8, widthIn: 6, heightIn: 4, weightLb: 1 }] },
    ],
  ];
  for (const [method, path, body] of pickTicketCalls) {
    const reply = await oms.request(method, path, body);
    expect(reply.status, `${method} ${path}: ${reply.text}`).toBeLessThan(300);
  }

  // Declined payment: compensation (cancel-payment, release-allocation, mark-order-failed).
  const declinedPayload = singleSkuOrder('SKU-PARITY-SHORT', 1);
  const declinedEmail = 'ada+decline@example.com';
  Object.assign(declinedPayload, { email: declinedEmail, contact_email: declinedEmail });
  const declined = await deliverShopify(declinedPayload);
  await orderIn(declined.body.orderId, 'failed');

  // Backorder, then a receipt re-drives it through the backorders queue (adjust-stock, release-backorders).
  expect((await oms.request('PUT', '/inventory/wh-east/SKU-PARITY-BO', { onHand: 0 })).status).toBe(200);
  const backordered = await deliverShopify(singleSkuOrder('SKU-PARITY-BO', 1));
  await orderIn(backordered.body.orderId, 'backordered');
  const receipt = await oms.request('POST', '/inventory/wh-east/SKU-PARITY-BO/adjustments', {
    type: 'receipt',
    quantity: 1,
    reason: 'PO-parity',
  });
  expect(receipt.status).toBe(201);
  const redriven = await orderIn(backordered.body.orderId, 'picking');
  expect((await confirm(redriven.pickTickets[0])).status).toBe(200);
  await shippedAndNotified(backordered.body.orderId);

  // The other channels and the rest of the API, once each.
  const woo = JSON.stringify(wooOrder());
  const wooReply = await oms.request('POST', '/webhooks/woocommerce', woo, {
    'x-wc-webhook-signature': signWooCommerce(woo, TEST_SECRETS.woocommerce),
    'x-wc-webhook-delivery-id': 'parity-1',
  });
  expect(wooReply.status).toBe(201);
  const standard = JSON.stringify(standardOrder());
  const standardReply = await oms.request(
    'POST',
    '/webhooks/standard',
    standard,
    standardWebhookHeaders({
      id: 'msg_parity',
      timestamp: String(Math.floor(Date.now() / 1000)),
      body: standard,
      secret: TEST_SECRETS.standard,
    }),
  );
  expect(standardReply.status).toBe(201);
  const direct = await oms.request('POST', '/orders', directOrder(), {
    'idempotency-key': `parity-${Date.now()}`,
  });
  expect(direct.status).toBe(201);
  const location = {
    kind: 'store',
    name: 'Parity store',
    address: { line1: '1 Test St', city: 'Boston', postalCode: '02110', country: 'US' },
    shipsToHome: true,
    pickup: true,
  };
  const reads: [string, string, object?][] = [
    ['GET', '/orders?status=completed'],
    ['GET', '/locations'],
    ['POST', '/locations', { id: 'parity-store', ...location }],
    ['PUT', '/locations/parity-store', location],
    ['POST', '/inventory/wh-east/SKU-PARITY-BO/scheduled-receipts', { quantity: 5, dueDate: '2030-01-01' }],
    ['GET', '/inventory/SKU-PARITY-BO'],
    ['GET', '/inventory/SKU-PARITY-BO/movements'],
    ['PUT', '/skus/SKU-PARITY-HOT/stock-buckets', { buckets: 2 }],
    ['GET', '/availability?sku=SKU-PARITY-BO&postalCode=10001'],
    // Posted twice: the repeat reads the report back from the bucket. In 2030 and nowhere: it affects no order.
    ['POST', '/disruptions', PARITY_DISRUPTION],
    ['POST', '/disruptions', PARITY_DISRUPTION],
    ['GET', '/disruptions?from=2030-01-01&to=2030-01-31'],
    ['GET', `/disruptions/${PARITY_DISRUPTION.id}`],
    ['GET', '/metrics/live?windowMinutes=60&sku=SKU-PARITY-BO,SKU-PARITY-SHORT'],
    ['GET', '/reports/daily'],
    ['GET', '/reports/daily/2025-01-15/trend.svg'],
  ];
  for (const [method, path, body] of reads) {
    const reply = await oms.request(method, path, body);
    expect(reply.status, `${method} ${path}: ${reply.text}`).toBeLessThan(300);
  }

  // Purchasing: a supplier and its SKU, a purchase order sent (email), received and one cancelled, and the
  // reorder job on demand.
  const supplier = {
    name: 'Parity supplier',
    email: 'orders@parity.example',
    currency: 'USD',
    leadTimeDays: 5,
  };
  const purchasing: [string, string, object?][] = [
    ['POST', '/suppliers', { id: 'parity-supplier', ...supplier }],
    ['PUT', '/suppliers/parity-supplier', { ...supplier, packSize: 6 }],
    ['GET', '/suppliers'],
    ['PUT', '/skus/SKU-PARITY-BO/supplier', { supplierId: 'parity-supplier', unitCost: 500 }],
    ['GET', '/skus/SKU-PARITY-BO/supplier'],
    ['GET', '/purchase-orders?status=draft'],
    ['POST', '/jobs/reorder', { send: false }],
  ];
  for (const [method, path, body] of purchasing) {
    const reply = await oms.request(method, path, body);
    expect(reply.status, `${method} ${path}: ${reply.text}`).toBeLessThan(300);
  }
  const newOrder = async () => {
    const reply = await oms.request('POST', '/purchase-orders', {
      supplierId: 'parity-supplier',
      lines: [{ sku: 'SKU-PARITY-BO', locationId: 'wh-east', quantity: 6 }],
    });
    expect(reply.status, reply.text).toBe(201);
    return reply.body.id as string;
  };
  const [received, cancelled] = [await newOrder(), await newOrder()];
  for (const [path, body] of [
    [`/purchase-orders/${received}/send`, {}],
    [
      `/purchase-orders/${received}/receipts`,
      { receiptId: 'parity-1', lines: [{ sku: 'SKU-PARITY-BO', locationId: 'wh-east', quantity: 6 }] },
    ],
    [`/purchase-orders/${cancelled}/cancel`, { reason: 'parity' }],
  ] as const) {
    const reply = await oms.request('POST', path, body);
    expect(reply.status, `POST ${path}: ${reply.text}`).toBeLessThan(300);
  }
  expect((await oms.request('GET', `/purchase-orders/${received}`)).body.status).toBe('received');

  // Outbound webhooks: a subscription (the rule follows it), its endpoint refusing the first attempt so the
  // dispatcher sends a retry, the log, a rotation, and disabling it (the rule follows again).
  let attempts = 0;
  const endpoint = createServer((request, response) => {
    request.resume();
    attempts += 1;
    response.writeHead(attempts === 1 ? 503 : 204).end();
  });
  await new Promise<void>((done) => endpoint.listen(0, '127.0.0.1', done));
  try {
    const url = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/parity`;
    const created = await oms.request('POST', '/webhook-subscriptions', { url, eventTypes: ['OrderPlaced'] });
    expect(created.status, created.text).toBe(201);
    const hooked = await deliverShopify(shopifyOrder());
    expect(hooked.status).toBe(201);
    const delivered = await eventually(async () => {
      const log = (await oms.request('GET', `/webhook-subscriptions/${created.body.id}/deliveries`)).body;
      return log.items?.[0]?.status === 'delivered' ? log.items[0] : undefined;
    }, 30_000);
    expect(delivered.attempts).toBe(2);
    const webhookCalls: [string, string, object?][] = [
      ['GET', '/webhook-subscriptions'],
      ['GET', `/webhook-subscriptions/${created.body.id}`],
      ['POST', `/webhook-subscriptions/${created.body.id}/rotate-secret`, {}],
      [
        'PUT',
        `/webhook-subscriptions/${created.body.id}`,
        { url, eventTypes: ['OrderPlaced'], enabled: false },
      ],
    ];
    for (const [method, path, body] of webhookCalls) {
      const reply = await oms.request(method, path, body);
      expect(reply.status, `${method} ${path}: ${reply.text}`).toBeLessThan(300);
    }
  } finally {
    await new Promise<void>((done) => endpoint.close(() => done()));
  }

  // Carts: one last active 11 hours ago with its checkout started, so the schedule below abandons it and
  // marketing, receiving the CartAbandoned, asks for its recovery; and marketing's reads.
  const quiet = new Date(Date.now() - 11 * 3600 * 1000).toISOString();
  const cartCalls: [string, string, object?][] = [
    [
      'POST',
      '/carts/parity-cart/events',
      {
        eventId: 'parity-1',
        occurredAt: quiet,
        type: 'item-added',
        sku: 'SKU-PARITY-CART',
        quantity: 1,
        unitPrice: 1000,
        currency: 'USD',
        customer: { email: 'cart@parity.example' },
      },
    ],
    [
      'POST',
      '/carts/parity-cart/events',
      { eventId: 'parity-2', occurredAt: quiet, type: 'checkout-started' },
    ],
    ['GET', '/marketing/abandoned-carts'],
    ['GET', '/marketing/products/SKU-PARITY-CART/interest'],
    ['GET', `/marketing/customers/${emailHash('cart@parity.example')}/interest`],
  ];
  for (const [method, path, body] of cartCalls) {
    const reply = await oms.request(method, path, body);
    expect(reply.status, `${method} ${path}: ${reply.text}`).toBeLessThan(300);
  }

  // Ledger exports and ACH payouts: an export of today (streamed to the bucket), a payout and its NACHA file.
  let achDate = Date.now() + 86_400_000;
  while ([0, 6].includes(new Date(achDate).getUTCDay())) achDate += 86_400_000;
  const today = new Date().toISOString().slice(0, 10);
  const moneyCalls: [string, string, object?][] = [
    ['POST', '/ledger/exports', { from: today, to: today }],
    ['GET', `/ledger/exports?from=${today}&to=${today}`],
    [
      'POST',
      '/payouts',
      {
        id: 'parity-payout',
        payee: {
          name: 'Parity Supply',
          routingNumber: '011000015',
          accountNumber: '1234',
          accountType: 'checking',
        },
        amount: 1000,
        currency: 'USD',
        purpose: 'supplier',
      },
    ],
    ['GET', '/payouts?status=pending'],
    [
      'POST',
      '/payouts/ach-files',
      { id: 'parity-ach', effectiveDate: new Date(achDate).toISOString().slice(0, 10) },
    ],
  ];
  for (const [method, path, body] of moneyCalls) {
    const reply = await oms.request(method, path, body);
    expect(reply.status, `${method} ${path}: ${reply.text}`).toBeLessThan(300);
  }

  // Payments and the ledger: a partial refund of the happy order, then the ledger's reads.
  const refund = await oms.request(
    'POST',
    `/orders/${happy.body.orderId}/refunds`,
    { amount: 100, reason: 'parity' },
    { 'idempotency-key': 'parity-refund-1' },
  );
  expect(refund.status, refund.text).toBe(201);
  for (const path of ['/ledger/entries', '/ledger/trial-balance', '/ledger/reconciliation']) {
    const reply = await oms.request('GET', path);
    expect(reply.status, `GET ${path}: ${reply.text}`).toBe(200);
  }

  // Shipping: SKU dimensions, a quote from a seeded location, a freight class (docs/shipping.md).
  const shippingCalls: [string, string, object][] = [
    ['PUT', '/skus/SKU-PARITY-SHIP/dimensions', { lengthIn: 12, widthIn: 10, heightIn: 6, weightLb: 3 }],
    [
      'POST',
      '/shipping/quotes',
      {
        origin: { locationId: 'wh-east' },
        destination: { postalCode: '10001', country: 'US' },
        parcels: [{ lengthIn: 12, widthIn: 10, heightIn: 6, weightLb: 3 }],
        promiseDate: '2099-01-01',
      },
    ],
    [
      'POST',
      '/shipping/freight-class',
      { weightLb: 500, lengthIn: 48, widthIn: 40, heightIn: 48, shipDate: today },
    ],
  ];
  for (const [method, path, body] of shippingCalls) {
    const reply = await oms.request(method, path, body);
    expect(reply.status, `${method} ${path}: ${reply.text}`).toBeLessThan(300);
  }

  // Paperwork and freight audit (docs/paperwork.md, docs/freight-audit.md): a BOL for the happy order's
  // shipment, listed and downloaded; a carrier invoice billing it, approved, disputed and reported on.
  const shipped = (await oms.request('GET', `/orders/${happy.body.orderId}`)).body;
  const tracking = shipped.shipments?.[0]?.trackingNumber as string;
  const documents = `/orders/${happy.body.orderId}/documents`;
  const issued = await oms.request('POST', documents, { type: 'bill-of-lading' });
  expect(issued.status, issued.text).toBe(201);
  for (const path of [documents, `${documents}/${issued.body.id}`]) {
    const reply = await oms.request('GET', path);
    expect(reply.status, `GET ${path}: ${reply.text.slice(0, 200)}`).toBe(200);
  }
  const invoiceCsv = [
    'invoice_number,carrier,invoice_date,tracking_number,billed_amount,currency',
    `PARITY-1,SIMPARCEL,${today},${tracking},10.00,USD`,
    `PARITY-1,SIMPARCEL,${today},1ZPARITYNONE,5.00,USD`,
  ].join('\n');
  const imported = await oms.request('POST', '/freight-invoices', invoiceCsv, { 'content-type': 'text/csv' });
  expect(imported.status, imported.text).toBe(201);
  const invoiceId = imported.body.invoices[0].id as string;
  const freightCalls: [string, string, object?][] = [
    ['POST', `/freight-invoices/${invoiceId}/dispute`, { lines: [2], reason: 'not our shipment' }],
    ['POST', `/freight-invoices/${invoiceId}/approve`, { lines: [1], overrideReason: 'parity' }],
    ['GET', `/freight-invoices/${invoiceId}`],
    ['GET', `/freight-audit/report?from=${today}&to=${today}`],
  ];
  for (const [method, path, body] of freightCalls) {
    const reply = await oms.request(method, path, body);
    expect(reply.status, `${method} ${path}: ${reply.text}`).toBe(200);
  }

  // Coupons (docs/coupons.md): create, read, preview against a basket, disable.
  const couponCalls: [string, string, object?][] = [
    ['POST', '/coupons', { code: 'PARITY10', type: 'percentage', basisPoints: 1000, usageLimit: 5 }],
    ['GET', '/coupons/PARITY10'],
    [
      'POST',
      '/discounts/preview',
      {
        codes: ['PARITY10'],
        currency: 'USD',
        lines: [{ sku: 'SKU-MUG', quantity: 1, unitPrice: 1500 }],
        customerEmail: 'parity@example.com',
      },
    ],
    ['PUT', '/coupons/PARITY10', { status: 'disabled' }],
  ];
  for (const [method, path, body] of couponCalls) {
    const reply = await oms.request(method, path, body);
    expect(reply.status, `${method} ${path}: ${reply.text}`).toBeLessThan(300);
  }

  // The console's agent routes (docs/customer-service.md): sign in, then search, read an order, stock, metrics.
  oms.agents.addAgent('parity-agent', 'parity password 1', ['agent']);
  const session = await oms.request('POST', '/agent/session', {
    username: 'parity-agent',
    password: 'parity password 1',
  });
  expect(session.status, session.text).toBe(201);
  const asAgent = { authorization: `Bearer ${session.body.token}` };
  for (const path of [
    '/agent/session',
    `/agent/orders?q=${happy.body.orderId}`,
    `/agent/orders/${happy.body.orderId}`,
    '/agent/inventory/SKU-MUG',
    '/agent/metrics/live',
  ]) {
    const reply = await oms.request('GET', path, undefined, asAgent);
    expect(reply.status, `GET ${path}: ${reply.text}`).toBe(200);
  }

  // Agents' changes (docs/customer-service.md): a cancellation, an address and a line change before the pick,
  // a return of the shipped order through to its refund, an appeasement, then the audit logs.
  const toCancel = (await deliverShopify(shopifyOrder())).body.orderId as string;
  const changed = (await deliverShopify(shopifyOrder())).body.orderId as string;
  await orderIn(toCancel, 'picking');
  await orderIn(changed, 'picking');
  const agentWrite = async (method: string, path: string, body: object, key: string) => {
    const reply = await oms.request(method, path, body, { ...asAgent, 'idempotency-key': `parity-${key}` });
    expect(reply.status, `${method} ${path}: ${reply.text}`).toBeLessThan(300);
    return reply.body;
  };
  await agentWrite('POST', `/agent/orders/${toCancel}/cancellation`, { reason: 'parity' }, 'cancel');
  await agentWrite(
    'PUT',
    `/agent/orders/${changed}/shipping`,
    {
      reason: 'parity',
      address: { line1: '2 Parity Way', city: 'New York', region: 'NY', postalCode: '10002', country: 'US' },
    },
    'shipping',
  );
  await agentWrite(
    'POST',
    `/agent/orders/${changed}/lines`,
    { reason: 'parity', remove: [{ sku: 'SKU-TSHIRT-M', quantity: 1 }] },
    'lines',
  );
  const requested = await agentWrite(
    'POST',
    `/agent/orders/${happy.body.orderId}/returns`,
    { reason: 'parity', lines: [{ sku: 'SKU-MUG', quantity: 1 }], resolution: 'refund' },
    'return',
  );
  const rma = requested.return.id as string;
  await agentWrite('POST', `/agent/returns/${rma}/authorization`, { reason: 'parity' }, 'authorize');
  await agentWrite(
    'POST',
    `/agent/returns/${rma}/receipt`,
    {
      reason: 'parity',
      lines: [{ sku: 'SKU-MUG', quantity: 1, condition: 'sellable', disposition: 'restock' }],
    },
    'receive',
  );
  await agentWrite('POST', `/agent/returns/${rma}/resolution`, { reason: 'parity' }, 'resolve');
  // An exchange of one of the two T-shirts for another: resolving it places the replacement order, whose
  // workflow resolve-return starts (states:StartExecution).
  const swap = (
    await agentWrite(
      'POST',
      `/agent/orders/${happy.body.orderId}/returns`,
      {
        reason: 'parity',
        lines: [{ sku: 'SKU-TSHIRT-M', quantity: 1 }],
        resolution: 'exchange',
        exchange: [{ sku: 'SKU-TSHIRT-M', quantity: 1 }],
      },
      'return-exchange',
    )
  ).return.id as string;
  await agentWrite(
    'POST',
    `/agent/returns/${swap}/authorization`,
    { reason: 'parity' },
    'authorize-exchange',
  );
  await agentWrite(
    'POST',
    `/agent/returns/${swap}/receipt`,
    {
      reason: 'parity',
      lines: [{ sku: 'SKU-TSHIRT-M', quantity: 1, condition: 'sellable', disposition: 'restock' }],
    },
    'receive-exchange',
  );
  await agentWrite('POST', `/agent/returns/${swap}/resolution`, { reason: 'parity' }, 'resolve-exchange');
  const refused = await agentWrite(
    'POST',
    `/agent/orders/${happy.body.orderId}/returns`,
    { reason: 'parity', lines: [{ sku: 'SKU-TSHIRT-M', quantity: 1 }], resolution: 'store_credit' },
    'return-refused',
  );
  await agentWrite('POST', `/agent/returns/${refused.return.id}/refusal`, { reason: 'parity' }, 'refuse');
  await agentWrite(
    'POST',
    `/agent/orders/${happy.body.orderId}/appeasements`,
    { reason: 'parity', kind: 'coupon', percentOff: 5 },
    'appease',
  );
  for (const path of [
    `/agent/orders/${happy.body.orderId}/returns`,
    `/agent/returns/${rma}`,
    `/agent/orders/${happy.body.orderId}/documents`,
    `/agent/orders/${changed}/audit`,
  ]) {
    const reply = await oms.request('GET', path, undefined, asAgent);
    expect(reply.status, `GET ${path}: ${reply.text}`).toBe(200);
  }
  oms.agents.addAgent('parity-supervisor', 'parity password 2', ['supervisor']);
  const supervisor = await oms.request('POST', '/agent/session', {
    username: 'parity-supervisor',
    password: 'parity password 2',
  });
  const agentId = (await oms.request('GET', '/agent/session', undefined, asAgent)).body.agent.id;
  const audit = await oms.request('GET', `/agent/audit?agentId=${encodeURIComponent(agentId)}`, undefined, {
    authorization: `Bearer ${supervisor.body.token}`,
  });
  expect(audit.status, audit.text).toBe(200);
  expect(audit.body.actions.length).toBeGreaterThanOrEqual(9);

  // Every scheduled job, as its schedule would run it.
  for (const { name } of schedules) await oms.scheduler.runNow(name);
  await settle();
}

beforeAll(async () => {
  oms = await startTestRuntime({ pickTimeoutSeconds: 60, webhooks: { retryBaseMs: 10 } });
  oms.meter.reset();
  await runFlows();
  calls = oms.meter.calls();
  resources = synthesize();
  resolve = resolverFor(resources, oms.tableName);
}, 240_000);

afterAll(async () => {
  if (calls && resources) process.stdout.write(unusedReport());
  await oms?.stop();
});

describe('Given the flows run on the local runtime with the recorder on', () => {
  it('exercises the functions of every kind of trigger', () => {
    const exercised = new Set(calls.map((call) => call.principal));
    // A function that calls no AWS service (a pure calculation) shows only as API Gateway's invocation of it.
    for (const call of calls) {
      if (call.principal === principals.apiGateway && call.action === 'InvokeFunction') {
        exercised.add(call.resource.slice(call.resource.lastIndexOf(':') + 1));
      }
    }
    const expected = functions
      .filter((spec) => ['http', 'workflow', 'queue', 'schedule'].includes(spec.trigger.kind))
      .map((spec) => spec.name);
    expect(expected.filter((name) => !exercised.has(name))).toEqual([]);
    expect(exercised).toContain(principals.apiGateway);
    expect(exercised).toContain(principals.eventBridge);
    expect(exercised).toContain(principals.stateMachine(resourceNames.stateMachineName));
    expect(exercised).toContain(principals.stateMachine(resourceNames.shippingStateMachineName));
  });

  describe('When each call is held against the role of the function that made it', () => {
    it('finds every call allowed', () => {
      const missing = calls
        .filter((call) => functions.some((spec) => spec.name === call.principal))
        .filter((call) => {
          const statements = roleStatements(call.principal);
          return (
            !statements || !permits(statements, resolve, `${call.service}:${call.action}`, call.resource)
          );
        })
        .map(describeCall);
      expect(missing).toEqual([]);
    });
  });

  describe('When the live metrics read the dead-letter queues', () => {
    it('reads each one under its own grant, and no working queue is readable', () => {
      const reads = calls.filter(
        (call) => call.principal === 'get-live-metrics' && call.action === 'GetQueueAttributes',
      );
      expect(reads.map((call) => call.resource).sort()).toEqual(
        QUEUE_NAMES.map((name) => localArn.queue(`${name}-dlq`)).sort(),
      );
      const statements = roleStatements('get-live-metrics') ?? [];
      for (const name of QUEUE_NAMES) {
        expect(permits(statements, resolve, 'sqs:GetQueueAttributes', localArn.queue(`${name}-dlq`))).toBe(
          true,
        );
        expect(permits(statements, resolve, 'sqs:GetQueueAttributes', localArn.queue(name))).toBe(false);
      }
    });
  });

  describe('When a purchase order is emailed to its supplier', () => {
    it('sends from the purchasing identity, which is all the role may send from', () => {
      const sends = calls.filter((call) => call.service === 'ses');
      expect(sends.map((call) => [call.principal, call.action, call.resource])).toContainEqual([
        'send-purchase-order',
        'SendEmail',
        localSesIdentityArn(),
      ]);
      const statements = roleStatements('send-purchase-order') ?? [];
      expect(permits(statements, resolve, 'ses:SendEmail', localSesIdentityArn())).toBe(true);
      expect(permits(statements, resolve, 'ses:SendEmail', localSesIdentityArn('other.example'))).toBe(false);
      expect(
        permits(roleStatements('get-order') ?? [], resolve, 'ses:SendEmail', localSesIdentityArn()),
      ).toBe(false);
    });
  });

  describe('When webhook subscriptions change and a delivery is retried', () => {
    it('re-points only the webhooks rule, and sends retries only to the webhooks queue', () => {
      const putRules = calls.filter((call) => call.action === 'PutRule');
      expect(new Set(putRules.map((call) => call.resource))).toEqual(
        new Set([localRuleArn(WEBHOOK_RULE_NAME)]),
      );
      expect(new Set(putRules.map((call) => call.principal))).toEqual(
        new Set(['create-webhook-subscription', 'update-webhook-subscription']),
      );
      const retries = calls.filter(
        (call) => call.principal === 'deliver-webhooks' && call.action === 'SendMessage',
      );
      expect(retries.map((call) => call.resource)).toEqual([localArn.queue('webhooks')]);

      const dispatcher = roleStatements('deliver-webhooks') ?? [];
      expect(permits(dispatcher, resolve, 'events:PutRule', localRuleArn(WEBHOOK_RULE_NAME))).toBe(true);
      expect(permits(dispatcher, resolve, 'events:PutRule', localRuleArn('orders-to-marketing'))).toBe(false);
      expect(permits(dispatcher, resolve, 'sqs:SendMessage', localArn.queue('marketing'))).toBe(false);
      expect(
        permits(
          roleStatements('get-webhook-subscription') ?? [],
          resolve,
          'events:PutRule',
          localRuleArn(WEBHOOK_RULE_NAME),
        ),
      ).toBe(false);
    });
  });

  describe('When the state machines and schedules are held against their roles', () => {
    it('finds every invocation and child start allowed', () => {
      const missing = calls
        .filter((call) => call.principal.startsWith('states:') || call.principal.startsWith('scheduler:'))
        .filter((call) => {
          const statements = roleStatements(call.principal);
          return (
            !statements || !permits(statements, resolve, `${call.service}:${call.action}`, call.resource)
          );
        })
        .map(describeCall);
      expect(missing).toEqual([]);
    });
  });

  describe('When services act through resource policies', () => {
    it('lets API Gateway invoke every function it invoked and EventBridge send to every queue it fed', () => {
      const missing = calls
        .filter(
          (call) => call.principal === principals.apiGateway || call.principal === principals.eventBridge,
        )
        .filter((call) => !resourcePolicyAllows(call))
        .map(describeCall);
      expect(missing).toEqual([]);
    });
  });

  describe('When a grant is checked against a call it does not cover', () => {
    it('refuses it, so the assertions above can fail', () => {
      const statements = roleStatements('get-order') ?? [];
      expect(permits(statements, resolve, 'dynamodb:GetItem', localArn.table(oms.tableName))).toBe(true);
      expect(permits(statements, resolve, 'dynamodb:PutItem', localArn.table(oms.tableName))).toBe(false);
      expect(permits(statements, resolve, 'dynamodb:Query', localArn.index(oms.tableName, 'gsi2'))).toBe(
        true,
      );
      expect(permits(statements, resolve, 'dynamodb:GetItem', localArn.table('another-table'))).toBe(false);
    });
  });
});

/**
 * Grants no flow used, per function: declared permissions nothing exercised, and IAM actions of the role
 * beyond what was called (logs and X-Ray, which the Lambda runtime uses, left out).
 */
function unusedReport(): string {
  const lines = ['', 'Permission parity: granted but not used by these flows'];
  const usedBy = (name: string) =>
    new Set(
      calls
        .filter((call) => call.principal === name)
        .map((call) => `${call.service}:${call.action}`.toLowerCase()),
    );
  for (const spec of functions) {
    const used = usedBy(spec.name);
    if (used.size === 0) {
      lines.push(`  ${spec.name}: not exercised`);
      continue;
    }
    const unusedPermissions = spec.permissions.filter((permission) => {
      const actions = permissionActions[permission];
      return actions !== undefined && !actions.some((action) => used.has(action.toLowerCase()));
    });
    const granted = new Set(
      (roleStatements(spec.name) ?? [])
        .filter((statement) => statement.Effect === 'Allow')
        .flatMap((statement) => asList(statement.Action))
        .filter((action) => !/^(logs|xray):/.test(action)),
    );
    const unusedActions = [...granted].filter((action) => !used.has(action.toLowerCase())).sort();
    if (unusedPermissions.length + unusedActions.length === 0) continue;
    lines.push(
      `  ${spec.name}: ` +
        (unusedPermissions.length > 0 ? `declared, unused: ${unusedPermissions.join(', ')}; ` : '') +
        `granted, unused: ${unusedActions.join(', ') || 'none'}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
