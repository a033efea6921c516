import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processMemory, type ProcessMemory } from './process-memory.ts';
import type { ChildAnswer, ChildCall, ChildStart } from './runtime-protocol.ts';

/** The runtime process's memory in KB (see `RuntimeHost.memory`). */
export interface RuntimeMemory extends ProcessMemory {
  readonly heapUsedKb?: number;
  /** Whether the figures were taken right after a full garbage collection. */
  readonly afterGc: boolean;
}

const childModule = fileURLToPath(new URL('./runtime-child.ts', import.meta.url));
const callTimeoutMs = 180_000;

/**
 * The embedded runtime in a child process of its own (its handlers read their settings from that
 * process's environment, once), with a throwaway DATA_DIR. Every call is bounded in time.
 */
export class RuntimeHost {
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (err: Error) => void }
  >();
  private readonly stderr: string[] = [];
  private url = '';

  private constructor(
    private readonly child: ChildProcess,
    private readonly dataDir: string,
  ) {}

  /** The runtime process's id (its memory is read from /proc). */
  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** The internal site's base URL, on 127.0.0.1. */
  get internalUrl(): string {
    return this.url;
  }

  /** `profileDir`: write the runtime process's CPU profile there (`node --cpu-prof`) when it stops. */
  static async start(
    seedPath: string,
    handlerSettings: Record<string, string>,
    profileDir?: string,
    mode: ChildStart['mode'] = 'embedded',
  ): Promise<RuntimeHost> {
    const dataDir = await mkdtemp(join(tmpdir(), 'cwa-bench-'));
    const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
    const child = fork(childModule, [], {
      // --expose-gc: the `memory` request collects garbage first, so memory figures hold no garbage.
      execArgv: ['--import', import.meta.resolve('tsx'), '--expose-gc', ...profile],
      // The handlers' audit lines go to stdout: keep them off the bench's own output.
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const host = new RuntimeHost(child, dataDir);
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      host.stderr.push(...text.split('\n').filter((line) => line.trim() !== ''));
      host.stderr.splice(0, Math.max(0, host.stderr.length - 50));
    });
    child.on('message', (answer: ChildAnswer) => {
      const waiter = host.waiting.get(answer.id);
      host.waiting.delete(answer.id);
      if (answer.error !== undefined) waiter?.reject(new Error(`runtime process: ${answer.error}`));
      else waiter?.resolve(answer.result);
    });
    child.on('exit', (code) => {
      for (const waiter of host.waiting.values()) {
        waiter.reject(
          new Error(`the runtime process exited (${code}): ${host.stderr.slice(-5).join(' | ')}`),
        );
      }
      host.waiting.clear();
    });
    try {
      const { internalUrl } = (await host.call({
        op: 'start',
        options: { dataDir, seedPath, handlerSettings, mode },
      })) as { internalUrl: string };
      host.url = internalUrl;
      return host;
    } catch (err) {
      child.kill();
      await rm(dataDir, { recursive: true, force: true });
      throw err;
    }
  }

  call(request: ChildCall): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`the runtime process did not answer ${request.op} within ${callTimeoutMs} ms`));
      }, callTimeoutMs);
      this.waiting.set(id, {
        resolve: (value) => (clearTimeout(timer), resolve(value)),
        reject: (err) => (clearTimeout(timer), reject(err)),
      });
      this.child.send({ ...request, id });
    });
  }

  /** Ticket cookies (`name=value`) for these users, minted by the runtime's own ticket code. */
  async mint(sipUris: readonly string[]): Promise<string[]> {
    return (await this.call({ op: 'mint', sipUris })) as string[];
  }

  /** Requests the runtime made since the last call, by label; counting starts afresh. */
  async takeCounts(): Promise<Record<string, number>> {
    return (await this.call({ op: 'counts' })) as Record<string, number>;
  }

  /**
   * Waits (at most `limitMs`) until the runtime has made no request for a few polls, so work one
   * figure left behind (disconnects, fan-outs) does not land in the next. Resets the counts.
   */
  async waitIdle(limitMs = 30_000): Promise<void> {
    const until = performance.now() + limitMs;
    let quiet = 0;
    while (quiet < 3 && performance.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const counts = await this.takeCounts();
      quiet = Object.keys(counts).length === 0 ? quiet + 1 : 0;
    }
  }

  /** CPU time the runtime process has used, in ms. */
  async cpuMs(): Promise<number> {
    const { user, system } = (await this.call({ op: 'cpu' })) as NodeJS.CpuUsage;
    return (user + system) / 1000;
  }

  /**
   * The runtime process's memory. Where the process answers the `memory` request (a garbage
   * collection, then `process.memoryUsage()`), its resident set and JavaScript heap after that
   * collection; otherwise its resident set from /proc as it stands, garbage included (`afterGc`
   * false).
   */
  async memory(): Promise<RuntimeMemory> {
    const resident = await processMemory(this.pid);
    const usage = (await this.call({ op: 'memory' }).catch(() => undefined)) as
      NodeJS.MemoryUsage | undefined;
    if (usage?.heapUsed === undefined) return { ...resident, afterGc: false };
    const kb = (bytes: number) => Math.round(bytes / 1024);
    return { ...resident, rssKb: kb(usage.rss), heapUsedKb: kb(usage.heapUsed), afterGc: true };
  }

  /** What the runtime wrote to stderr lately (handler failures show up here). */
  recentErrors(): readonly string[] {
    return this.stderr;
  }

  async stop(): Promise<void> {
    try {
      await this.call({ op: 'stop' });
    } finally {
      this.child.disconnect();
      const exited = once(this.child, 'exit');
      const timeout = new Promise((resolve) => setTimeout(resolve, 5000).unref());
      await Promise.race([exited, timeout]);
      if (this.child.exitCode === null) this.child.kill();
      await rm(this.dataDir, { recursive: true, force: true });
    }
  }
}
