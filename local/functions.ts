import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { type FunctionSpec, functions, handlerEntry } from '../shared/config/functions.js';
import { lambdaContext } from './lambda-context.js';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

export interface Invocation {
  spec: FunctionSpec;
  durationMs: number;
  ok: boolean;
}

/**
 * Loads the same handler modules the stack bundles and invokes them the way Lambda does: one event, a
 * context with the configured memory and deadline. Each invocation is reported for metering.
 */
export class LocalFunctions {
  private readonly handlers = new Map<string, Handler>();

  constructor(
    private readonly root: string,
    private readonly onInvoke: (invocation: Invocation) => void = () => undefined,
    /** Runs each handler inside a scope, so what it calls is attributed to it (the cost meter's). */
    private readonly scope: <T>(spec: FunctionSpec, call: () => Promise<T>) => Promise<T> = (_spec, call) =>
      call(),
  ) {}

  async load(): Promise<void> {
    for (const spec of functions) {
      const module = (await import(pathToFileURL(join(this.root, handlerEntry(spec))).href)) as {
        handler?: Handler;
      };
      if (typeof module.handler !== 'function') throw new Error(`${handlerEntry(spec)} exports no handler`);
      this.handlers.set(spec.name, module.handler);
    }
  }

  spec(name: string): FunctionSpec {
    const spec = functions.find((candidate) => candidate.name === name);
    if (!spec) throw new Error(`no function named ${name}`);
    return spec;
  }

  async invoke(spec: FunctionSpec, event: unknown): Promise<unknown> {
    const handler = this.handlers.get(spec.name);
    if (!handler) throw new Error(`function ${spec.name} is not loaded`);
    const started = performance.now();
    let ok = false;
    try {
      const result = await this.scope(spec, () => handler(event, lambdaContext(spec)));
      ok = true;
      return result;
    } finally {
      this.onInvoke({ spec, durationMs: performance.now() - started, ok });
    }
  }
}
