import { readFileSync } from 'node:fs';
import { type BuildOptions, buildSync } from 'esbuild';

export interface ConsoleFile {
  body: Buffer;
  contentType: string;
}

const source = (name: string) => new URL(name, import.meta.url);

/**
 * The console's files, built in memory: app.ts bundled for current browsers, the page and the styles as
 * they are. The local runtime serves them under /console/; the stack deploys the same files to its bucket.
 */
export function buildConsoleSync(): Map<string, ConsoleFile> {
  const options: BuildOptions & { write: false } = {
    entryPoints: [source('app.ts').pathname],
    bundle: true,
    write: false,
    format: 'esm',
    target: ['es2022'],
    minify: true,
    sourcemap: false,
    logLevel: 'silent',
  };
  const app = buildSync(options).outputFiles[0];
  if (!app) throw new Error('the console bundle is empty');
  return new Map<string, ConsoleFile>([
    ['index.html', { body: readFileSync(source('index.html')), contentType: 'text/html; charset=utf-8' }],
    ['styles.css', { body: readFileSync(source('styles.css')), contentType: 'text/css; charset=utf-8' }],
    ['app.js', { body: Buffer.from(app.contents), contentType: 'text/javascript; charset=utf-8' }],
  ]);
}

/** The files the local runtime serves: the console, with the API on the same origin. */
export function localConsoleFiles(): Map<string, ConsoleFile> {
  const files = buildConsoleSync();
  files.set('config.json', {
    body: Buffer.from(JSON.stringify({ apiBase: '' })),
    contentType: 'application/json',
  });
  return files;
}
