import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { authorizerDecisionFigure, benchAuthorizerInvoke } from './authorizer.ts';
import { ceilingImThroughput } from './ceiling.ts';
import { benchIdleSockets } from './idle-sockets.ts';
import { benchImLatency } from './im-latency.ts';
import { benchImThroughput } from './im-throughput.ts';
import { lambdaBundleFigures } from './lambda-bundles.ts';
import { benchOverload } from './overload.ts';
import { benchPeers } from './peers.ts';
import { benchPresenceFanOut } from './presence-fanout.ts';
import { ratioFigures } from './ratios.ts';
import { benchRequestsPerAction } from './requests-per-action.ts';
import { benchSignIn } from './signin.ts';
import { writeBenchSeed } from './support/bench-seed.ts';
import type { BenchContext, BenchPlan } from './support/context.ts';
import type { Figure } from './support/figures.ts';
import { RuntimeHost } from './support/runtime-host.ts';

/** Settings the bench runtime's handlers get: limits that would throttle the load itself, raised. */
export const benchHandlerSettings: Record<string, string> = {
  WS_FRAME_RATE_LIMIT: '1000000000',
  WS_FRAME_RATE_WINDOW_SECONDS: '10',
  REGULATION_MAX_FAILURES: '1000000',
  REGULATION_MAX_FAILURES_PER_ADDRESS: '1000000',
};

const runtimeFigures = {
  requests: benchRequestsPerAction,
  signin: benchSignIn,
  'im.latency': benchImLatency,
  'im.throughput': benchImThroughput,
  presence: benchPresenceFanOut,
  'authorizer.invoke': benchAuthorizerInvoke,
  // After im.throughput, whose figure it offers twice over.
  overload: benchOverload,
  // Last: thousands of sockets closing keep the runtime busy a while, and the runtime stops next.
  'idle.sockets': benchIdleSockets,
} as const;

/**
 * The groups measured on the AWS emulation (the handlers and DynamoDB stores that deploy, on
 * dynalite): what each action costs in DynamoDB requests, and the authorizer with its read. Every
 * other runtime group measures the embedded mode of `npm start`; the IM figures are also taken on
 * the emulation in the full plan, named `aws-emulation.*`, to show what the modes cost side by side.
 */
const emulationGroups: readonly (keyof typeof runtimeFigures)[] = ['requests', 'authorizer.invoke'];
const comparedOnEmulation: readonly (keyof typeof runtimeFigures)[] = ['im.latency', 'im.throughput'];

export const figureGroups = [
  'lambda',
  'authorizer.decision',
  ...(Object.keys(runtimeFigures) as (keyof typeof runtimeFigures)[]),
  'ceiling',
  'peers',
] as const;
export type FigureGroup = (typeof figureGroups)[number];

/** The machine and how loaded it is: other processes share these cores, so read figures with it. */
function machine(moment: 'start' | 'end'): Figure {
  let uptime: string;
  try {
    uptime = execFileSync('uptime', { encoding: 'utf8', timeout: 5000 }).trim();
  } catch {
    uptime = 'unavailable';
  }
  const [one, five, fifteen] = loadavg();
  return {
    name: `machine.${moment}`,
    unit: 'load average (1 min)',
    median: Number((one ?? 0).toFixed(2)),
    p99: Number((one ?? 0).toFixed(2)),
    runs: 1,
    settings: {},
    loadAverage: [one, five, fifteen].map((n) => Number((n ?? 0).toFixed(2))),
    uptime,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: process.version,
  };
}

/**
 * Runs the benchmark: the Lambda bundle figures and the in-process authorizer decision here, then
 * every runtime figure against the embedded runtime in a child process, on loopback; then the bare
 * router's IM throughput (the ceiling), the XMPP peers where asked, and every figure that has a
 * counterpart as a ratio to it.
 */
export async function runBench(options: {
  readonly plan: BenchPlan;
  /** The groups to run (all by default; `peers` only where `peers` is set). */
  readonly only?: readonly FigureGroup[];
  readonly report: (figure: Figure) => void;
  /** Where the runtime process writes its CPU profile (`node --cpu-prof`), if anywhere. */
  readonly profileDir?: string;
  /** Measure the XMPP peers (peers.ts) too, where installed (default: no). */
  readonly peers?: boolean;
}): Promise<void> {
  const { plan } = options;
  const reported = new Map<string, Figure>();
  const report = (figure: Figure) => {
    reported.set(figure.name, figure);
    options.report(figure);
  };
  const wanted = (group: FigureGroup) =>
    group === 'peers' ? options.peers === true : !options.only?.length || options.only.includes(group);
  const benchStarted = performance.now();
  const seconds: Record<string, number> = {};
  // A group that fails is reported as such and the others still run.
  const timed = async (group: string, work: () => Promise<void>) => {
    const started = performance.now();
    try {
      await work();
    } catch (err) {
      report({
        name: `${group}.failed`,
        unit: 'error',
        median: 0,
        p99: 0,
        runs: 0,
        settings: {},
        error: String(err),
      });
    }
    seconds[group] = Number(((performance.now() - started) / 1000).toFixed(1));
  };
  report(machine('start'));
  if (wanted('lambda')) {
    await timed('lambda', async () => {
      for (const figure of await lambdaBundleFigures(plan.bundles)) report(figure);
    });
  }
  if (wanted('authorizer.decision')) {
    await timed('authorizer.decision', async () => report(await authorizerDecisionFigure(plan.authorizer)));
  }
  const groups = (Object.keys(runtimeFigures) as (keyof typeof runtimeFigures)[]).filter(wanted);
  const embeddedGroups = groups.filter((g) => !emulationGroups.includes(g));
  const emulatedGroups = [
    ...groups.filter((g) => emulationGroups.includes(g)),
    ...(plan.name === 'full' ? groups.filter((g) => comparedOnEmulation.includes(g)) : []),
  ];
  for (const [mode, modeGroups] of [
    ['embedded', embeddedGroups],
    ['aws-emulation', emulatedGroups],
  ] as const) {
    if (modeGroups.length === 0) continue;
    // The emulation's figures that the embedded mode also reports are named `aws-emulation.*`.
    const modeReport = (figure: Figure) =>
      report(
        mode === 'aws-emulation' &&
          !figure.name.startsWith('requests.') &&
          !figure.name.startsWith('authorizer.')
          ? { ...figure, name: `aws-emulation.${figure.name}` }
          : figure,
      );
    const dir = await mkdtemp(join(tmpdir(), 'cwa-bench-seed-'));
    let host: RuntimeHost | undefined;
    try {
      const { path, directory } = await writeBenchSeed(dir, {
        signInUsers: Math.max(plan.signIn.concurrency, plan.cheapSignIn.concurrency),
        imPairs: plan.imThroughput.pairs,
        watcherCounts: plan.presence.watcherCounts,
      });
      const started = performance.now();
      host = await RuntimeHost.start(path, benchHandlerSettings, options.profileDir, mode);
      modeReport({
        name: 'runtime.start',
        unit: 'ms',
        median: Math.round(performance.now() - started),
        p99: Math.round(performance.now() - started),
        runs: 1,
        settings: { seededUsers: countUsers(directory), mode, handlerSettings: benchHandlerSettings },
      });
      const ctx: BenchContext = { plan, host, directory, reported, report: modeReport };
      for (const group of modeGroups) {
        await host.waitIdle();
        await timed(group, () => runtimeFigures[group](ctx));
      }
      const errors = host.recentErrors();
      if (errors.length > 0)
        console.error(`runtime errors during the bench (last ${errors.length}):\n${errors.join('\n')}`);
    } finally {
      await host?.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }
  if (wanted('ceiling')) {
    await timed('ceiling', async () => report(await ceilingImThroughput(plan.imThroughput)));
  }
  if (wanted('peers')) {
    await timed('peers', () =>
      benchPeers({
        quick: plan.name !== 'full',
        imThroughput: plan.imThroughput,
        presenceWatchers: plan.presence.watcherCounts,
        signInConcurrency: plan.cheapSignIn.concurrency,
        report,
      }),
    );
  }
  for (const figure of ratioFigures(reported)) report(figure);
  report(machine('end'));
  report({
    name: 'bench.duration',
    unit: 's',
    median: Number(((performance.now() - benchStarted) / 1000).toFixed(1)),
    p99: Number(((performance.now() - benchStarted) / 1000).toFixed(1)),
    runs: 1,
    settings: { plan: plan.name },
    seconds,
  });
}

function countUsers(directory: Awaited<ReturnType<typeof writeBenchSeed>>['directory']): number {
  return (
    directory.signInUsers.length +
    directory.cheapSignInUsers.length +
    directory.imPairs.length * 2 +
    directory.watched.length +
    (directory.watched.at(-1)?.watchers.length ?? 0) +
    directory.pair.length
  );
}
