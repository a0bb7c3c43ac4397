import { execFile } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { type FunctionSpec, functions, handlerEntry } from '../../shared/config/functions.js';
import { type BenchSection, figure, isQuick } from '../section.js';
import { progress, repoRoot } from './intake.js';

/**
 * What each Lambda function costs before its first request: the size of the bundle the stack deploys and
 * the time a fresh Node.js process takes to import it (module evaluation and top-level initialisation),
 * against a bundle that only constructs a DynamoDB client, built and loaded the same way.
 */

const run$ = promisify(execFile);

const BANNER = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/**
 * The stack's bundling (infra/constructs/functions.ts, NodejsFunction `bundling`) in esbuild's terms, as
 * aws-lambda-nodejs passes it: ESM into index.mjs, node22, minified, external source map, the
 * createRequire banner, the AWS SDK left to the runtime. The section checks the construct still says so.
 */
const STACK_OPTIONS: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  minify: true,
  sourcemap: true,
  external: ['@aws-sdk/*'],
  mainFields: ['module', 'main'],
  banner: { js: BANNER },
  metafile: true,
  logLevel: 'silent',
};

/** Snippets of the construct that the options above copy; a missing one means this copy may be stale. */
const STACK_SNIPPETS = [
  'format: OutputFormat.ESM',
  "target: 'node22'",
  'minify: true',
  'sourceMap: true',
  "externalModules: ['@aws-sdk/*']",
  "mainFields: ['module', 'main']",
  BANNER,
];

/** Imports the bundle given as argument and reports how long that took and the memory it left in use. */
const MEASURE = `const started = performance.now();
const module = await import(process.argv[2]);
const initMs = performance.now() - started;
if (typeof module.handler !== 'function') throw new Error('the bundle exports no handler');
process.stdout.write(JSON.stringify({ initMs, rssBytes: process.memoryUsage().rss }));
`;

const BASELINE_ENTRY = `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
export const client = new DynamoDBClient({});
export const handler = async () => ({ statusCode: 200 });
`;

interface Target {
  name: string;
  trigger: string;
  spec?: FunctionSpec;
  bundle: string;
  bytes: number;
  mapBytes: number;
  /** Bytes in the bundle by package (or top-level folder for our own code), largest first. */
  contributors: [string, number][];
  initMs: number[];
  rssBytes: number[];
  error?: string;
}

function ownerOf(input: string): string {
  const marker = 'node_modules/';
  const at = input.lastIndexOf(marker);
  // Our own code by top-level folder; the baseline's entry lives outside the repository.
  if (at < 0) return input.startsWith('../') ? 'entry' : (input.split('/')[0] ?? input);
  const [first = '', second = ''] = input.slice(at + marker.length).split('/');
  return first.startsWith('@') ? `${first}/${second}` : first;
}

async function bundle(entry: string, outDir: string, name: string): Promise<Omit<Target, 'trigger'>> {
  const outfile = join(outDir, name, 'index.mjs');
  const result = await build({ ...STACK_OPTIONS, absWorkingDir: repoRoot, entryPoints: [entry], outfile });
  const outputs = (result.metafile as Metafile).outputs;
  const key = Object.keys(outputs).find((path) => path.endsWith('index.mjs'));
  const map = Object.keys(outputs).find((path) => path.endsWith('index.mjs.map'));
  const output = key ? outputs[key] : undefined;
  if (!output) throw new Error(`esbuild reported no index.mjs for ${name}`);
  const byOwner = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const owner = ownerOf(input);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + bytesInOutput);
  }
  return {
    name,
    bundle: outfile,
    bytes: output.bytes,
    mapBytes: map ? (outputs[map]?.bytes ?? 0) : 0,
    contributors: [...byOwner].sort((a, b) => b[1] - a[1]),
    initMs: [],
    rssBytes: [],
  };
}

/** The environment Lambda gives the function (names from the stack), with Powertools kept quiet. */
function lambdaEnv(target: Target): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_LAMBDA_FUNCTION_NAME: `oms-${target.name}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(target.spec?.memoryMb ?? 256),
    NODE_OPTIONS: '--enable-source-maps',
    OMS_TABLE_NAME: 'x',
    OMS_EVENT_BUS_NAME: 'x',
    OMS_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:x',
    OMS_BUCKET_NAME: 'x',
    OMS_SECRETS_PARAMETER_PREFIX: '/oms/webhook-secrets/',
    POWERTOOLS_SERVICE_NAME: target.spec?.context ?? 'baseline',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
  };
}

async function measure(target: Target, script: string, cwd: string): Promise<void> {
  if (target.error) return;
  try {
    const { stdout } = await run$(process.execPath, [script, pathToFileURL(target.bundle).href], {
      cwd,
      env: lambdaEnv(target),
      timeout: 60_000,
    });
    const result = JSON.parse(stdout) as { initMs: number; rssBytes: number };
    target.initMs.push(result.initMs);
    target.rssBytes.push(result.rssBytes);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    target.error = stderr.split('\n').find((line) => /Error/.test(line)) ?? stderr.slice(0, 200);
  }
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

const kib = (bytes: number): string => `${figure(bytes / 1024, 1)} KiB`;

const triggerOf = (spec: FunctionSpec): string => {
  const { trigger } = spec;
  if (trigger.kind === 'http') return `${trigger.method} ${trigger.path}`;
  if (trigger.kind === 'workflow') return 'workflow task';
  if (trigger.kind === 'queue') return `queue ${trigger.queue}`;
  if (trigger.kind === 'schedule') return `schedule ${trigger.schedule}`;
  if (trigger.kind === 'stream') return 'table stream';
  return trigger.kind;
};

/** Quick mode: the first function of each trigger kind. */
function chosen(quick: boolean): FunctionSpec[] {
  if (!quick) return [...functions];
  const kinds = new Set<string>();
  return functions.filter((spec) => {
    if (kinds.has(spec.trigger.kind)) return false;
    kinds.add(spec.trigger.kind);
    return true;
  });
}

export async function run(): Promise<BenchSection> {
  const quick = isQuick();
  const rounds = 3;
  const outDir = mkdtempSync(join(tmpdir(), 'oms-cold-start-'));
  try {
    // Bundles import the AWS SDK at run time, as the Lambda runtime provides it; here it resolves from the
    // project's node_modules, linked next to them.
    symlinkSync(join(repoRoot, 'node_modules'), join(outDir, 'node_modules'), 'dir');
    const script = join(outDir, 'measure.mjs');
    writeFileSync(script, MEASURE);
    const baselineEntry = join(outDir, 'baseline-entry.mjs');
    writeFileSync(baselineEntry, BASELINE_ENTRY);

    const baseline: Target = {
      ...(await bundle(baselineEntry, outDir, 'baseline')),
      trigger: '—',
    };
    const missing: string[] = [];
    const targets: Target[] = [];
    for (const spec of chosen(quick)) {
      const entry = join(repoRoot, handlerEntry(spec));
      if (!existsSync(entry)) {
        missing.push(spec.name);
        continue;
      }
      try {
        targets.push({ ...(await bundle(entry, outDir, spec.name)), trigger: triggerOf(spec), spec });
      } catch (error) {
        targets.push({
          name: spec.name,
          trigger: triggerOf(spec),
          spec,
          bundle: '',
          bytes: 0,
          mapBytes: 0,
          contributors: [],
          initMs: [],
          rssBytes: [],
          error: `bundling failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
        });
      }
    }
    progress(`cold start: ${targets.length} bundles built`);

    // Round-robin, so a slow moment of the machine lands on every target rather than on one.
    for (let round = 0; round < rounds; round++) {
      await measure(baseline, script, outDir);
      for (const target of targets) await measure(target, script, outDir);
      progress(`cold start: round ${round + 1}/${rounds} done`);
    }
    if (baseline.error) throw new Error(`the baseline bundle failed to load: ${baseline.error}`);

    const baseInit = median(baseline.initMs);
    const baseRss = median(baseline.rssBytes);
    const row = (target: Target): (string | number)[] => {
      if (target.error) {
        return [
          target.name,
          target.trigger,
          target.bytes ? kib(target.bytes) : '—',
          '—',
          '—',
          '—',
          target.error,
        ];
      }
      const init = median(target.initMs);
      const share = target.contributors
        .slice(0, 3)
        .map(([owner, bytes]) => `${owner} ${figure((bytes / target.bytes) * 100, 0)} %`)
        .join(', ');
      return [
        target === baseline ? 'baseline: `new DynamoDBClient({})`' : target.name,
        target.trigger,
        kib(target.bytes),
        figure(target.bytes / baseline.bytes, 1),
        `${figure(init, 1)} ms`,
        figure(init / baseInit, 2),
        `min ${figure(Math.min(...target.initMs), 1)} ms; RSS after init ${figure(median(target.rssBytes) / 2 ** 20, 1)} MiB ` +
          `(baseline ${figure(baseRss / 2 ** 20, 1)}); source map ${kib(target.mapBytes)}` +
          (share ? `; largest: ${share}` : ''),
      ];
    };

    const infra = readFileSync(join(repoRoot, 'infra/constructs/functions.ts'), 'utf8');
    const stale = STACK_SNIPPETS.filter((snippet) => !infra.includes(snippet));
    const loaded = targets.filter((target) => !target.error);
    const inits = loaded.map((target) => median(target.initMs));
    return {
      title: 'Cold start',
      description:
        'Every handler of `shared/config/functions.ts` bundled with esbuild as the stack bundles it (ESM ' +
        '`index.mjs`, node22, minified, source map, the `createRequire` banner, `@aws-sdk/*` external), then ' +
        `imported in a fresh Node.js ${process.version} process, ${rounds} times round-robin; the figure is the ` +
        'median time of `await import(bundle)`, which is module evaluation plus top-level initialisation. ' +
        'Baseline: a bundle that only constructs `new DynamoDBClient({})`, built and loaded the same way. The ' +
        'child gets the environment Lambda would give it (region, function name and memory, the stack\u2019s ' +
        '`OMS_*` names with dummy values, `NODE_OPTIONS=--enable-source-maps` as the stack sets it) with ' +
        'Powertools logging, metrics and tracing off. Ratios = function ÷ baseline.',
      headers: [
        'Function',
        'Trigger',
        'Bundle',
        'Size ÷ baseline',
        'Import + init',
        'Init ÷ baseline',
        'Detail',
      ],
      rows: [row(baseline), ...targets.map(row)],
      notes: [
        'The AWS SDK is external, as on Lambda (the runtime ships it), so the baseline bundle is little more ' +
          'than the banner and its size ratio is large by construction; the SDK modules a function imports are ' +
          'still loaded, from node_modules, and count in its import time.',
        'Not measured: the Lambda runtime\u2019s own bootstrap, fetching the code package, and anything a ' +
          'handler defers to its first request (the handlers build their AWS clients lazily on first use).',
        ...(loaded.length > 0
          ? [
              `Across the ${loaded.length} functions: import + init ${figure(Math.min(...inits), 1)}–` +
                `${figure(Math.max(...inits), 1)} ms, median ${figure(median(inits), 1)} ms; bundles ` +
                `${kib(Math.min(...loaded.map((t) => t.bytes)))}–${kib(Math.max(...loaded.map((t) => t.bytes)))}.`,
            ]
          : []),
        ...(quick ? ['Quick run: only the first function of each trigger kind.'] : []),
        ...(missing.length > 0 ? [`No handler file yet, skipped: ${missing.join(', ')}.`] : []),
        ...(stale.length > 0
          ? [
              `infra/constructs/functions.ts no longer contains ${stale.map((s) => `\`${s}\``).join(', ')}: ` +
                'the bundling options copied here may be out of date.',
            ]
          : []),
      ],
    };
  } finally {
    // The link goes first, on its own: nothing below may ever walk into the project's node_modules.
    const link = join(outDir, 'node_modules');
    if (lstatSync(link, { throwIfNoEntry: false })?.isSymbolicLink()) unlinkSync(link);
    rmSync(outDir, { recursive: true, force: true });
  }
}
