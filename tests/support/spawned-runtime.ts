import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../local/dynamodb.js';
import { TEST_SECRETS } from './fixtures.js';
import { eventually, repoRoot } from './runtime.js';

export interface SpawnedRuntime {
  child: ChildProcess;
  url: string;
  output(): string;
  exited: Promise<NodeJS.Signals | number | null>;
}

/**
 * The `npm start` entry point as a separate process group (it and its DynamoDB Local), so a test can kill the
 * whole group at once the way a power cut would, then start again on the same data dir.
 */
export async function spawnRuntime(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<SpawnedRuntime> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(repoRoot, 'node_modules/tsx/dist/cli.mjs'), 'local/main.ts'], {
    cwd: repoRoot,
    detached: true,
    env: {
      ...process.env,
      PORT: String(port),
      OMS_DATA_DIR: dataDir,
      OMS_SHOPIFY_SECRET: TEST_SECRETS.shopify,
      OMS_SCHEDULES: 'off',
      OMS_RETRY_INTERVAL_MS: '50',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<NodeJS.Signals | number | null>((done) =>
    child.once('exit', (code, signal) => done(signal ?? code)),
  );
  await eventually(async () => {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`runtime exited:\n${output}`);
    return output.includes('OMS is running at') ? true : undefined;
  }, 60_000);
  return { child, url: `http://127.0.0.1:${port}`, output: () => output, exited };
}

/** Kills the process group: the runtime (if still alive) and the DynamoDB Local it started. */
export async function killGroup(runtime: SpawnedRuntime): Promise<void> {
  const pid = runtime.child.pid;
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
  await runtime.exited;
  // Java must be gone before the same data dir is opened again.
  await eventually(async () => {
    try {
      process.kill(-pid, 0);
      return undefined;
    } catch {
      return true;
    }
  }, 15_000);
}

/** Every envelope the local bus published, from its archive (what EventBridge's archive would hold). */
export function archivedEvents(
  dataDir: string,
): { 'detail-type': string; detail: { data: { orderId?: string } } }[] {
  const file = join(dataDir, 'events', 'archive.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

export async function json(url: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}
