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
  /** Idle WebSockets held open at once (shared among the seeded users), within `limitSeconds`. */
  readonly idleSockets: { readonly sockets: number; readonly limitSeconds: number };
  /** `factor` × the measured IM throughput offered for `seconds`, then at most `drainSeconds` to finish. */
  readonly overload: { readonly factor: number; readonly seconds: number; readonly drainSeconds: number };
}

/** What a figure needs from the running benchmark. */
export interface BenchContext {
  readonly plan: BenchPlan;
  readonly host: RuntimeHost;
  readonly directory: BenchDirectory;
  /** The figures this run reported so far, by name (a figure may build on another's). */
  readonly reported: ReadonlyMap<string, Figure>;
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
