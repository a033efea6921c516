import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, percentile, round, type Figure } from './support/figures.ts';

/**
 * `npx tsx bench/admin-speed.ts [runs]`: how long one `npm run admin -- …` takes, wall clock from
 * spawn to exit, against the product started on a throwaway DATA_DIR (the demo directory): through
 * npm, through the launcher alone (`node local/admin/launch.js`, what npm runs), and from the
 * sources under tsx (what `npm run admin` ran before the launcher), each after one warm-up call.
 * One JSON line per figure on stdout, as `npm run bench` prints them; a measurement, never pass/fail.
 */
const runs = Number(process.argv[2] ?? 7);
if (!Number.isInteger(runs) || runs < 1 || runs > 50) {
  console.error('usage: npx tsx bench/admin-speed.ts [runs, 1 to 50; default 7]');
  process.exit(2);
}
const repo = fileURLToPath(new URL('..', import.meta.url));
const startTimeoutMs = 120_000;
const callTimeoutMs = 60_000;

const commands = {
  'users list': ['users', 'list'],
  'sessions list': ['sessions', 'list', 'sip:alice@contoso.com'],
  help: ['help'],
} as const;

const ways = {
  npm: ['npm', ['run', '-s', 'admin', '--']],
  launcher: [process.execPath, ['local/admin/launch.js']],
  tsx: [process.execPath, ['--import', 'tsx', 'local/admin/main.ts']],
} as const;

/**
 * GNU time, when installed, also gives each call's CPU time (user + system, every process of it): on
 * a machine whose cores other work keeps busy, that is close to what the call takes on an idle one.
 */
const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

interface Timing {
  readonly wallMs: number;
  readonly cpuMs: number | undefined;
}

/** Runs one command to its end; answers its wall-clock (and CPU) time in ms, or throws with its output. */
async function timeOnce(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<Timing> {
  const [file, argv] = gnuTime ? [gnuTime, ['-f', 'cpu %U %S', command, ...args]] : [command, args];
  const started = performance.now();
  const child = spawn(file, argv, { cwd: repo, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), callTimeoutMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  const wallMs = performance.now() - started;
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.slice(0, 500)}`);
  const cpu = /^cpu ([\d.]+) ([\d.]+)$/m.exec(stderr);
  return { wallMs, cpuMs: cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : undefined };
}

/** A figure over the runs' wall-clock times, with their CPU times' median next to it. */
function figureOf(name: string, timings: readonly Timing[], command: string): Figure {
  const wall = timings.map((t) => t.wallMs);
  const cpu = timings.flatMap((t) => (t.cpuMs === undefined ? [] : [t.cpuMs]));
  return {
    name,
    unit: 'ms',
    median: round(median(wall), 0),
    p99: round(percentile(wall, 0.99), 0),
    runs: timings.length,
    settings: { command },
    samples: wall.map((ms) => round(ms, 0)),
    ...(cpu.length > 0 ? { cpuMedianMs: round(median(cpu), 0) } : {}),
  };
}

const dataDir = await mkdtemp(join(tmpdir(), 'cwa-admin-speed-'));
const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: '0', EXTERNAL_PORT: '0' };
const product = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts'], {
  cwd: repo,
  env,
  stdio: ['ignore', 'pipe', 'pipe'],
});
try {
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`the product did not start:\n${output}`)),
      startTimeoutMs,
    );
    product.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Press Ctrl+C to stop.')) {
        clearTimeout(timer);
        resolve();
      }
    });
    product.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    product.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the product exited (${code}):\n${output}`));
    });
  });
  const loadBefore = loadavg()[0] ?? 0;
  for (const [name, args] of Object.entries(commands)) {
    for (const [way, [command, prefix]] of Object.entries(ways)) {
      await timeOnce(command, [...prefix, ...args], env); // warm: the bundle built, the files cached
      const timings: Timing[] = [];
      for (let i = 0; i < runs; i++) timings.push(await timeOnce(command, [...prefix, ...args], env));
      const shown = `${command === 'npm' ? 'npm' : 'node'} ${[...prefix, ...args].join(' ')}`;
      console.log(JSON.stringify(figureOf(`admin.${name.replace(' ', '.')}.${way}`, timings, shown)));
    }
  }
  // What any Node program costs here, for scale; and how busy the machine was.
  const nodeAlone: Timing[] = [];
  for (let i = 0; i < runs; i++) nodeAlone.push(await timeOnce(process.execPath, ['-e', '0'], env));
  const loadAverage = { before: round(loadBefore, 2), after: round(loadavg()[0] ?? 0, 2) };
  console.log(JSON.stringify({ ...figureOf('admin.node-start', nodeAlone, 'node -e 0'), loadAverage }));
} finally {
  if (product.exitCode === null && product.signalCode === null) {
    const exited = once(product, 'exit');
    product.kill('SIGTERM');
    await exited;
  }
  await rm(dataDir, { recursive: true, force: true });
}
