/**
 * `npm start`: the whole OMS on this machine, no AWS account needed. Ctrl-C stops everything, Java included.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Quiet, local-friendly Powertools defaults, set before any handler module creates its logger.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
process.env.AWS_REGION ??= 'local';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { startLocalRuntime } = await import('./runtime.js');
const { signShopify } = await import('../shared/intake/signatures.js');
const { shopifySample } = await import('./sample.js');
const { webhookOverridesFromEnv } = await import('../shared/config/webhooks.js');

const write = (line: string) => process.stdout.write(`${line}\n`);
const dataDir = resolve(process.env.OMS_DATA_DIR ?? join(root, '.oms'));
const runtime = await startLocalRuntime({
  root,
  dataDir,
  port: Number(process.env.PORT ?? 3000),
  host: process.env.HOST ?? '127.0.0.1',
  ...(process.env.OMS_PICK_TIMEOUT_SECONDS
    ? { pickTimeoutSeconds: Number(process.env.OMS_PICK_TIMEOUT_SECONDS) }
    : {}),
  ...(process.env.OMS_RETRY_INTERVAL_MS
    ? { retryIntervalMs: Number(process.env.OMS_RETRY_INTERVAL_MS) }
    : {}),
  schedules: process.env.OMS_SCHEDULES !== 'off',
  // OMS_WEBHOOK_RETRY_BASE_MS, OMS_WEBHOOK_TIMEOUT_MS, OMS_WEBHOOK_DISABLE_AFTER_FAILURES / _MS.
  webhooks: webhookOverridesFromEnv(process.env),
  log: (line) => write(`[oms] ${line}`),
});

// The console's demo agents, created on the first start with passwords shown once (OMS_AGENT_PASSWORD
// chooses one for both). Add or reset agents with runtime.agents.addAgent() in a script of your own.
const demoAgents: string[] = [];
if (runtime.agents.size === 0) {
  for (const [username, roles] of [
    ['agent', ['agent']],
    ['supervisor', ['agent', 'supervisor']],
  ] as const) {
    const password = process.env.OMS_AGENT_PASSWORD ?? randomBytes(9).toString('base64url');
    runtime.agents.addAgent(username, password, roles);
    demoAgents.push(`  ${username.padEnd(11)}  ${password}`);
  }
}

const sample = JSON.stringify(shopifySample());
const samplePath = join(dataDir, 'samples', 'shopify-order.json');
mkdirSync(dirname(samplePath), { recursive: true });
writeFileSync(samplePath, sample);
const [shopifySecret = ''] = runtime.secrets.shopify;

write(`
OMS is running at ${runtime.url}   (data: ${runtime.dataDir})
Customer-service console: ${runtime.url}/console/

Webhook secrets (set OMS_SHOPIFY_SECRET, OMS_WOOCOMMERCE_SECRET, OMS_STANDARD_WEBHOOK_SECRET to choose your own):
  shopify      ${runtime.secrets.shopify.join(', ')}
  woocommerce  ${runtime.secrets.woocommerce.join(', ')}
  standard     ${runtime.secrets.standard.join(', ')}

${
  demoAgents.length > 0
    ? `Console agents (created now, shown once; kept hashed in ${join(runtime.dataDir, 'agents.json')}):
${demoAgents.join('\n')}
  curl -s -X POST ${runtime.url}/agent/session -H 'content-type: application/json' \\
    -d '{"username":"agent","password":"<password>"}'

`
    : ''
}Try it: a signed Shopify orders/create delivery, then follow the order
  curl -s -X POST ${runtime.url}/webhooks/shopify \\
    -H 'content-type: application/json' -H 'x-shopify-topic: orders/create' \\
    -H 'x-shopify-webhook-id: demo-${Date.now()}' \\
    -H 'x-shopify-hmac-sha256: ${signShopify(sample, shopifySecret)}' \\
    --data-binary @${samplePath}
  curl -s ${runtime.url}/orders/<orderId>          # status picking, with pickTickets[0].id
  curl -s -X POST ${runtime.url}/pick-tickets/<id>/confirm -H 'content-type: application/json' \\
    -d '{"lines":[{"sku":"SKU-TSHIRT-M","quantity":2},{"sku":"SKU-MUG","quantity":1}]}'
  curl -s ${runtime.url}/inventory/SKU-TSHIRT-M

Ctrl-C stops the OMS and DynamoDB Local.
`);

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  write(`[oms] ${signal}: stopping`);
  runtime.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
