/**
 * What one benchmark section hands to `bench/run.ts`: a table for `docs/performance.md`. Every speed in it is
 * a ratio against a baseline measured in the same run, with raw numbers beside it for context only, so the
 * page stays meaningful on another machine.
 */
export interface BenchSection {
  title: string;
  description: string;
  headers: string[];
  rows: (string | number)[][];
  notes?: string[];
}

/** `--quick` (or BENCH_QUICK=1) shrinks every section to a smoke run. */
export function isQuick(): boolean {
  return process.env.BENCH_QUICK === '1';
}

/** Seeded PRNG (mulberry32): the same seed gives the same workload on every run and machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Times the contenders in alternating rounds and keeps each one's median, so a slow moment of the machine
 * (GC, another process) hits both sides instead of skewing the ratio. Each contender runs once first to warm up.
 */
export function timeAlternating(
  contenders: Record<string, () => void>,
  rounds: number,
): Record<string, { medianMs: number; samplesMs: number[] }> {
  const names = Object.keys(contenders);
  for (const name of names) contenders[name]?.();
  const samples: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const name of names) {
      const start = performance.now();
      contenders[name]?.();
      samples[name]?.push(performance.now() - start);
    }
  }
  return Object.fromEntries(
    names.map((name) => {
      const sorted = [...(samples[name] ?? [])].sort((a, b) => a - b);
      return [name, { medianMs: sorted[Math.floor(sorted.length / 2)] ?? 0, samplesMs: samples[name] ?? [] }];
    }),
  );
}

/** Formats a figure with thousands separators and a fixed number of decimals. */
export function figure(value: number, decimals = 0): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}
