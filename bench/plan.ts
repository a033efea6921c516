import type { BenchPlan } from './support/context.ts';

/** `npm run bench`: the counts the issue asks for (≥ 2,000 IMs per run, 10 s of throughput, W = 100 and 500). */
export const fullPlan: BenchPlan = {
  name: 'full',
  signIn: { runs: 5, signInsPerRun: 40, concurrency: 20 },
  cheapSignIn: { runs: 5, signInsPerRun: 400, concurrency: 20 },
  imLatency: { runs: 5, messagesPerRun: 2000 },
  imThroughput: { runs: 5, pairs: 50, window: 4, seconds: 10 },
  presence: { watcherCounts: [100, 500], changes: 10 },
  requests: { repeats: 5 },
  bundles: { loads: 10 },
  authorizer: { runs: 5, decisionsPerRun: 5000 },
  idleSockets: { sockets: 10_000, limitSeconds: 300 },
  overload: { factor: 2, seconds: 30, drainSeconds: 30 },
};

/** `npm run bench -- --quick`: every figure, fewer samples; under a minute. */
export const quickPlan: BenchPlan = {
  name: 'quick',
  signIn: { runs: 2, signInsPerRun: 20, concurrency: 20 },
  cheapSignIn: { runs: 3, signInsPerRun: 60, concurrency: 20 },
  imLatency: { runs: 3, messagesPerRun: 100 },
  imThroughput: { runs: 3, pairs: 50, window: 2, seconds: 1.5 },
  presence: { watcherCounts: [100, 500], changes: 2 },
  requests: { repeats: 3 },
  // Every bundle's size; load times for the hot path only (a fresh process per load costs seconds here).
  bundles: { loads: 2, loadModules: ['http/authorizer', 'http/forms-sign-in', 'ws/connect', 'ws/actions'] },
  authorizer: { runs: 3, decisionsPerRun: 1000 },
  idleSockets: { sockets: 2000, limitSeconds: 60 },
  overload: { factor: 2, seconds: 8, drainSeconds: 10 },
};

/** The smoke test's: proves each figure runs end to end, measures nothing worth reading. */
export const tinyPlan: BenchPlan = {
  name: 'tiny',
  signIn: { runs: 1, signInsPerRun: 2, concurrency: 2 },
  cheapSignIn: { runs: 1, signInsPerRun: 4, concurrency: 2 },
  imLatency: { runs: 1, messagesPerRun: 5 },
  imThroughput: { runs: 1, pairs: 2, window: 2, seconds: 0.3 },
  presence: { watcherCounts: [3], changes: 1 },
  requests: { repeats: 1 },
  bundles: { loads: 1, modules: ['http/healthz'] },
  authorizer: { runs: 1, decisionsPerRun: 10 },
  idleSockets: { sockets: 10, limitSeconds: 30 },
  overload: { factor: 2, seconds: 0.5, drainSeconds: 5 },
};
