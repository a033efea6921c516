import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, rmSync, type WriteStream } from 'node:fs';
import { access, chmod, constants, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Figure } from './support/figures.ts';
import { imTextBytes } from './support/im-text.ts';

/**
 * The XMPP peers the product's figures are read against (Prosody and ejabberd), measured in the same
 * run by the harness in ../shared/peers/xmpp (see its README.txt) with the product's shape: XMPP over
 * WebSocket, 100-byte bodies, the same pairs and window, presence to the same watcher counts, sign-in
 * at the same concurrency. The bench installs nothing: a peer whose server is not installed is
 * reported as not measured, with the reason, and the run goes on.
 */
export const peerServers = ['prosody', 'ejabberd'] as const;
export type PeerServer = (typeof peerServers)[number];

export interface PeerOptions {
  /** The harness's own --quick (fewer sign-ins and messages, 5 s of throughput). */
  readonly quick: boolean;
  readonly imThroughput: { readonly pairs: number; readonly window: number };
  readonly presenceWatchers: readonly number[];
  readonly signInConcurrency: number;
  readonly report: (figure: Figure) => void;
  /** Where the harness is (default ../shared/peers/xmpp next to this repository). */
  readonly harnessDir?: string;
  /** Where deployed copies are kept between runs (default $TMPDIR/communicator-bench-peers). */
  readonly cacheRoot?: string;
}

const defaultHarnessDir = fileURLToPath(new URL('../../shared/peers/xmpp', import.meta.url));
const readyMarker = '.communicator-bench-ready';
const minute = 60_000;
/** What each server needs installed; server.sh calls them by name. */
const binaries: Record<PeerServer, readonly string[]> = {
  prosody: ['prosody', 'prosodyctl'],
  ejabberd: ['ejabberdctl'],
};
/** The loopback ports of the harness's configurations (README.txt). */
const ports: Record<PeerServer, readonly number[]> = {
  prosody: [15222, 15280],
  ejabberd: [15322, 15380, 15370],
};
const packages: Record<PeerServer, string> = { prosody: 'prosody', ejabberd: 'ejabberd' };
// ejabberdctl lives in /usr/sbin on Debian, which a non-root PATH may not have.
const searchPath = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];

/** Measures every installed peer; reports its figures, or one line saying why it was not measured. */
export async function benchPeers(options: PeerOptions): Promise<void> {
  const harnessDir = options.harnessDir ?? defaultHarnessDir;
  const cacheRoot = options.cacheRoot ?? join(tmpdir(), 'communicator-bench-peers');
  const notMeasured = (server: PeerServer, reason: string) =>
    options.report({
      name: `peer.${server}.not_measured`,
      unit: 'reason',
      median: 0,
      p99: 0,
      runs: 0,
      settings: {},
      reason,
    });
  const missingForAll = await missingPrerequisite(harnessDir);
  const present: PeerServer[] = [];
  for (const server of peerServers) {
    const missing = (await missingBinary(server)) ?? missingForAll;
    if (missing) notMeasured(server, missing);
    else present.push(server);
  }
  if (present.length === 0) return;

  const run = new PeerRun(harnessDir, cacheRoot, options);
  const busy = await run.lock();
  if (busy) {
    for (const server of present) notMeasured(server, busy);
    return;
  }
  try {
    await run.deploy();
    for (const server of present) {
      const inUse = await run.portsInUse(server);
      if (inUse) {
        notMeasured(server, inUse);
        continue;
      }
      try {
        for (const figure of await run.measure(server)) options.report(figure);
      } catch (err) {
        options.report({
          name: `peer.${server}.failed`,
          unit: 'error',
          median: 0,
          p99: 0,
          runs: 0,
          settings: {},
          error: err instanceof Error ? err.message : String(err),
          log: run.logPath,
        });
      }
    }
  } finally {
    run.close();
  }
}

async function missingPrerequisite(harnessDir: string): Promise<string | undefined> {
  try {
    await access(join(harnessDir, 'deploy.sh'), constants.X_OK);
  } catch {
    return `no peer harness at ${harnessDir} (deploy.sh)`;
  }
  // server.sh hands the data folders to the servers' own users and starts Prosody with setpriv.
  if (process.getuid?.() !== 0) return 'the harness starts the servers as their own users: needs root';
  for (const tool of ['npm', 'setpriv']) {
    if (!(await findBinary(tool))) return `${tool} is not installed`;
  }
  return undefined;
}

async function missingBinary(server: PeerServer): Promise<string | undefined> {
  for (const binary of binaries[server]) {
    if (!(await findBinary(binary))) {
      return `${binary} is not installed (apt-get install ${packages[server]}; the bench does not install it)`;
    }
  }
  return undefined;
}

async function findBinary(name: string): Promise<string | undefined> {
  for (const dir of searchPath.filter(Boolean)) {
    try {
      await access(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/** A hash of every file of the harness: a changed harness gets a fresh deployment. */
async function harnessHash(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (folder: string): Promise<void> => {
    const entries = (await readdir(folder, { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'results') await walk(path);
      } else if (entry.isFile()) {
        hash
          .update(relative(dir, path))
          .update('\0')
          .update(await readFile(path))
          .update('\0');
      }
    }
  };
  await walk(dir);
  return hash.digest('hex').slice(0, 16);
}

function packageVersion(name: string): string | undefined {
  try {
    return execFileSync('dpkg-query', ['-W', '-f', '${Version}', name], { encoding: 'utf8', timeout: 5000 });
  } catch {
    return undefined;
  }
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * One run of the peers: a deployed copy of the harness (kept between runs, keyed by the harness's
 * hash, so the second run neither reinstalls nor re-registers users), a lock so two benches never
 * drive the same servers, and every server it started stopped again: at the end, on error, and on
 * SIGINT / SIGTERM / SIGHUP.
 */
class PeerRun {
  private dir = '';
  private lockDir = '';
  private readonly started = new Set<PeerServer>();
  private current: ChildProcess | undefined;
  private log: WriteStream | undefined;
  private readonly deadline: number;
  private readonly onSignal = (signal: NodeJS.Signals) => {
    console.error(`peers: ${signal}: stopping the peer servers`);
    this.close();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  private readonly onExit = () => this.close();

  constructor(
    private readonly harnessDir: string,
    private readonly cacheRoot: string,
    private readonly options: PeerOptions,
  ) {
    // The harness bounds each of its loops; this bounds the whole, setup included.
    this.deadline = performance.now() + (options.quick ? 15 : 30) * minute;
  }

  get logPath(): string {
    return join(this.dir, 'results', 'communicator-bench.log');
  }

  /**
   * Takes the cache's lock; answers why not where another live process holds it, or where the
   * servers could not read their copy.
   */
  async lock(): Promise<string | undefined> {
    const hash = await harnessHash(this.harnessDir);
    await mkdir(this.cacheRoot, { recursive: true, mode: 0o755 });
    await chmod(this.cacheRoot, 0o755);
    for (let folder = dirname(this.cacheRoot); folder !== dirname(folder); folder = dirname(folder)) {
      // ejabberd runs as its own user and must reach its configuration through every folder above it.
      if (((await stat(folder)).mode & 0o005) !== 0o005) {
        return `${folder} is not readable by others (the servers run as their own users): set TMPDIR`;
      }
    }
    this.dir = join(this.cacheRoot, hash);
    const lockDir = join(this.cacheRoot, `${hash}.lock`);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await mkdir(lockDir);
        await writeFile(join(lockDir, 'pid'), String(process.pid));
        this.lockDir = lockDir;
        for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, this.onSignal);
        process.on('exit', this.onExit);
        return undefined;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const holder = Number(await readFile(join(lockDir, 'pid'), 'utf8').catch(() => '0'));
        if (holder > 0 && isAlive(holder)) return `another bench (pid ${holder}) is running the peers`;
        await rm(lockDir, { recursive: true, force: true });
      }
    }
    return `could not take the lock ${lockDir}`;
  }

  /** A ready copy of the harness: reused if deployed before, else deployed and `npm ci`-ed. */
  async deploy(): Promise<void> {
    const ready = await readFile(join(this.dir, readyMarker), 'utf8').catch(() => undefined);
    if (ready === undefined) {
      await rm(this.dir, { recursive: true, force: true });
      await mkdir(this.dir, { mode: 0o755 });
      await chmod(this.dir, 0o755);
    }
    await mkdir(join(this.dir, 'results'), { recursive: true });
    this.log = createWriteStream(this.logPath, { flags: 'a' });
    this.log.write(`--- ${new Date().toISOString()} pid ${process.pid}\n`);
    if (ready !== undefined) {
      // A server left running by a run that was killed outright (SIGKILL) is this copy's own: stop it.
      for (const server of peerServers)
        await this.step(`${server} stop`, ['./server.sh', server, 'stop'], minute);
      return;
    }
    progress(`deploying the peer harness to ${this.dir} (npm ci; once per harness version)`);
    await this.step('deploy', [join(this.harnessDir, 'deploy.sh'), this.dir], minute);
    await this.step('npm ci', ['npm', 'ci', '--no-audit', '--no-fund', '--loglevel=error'], 10 * minute);
    await writeFile(join(this.dir, readyMarker), new Date().toISOString());
  }

  /** Why the server's ports cannot be used (something else listens there), if so. */
  async portsInUse(server: PeerServer): Promise<string | undefined> {
    for (const port of ports[server]) {
      if (await listening(port)) return `127.0.0.1:${port} is in use by another process`;
    }
    return undefined;
  }

  /** Sets the server up, starts it, runs the harness with the product's shape, stops it. */
  async measure(server: PeerServer): Promise<Figure[]> {
    const { options } = this;
    const out = join(
      this.dir,
      'results',
      `${new Date().toISOString().replace(/[:.]/g, '-')}-${server}.jsonl`,
    );
    const watchers = options.presenceWatchers.filter((w) => w >= 1 && w <= 500);
    const shape = [
      '--transport',
      'ws',
      ...(options.quick ? ['--quick'] : []),
      '--tp-pairs',
      String(Math.min(options.imThroughput.pairs, 50)),
      '--tp-window',
      String(options.imThroughput.window),
      '--body-bytes',
      String(imTextBytes),
      '--presence-w',
      (watchers.length > 0 ? watchers : [100]).join(','),
      '--signin-conc',
      String(options.signInConcurrency),
      // The client's PBKDF2 is done once per user before the timing: the server's work is unchanged,
      // and the product's `signin.hash_excluded` leaves the password hash out the same way.
      '--scram-cache',
    ];
    progress(`measuring ${server} (${options.quick ? 'quick' : 'full'}, XMPP over WebSocket)`);
    const started = performance.now();
    try {
      if (server === 'prosody')
        await this.step('prosody setup', ['./server.sh', 'prosody', 'setup', '800'], 15 * minute);
      this.started.add(server);
      await this.step(`${server} start`, ['./server.sh', server, 'start'], 2 * minute);
      if (server === 'ejabberd') {
        const setup = [
          'node',
          'bench.mjs',
          '--server',
          'ejabberd',
          '--register',
          '--setup-only',
          '--presence-w',
          '500',
        ];
        await this.step('ejabberd setup', setup, 10 * minute);
      }
      const bench = ['node', 'bench.mjs', '--server', server, '--out', out, ...shape];
      await this.step(`${server} bench`, bench, (options.quick ? 8 : 20) * minute);
    } finally {
      await this.step(`${server} stop`, ['./server.sh', server, 'stop'], 2 * minute).catch(() => undefined);
      this.started.delete(server);
    }
    const lines = (await readFile(out, 'utf8')).split('\n').filter((line) => line.trim() !== '');
    const settings = {
      server,
      version: packageVersion(packages[server]),
      transport: 'ws',
      harness: options.quick ? 'quick' : 'full',
      results: out,
    };
    const figures = lines.map((line) => peerFigure(JSON.parse(line) as HarnessLine, settings));
    figures.push({
      name: `peer.${server}.duration`,
      unit: 's',
      median: Number(((performance.now() - started) / 1000).toFixed(1)),
      p99: Number(((performance.now() - started) / 1000).toFixed(1)),
      runs: 1,
      settings,
    });
    return figures;
  }

  /**
   * Runs one command in the deployed copy, in a process group of its own (so a timeout takes its
   * children too), its output to the run's log; bounded by `limitMs` and the run's deadline.
   */
  private step(label: string, [command, ...args]: readonly string[], limitMs: number): Promise<void> {
    const limit = Math.max(1000, Math.min(limitMs, this.deadline - performance.now()));
    const tail: string[] = [];
    return new Promise((resolve, reject) => {
      const child = spawn(command as string, args, {
        cwd: this.dir,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, PATH: searchPath.filter(Boolean).join(delimiter) },
      });
      this.current = child;
      const collect = (data: Buffer) => {
        this.log?.write(data);
        tail.push(
          ...String(data)
            .split('\n')
            .filter((l) => l.trim() !== ''),
        );
        tail.splice(0, Math.max(0, tail.length - 8));
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      const timer = setTimeout(() => {
        killGroup(child, 'SIGTERM');
        setTimeout(() => killGroup(child, 'SIGKILL'), 5000).unref();
        reject(new Error(`${label}: no end within ${Math.round(limit / 1000)} s; ${tail.join(' | ')}`));
      }, limit);
      child.once('error', (err) => (clearTimeout(timer), reject(new Error(`${label}: ${err.message}`))));
      child.once('close', (code) => {
        clearTimeout(timer);
        this.current = undefined;
        if (code === 0) resolve();
        else reject(new Error(`${label} exited with ${code}: ${tail.join(' | ')}`));
      });
    });
  }

  /** Stops what this run started (synchronously, so it also works from a signal or at exit). */
  close(): void {
    if (this.current) killGroup(this.current, 'SIGKILL');
    for (const server of this.started) {
      spawnSync('./server.sh', [server, 'stop'], { cwd: this.dir, stdio: 'ignore', timeout: 2 * minute });
    }
    this.started.clear();
    this.log?.end();
    this.log = undefined;
    if (this.lockDir) rmSync(this.lockDir, { recursive: true, force: true });
    this.lockDir = '';
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(signal, this.onSignal);
    process.off('exit', this.onExit);
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(1000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
}

const progress = (text: string) => console.error(`peers: ${text}`);

/** One line of the harness's results/*.jsonl (README.txt, "Metrics"). */
interface HarnessLine {
  readonly metric: 'signin' | 'msg_latency' | 'throughput' | 'presence_fanout';
  readonly error?: string;
  readonly server_cpu_pct?: number | null;
  readonly client_cpu_pct?: number;
  readonly [field: string]: unknown;
}

const num = (value: unknown): number => (typeof value === 'number' ? value : Number.NaN);

/** A harness line as a figure of the product's format, named `peer.<server>.<the product's figure>`. */
export function peerFigure(line: HarnessLine, settings: Record<string, unknown>): Figure {
  const prefix = `peer.${String(settings.server)}`;
  const cpu = { serverCpuPct: line.server_cpu_pct, clientCpuPct: line.client_cpu_pct };
  if (line.error !== undefined) {
    return {
      name: `${prefix}.${line.metric}.failed`,
      unit: 'error',
      median: 0,
      p99: 0,
      runs: 0,
      settings,
      error: line.error,
    };
  }
  switch (line.metric) {
    case 'signin':
      return {
        name: `${prefix}.signin.rate`,
        unit: 'sign-ins/s',
        median: num(line.signins_per_s),
        p99: num(line.signins_per_s),
        runs: 1,
        settings: {
          ...settings,
          concurrency: line.concurrency,
          mechanism: `${String(line.mech)} (${String(line.scram_iterations)} iterations)`,
          clientScramCache: line.client_scram_cache,
        },
        latencyMedian: num(line.p50_ms),
        latencyP99: num(line.p99_ms),
        completed: line.completed,
        errors: line.errors,
        ...cpu,
      };
    case 'msg_latency':
      return {
        name: `${prefix}.im.latency`,
        unit: 'ms',
        median: num(line.p50_ms),
        p99: num(line.p99_ms),
        runs: 1,
        settings: { ...settings, messages: line.messages, inFlight: 1, textBytes: line.body_bytes },
        lost: line.errors,
        ...cpu,
      };
    case 'throughput': {
      const underLoad = (line.latency_under_load ?? {}) as Record<string, unknown>;
      return {
        name: `${prefix}.im.throughput`,
        unit: 'messages/s',
        median: num(line.msgs_per_s),
        p99: num(line.msgs_per_s),
        runs: 1,
        settings: {
          ...settings,
          pairs: line.pairs,
          window: line.window_per_pair,
          seconds: line.measure_s,
          textBytes: imTextBytes,
        },
        sent: line.total_sent,
        lost: line.undelivered_after_drain,
        latencyUnderLoadMedian: underLoad.p50_ms,
        latencyUnderLoadP99: underLoad.p99_ms,
        ...cpu,
      };
    }
    case 'presence_fanout':
      return {
        name: `${prefix}.presence.fanout.w${String(line.watchers)}`,
        unit: 'ms',
        median: num(line.all_received_p50_ms),
        p99: num(line.all_received_p99_ms),
        runs: num(line.complete),
        settings: { ...settings, watchers: line.watchers, changes: line.changes },
        max: line.all_received_max_ms,
        incompleteChanges: line.incomplete,
        perWatcherMedian: line.per_watcher_p50_ms,
        ...cpu,
      };
    default:
      return {
        name: `${prefix}.${String(line.metric)}`,
        unit: 'unknown',
        median: 0,
        p99: 0,
        runs: 0,
        settings,
        line,
      };
  }
}
