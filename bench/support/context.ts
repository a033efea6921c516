import type { BenchDirectory } from './bench-seed.ts';
import type { Figure } from './figures.ts';
import type { RuntimeHost } from './runtime-host.ts';

/** How much each figure measures: the full run, `--quick`, and a tiny one for the smoke test. */
export interface BenchPlan {
  readonly name: 'full' | 'quick' | 'tiny';
  readonly signIn: { readonly runs: number; readonly signInsPerRun: number; readonly concurrency: number };
  readonly cheapSignIn: {
    readonly runs: number;
    readonly signInsPerRun: number;
    readonly concurrency: number;
  };
  readonly imLatency: { readonly runs: number; readonly messagesPerRun: number };
  readonly imThroughput: {
    readonly runs: number;
    readonly pairs: number;
    readonly window: number;
    readonly seconds: number;
  };
  readonly presence: { readonly watcherCounts: readonly number[]; readonly changes: number };
  readonly requests: { readonly repeats: number };
  readonly bundles: {
    readonly loads: number;
    /** Which handler modules to bundle (all by default) and which of them to load (all bundled by default). */
    readonly modules?: readonly string[];
    readonly loadModules?: readonly string[];
  };
  readonly authorizer: { readonly runs: number; readonly decisionsPerRun: number };
}

/** What a figure needs from the running benchmark. */
export interface BenchContext {
  readonly plan: BenchPlan;
  readonly host: RuntimeHost;
  readonly directory: BenchDirectory;
  report(figure: Figure): void;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `work` on `count` items, `concurrency` at a time, stopping early at `deadline` (performance.now()). */
export async function pool(
  count: number,
  concurrency: number,
  deadline: number,
  work: (i: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  const worker = async () => {
    while (next < count && performance.now() < deadline) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return next;
}
