import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { FileCustomerMessages } from '../../local/adapters/file-customer-messages.js';
import { FileObjectStore } from '../../local/adapters/file-object-store.js';
import { FileSupplierOrders } from '../../local/adapters/file-supplier-orders.js';
import { LocalAgentDirectory } from '../../local/adapters/local-agent-directory.js';
import { createLocalDynamoClient, ensureTable } from '../../local/dynamodb.js';
import { systemClock, UlidIds } from '../../shared/adapters/ids.js';
import { SimulatedCarrierGateway } from '../../shared/adapters/simulated/carrier-gateway.js';
import { SimulatedPaymentGateway } from '../../shared/adapters/simulated/payment-gateway.js';
import { QUEUE_NAMES } from '../../shared/config/functions.js';
import { webhookPolicy } from '../../shared/config/webhooks.js';
import type { DomainEvent } from '../../shared/events/envelope.js';
import type { Deps } from '../../shared/runtime/deps.js';
import { streamedEvents } from './stream.js';

export interface TestDeps extends Deps {
  /** Events handed to the bus port (only the outbox publisher does that). */
  published: DomainEvent[];
  /** Events the writes so far announced, oldest first: what the stream publisher will publish. */
  outbox(): Promise<DomainEvent[]>;
  started: { name: string; input: Record<string, unknown> }[];
  /** Starts of the Express shipping run (`deps.shipping`), in order; repeated names start again, as on AWS. */
  shippingStarted: { name: string; input: Record<string, unknown> }[];
  callbacks: { token: string; outcome: 'success' | 'failure'; payload: unknown }[];
}

/** Real DynamoDB Local (a fresh table), recording fakes for the bus and the workflow engine. */
export async function createTestDeps(): Promise<TestDeps> {
  const client = createLocalDynamoClient(inject('dynamoEndpoint'));
  const tableName = `it_${randomBytes(4).toString('hex')}`;
  await ensureTable(client, tableName);
  const published: DomainEvent[] = [];
  const started: TestDeps['started'] = [];
  const names = new Set<string>();
  const shippingStarted: TestDeps['shippingStarted'] = [];
  const callbacks: TestDeps['callbacks'] = [];
  const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return {
    db,
    tableName,
    events: { publish: async (events) => void published.push(...events) },
    workflows: {
      async start(name, input) {
        started.push({ name, input });
        const alreadyStarted = names.has(name);
        names.add(name);
        return { executionId: name, alreadyStarted };
      },
      // Nothing runs in these tests: every recorded start is treated as ended.
      isRunning: async () => false,
    },
    shipping: {
      async start(name, input) {
        shippingStarted.push({ name, input });
        return { executionId: `${name}:${shippingStarted.length}`, alreadyStarted: false };
      },
      isRunning: async () => false,
    },
    taskCallbacks: {
      succeed: async (token, payload) => void callbacks.push({ token, outcome: 'success', payload }),
      fail: async (token, error, cause) =>
        void callbacks.push({ token, outcome: 'failure', payload: { error, cause } }),
    },
    payments: new SimulatedPaymentGateway(),
    carriers: new SimulatedCarrierGateway(),
    objects: new FileObjectStore(mkdtempSync(join(tmpdir(), 'oms-bucket-'))),
    secrets: { webhookSecrets: async () => [], apiKeys: async () => [] },
    supplierOrders: new FileSupplierOrders(mkdtempSync(join(tmpdir(), 'oms-mail-'))),
    customerMessages: new FileCustomerMessages(mkdtempSync(join(tmpdir(), 'oms-mailbox-'))),
    // No queue runs in these tests: every dead-letter queue is empty.
    queueDepths: { deadLetters: async () => Object.fromEntries(QUEUE_NAMES.map((name) => [name, 0])) },
    // No webhook endpoint is reachable in these tests: every attempt fails; retries and the rule go nowhere.
    webhooks: {
      sender: { send: async () => ({ error: 'no network in these tests', durationMs: 0 }) },
      retries: { maxDelayMs: 900_000, schedule: async () => undefined },
      routing: { setWebhookEventTypes: async () => undefined },
      policy: webhookPolicy(),
    },
    agents: new LocalAgentDirectory(join(mkdtempSync(join(tmpdir(), 'oms-agents-')), 'agents.json')),
    clock: systemClock,
    ids: new UlidIds(systemClock),
    published,
    async outbox() {
      return await streamedEvents(client, inject('dynamoEndpoint'), tableName);
    },
    started,
    shippingStarted,
    callbacks,
  };
}
