import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type DynamoDbLocal, freePort, startDynamoDbLocal } from '../../local/dynamodb.js';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime.js';
import { orderIdFor } from '../../shared/app/place-order.js';
import { reconcileOrders } from '../../shared/app/reconcile.js';
import { signShopify } from '../../shared/intake/signatures.js';
import { shopifyOrder, TEST_SECRETS } from '../support/fixtures.js';
import { eventually, repoRoot } from '../support/runtime.js';

let dynamo: DynamoDbLocal | undefined;
let runtime: LocalRuntime | undefined;

afterAll(async () => {
  await runtime?.stop();
  await dynamo?.stop();
});

describe('Given DynamoDB becomes unreachable during intake', () => {
  it('answers deliveries with 5xx so senders retry, writes nothing half, and every retried order completes intake', async () => {
    const port = await freePort();
    const dbPath = mkdtempSync(join(tmpdir(), 'oms-outage-db-'));
    dynamo = await startDynamoDbLocal({ port, dbPath });
    process.env.OMS_SHOPIFY_SECRET = TEST_SECRETS.shopify;
    runtime = await startLocalRuntime({
      root: repoRoot,
      dataDir: mkdtempSync(join(tmpdir(), 'oms-outage-')),
      port: 0,
      dynamoEndpoint: dynamo.endpoint,
      schedules: false,
      retryIntervalMs: 20,
      pickTimeoutSeconds: 600,
    });
    const url = runtime.url;
    const payloads = Array.from({ length: 12 }, () => JSON.stringify(shopifyOrder()));
    const send = (body: string) =>
      fetch(`${url}/webhooks/shopify`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-shopify-hmac-sha256': signShopify(body, TEST_SECRETS.shopify),
        },
        body,
      }).then((response) => response.status);

    const before = await Promise.all(payloads.slice(0, 4).map(send));
    expect(before.every((status) => status === 201)).toBe(true);

    await dynamo.stop();
    const during = await Promise.all(payloads.slice(4).map(send));
    expect(during.every((status) => status >= 500 && status < 600)).toBe(true);

    dynamo = await startDynamoDbLocal({ port, dbPath });
    // Nothing of the refused deliveries was stored: no order exists for them yet.
    for (const body of payloads.slice(4)) {
      const id = orderIdFor('shopify', String(JSON.parse(body).id));
      expect((await fetch(`${url}/orders/${id}`)).status).toBe(404);
    }
    // The senders retry, and every order is accepted exactly once.
    const retried = await Promise.all(payloads.slice(4).map(send));
    expect(retried.every((status) => status === 201)).toBe(true);
    const again = await Promise.all(payloads.map(send));
    expect(again.every((status) => status === 200)).toBe(true);

    // Orders whose workflow hit the outage are restarted by the reconciler and reach picking.
    await runtime.engine.idle(10_000);
    await reconcileOrders(runtime.deps, { staleAfterSeconds: 0 });
    for (const body of payloads) {
      const id = orderIdFor('shopify', String(JSON.parse(body).id));
      await eventually(async () => {
        const order = (await (await fetch(`${url}/orders/${id}`)).json()) as { status: string };
        return order.status === 'picking' ? order : undefined;
      }, 20_000);
    }
  }, 120_000);
});
