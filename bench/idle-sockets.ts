import { performance } from 'node:perf_hooks';
import { sleep, type BenchContext } from './support/context.ts';
import { round } from './support/figures.ts';
import { raiseFdLimits } from './support/fd-limit.ts';
import { BenchSocket } from './support/socket.ts';

const connectConcurrency = 32;
/** Files each process needs besides the sockets (modules, stores, pipes, the other figures' leftovers). */
const fdHeadroom = 512;

/**
 * Idle WebSockets: `sockets` signed-in WebSockets opened and left idle (the seeded users share
 * them, several windows each), and what they cost the runtime process: its resident memory (from
 * /proc, so it counts everything the runtime holds per socket) and, where the runtime answers it, its
 * JavaScript heap, grown per socket in KB. Opening is bounded by `limitSeconds`; the figure says how
 * many opened and how many were still open after the runtime went quiet.
 */
export async function benchIdleSockets(ctx: BenchContext): Promise<void> {
  const { host, plan, directory } = ctx;
  const { sockets: wanted, limitSeconds } = plan.idleSockets;
  // Both ends hold one descriptor per socket: the bench process and the runtime process.
  const limits = raiseFdLimits([process.pid, host.pid], wanted + fdHeadroom);
  const usable = Math.min(...limits.map((l) => l.soft)) - fdHeadroom;
  const count = Math.max(0, Math.min(wanted, usable));
  const users = [
    ...directory.signInUsers.map((u) => u.sipUri),
    ...directory.cheapSignInUsers.map((u) => u.sipUri),
    ...directory.imPairs.flatMap((p) => [p.from, p.to]),
    ...(directory.watched.at(-1)?.watchers ?? []),
    ...directory.pair.map((u) => u.sipUri),
  ];
  const cookies = await host.mint(users);
  await host.waitIdle();
  const before = await host.memory();
  const sockets: BenchSocket[] = [];
  const failed: Record<string, number> = {};
  const started = performance.now();
  const deadline = started + limitSeconds * 1000;
  let next = 0;
  const opener = async () => {
    while (next < count && performance.now() < deadline) {
      const i = next++;
      try {
        sockets.push(await BenchSocket.open(host.internalUrl, cookies[i % cookies.length] as string));
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        failed[reason] = (failed[reason] ?? 0) + 1;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: connectConcurrency }, opener));
    const openSeconds = (performance.now() - started) / 1000;
    await sleep(1000);
    await host.waitIdle();
    const after = await host.memory();
    const held = sockets.filter((s) => s.isOpen).length;
    const perSocket = (beforeKb: number | undefined, afterKb: number | undefined) =>
      beforeKb === undefined || afterKb === undefined || held === 0
        ? undefined
        : round((afterKb - beforeKb) / held, 2);
    const rssPerSocket = perSocket(before.rssKb, after.rssKb) ?? 0;
    // Without a collection first, garbage left by the opening (and by the figures before) counts too.
    const measuredBy = after.afterGc
      ? 'the runtime process after a garbage collection'
      : '/proc/<pid>/status VmRSS, garbage included (the runtime process does not answer `memory`)';
    ctx.report({
      name: 'idle.sockets',
      unit: 'KB of runtime memory (RSS) per open socket',
      median: rssPerSocket,
      p99: rssPerSocket,
      runs: 1,
      settings: { sockets: wanted, users: cookies.length, connectConcurrency, limitSeconds },
      opened: sockets.length,
      held,
      failed,
      heapKbPerSocket:
        perSocket(before.heapUsedKb, after.heapUsedKb) ?? 'not answered by the runtime process',
      runtimeRssKb: { before: before.rssKb, after: after.rssKb, peak: after.peakRssKb },
      measuredBy,
      openSeconds: round(openSeconds, 1),
      opensPerSecond: round(sockets.length / Math.max(0.001, openSeconds), 1),
      fdLimits: { bench: limits[0], runtime: limits[1] },
      ...(count < wanted && {
        limitedBy: `ulimit -n: ${Math.min(...limits.map((l) => l.soft))} open files; raise it for ${wanted}`,
      }),
    });
  } finally {
    for (let i = 0; i < sockets.length; i += 1000) {
      await Promise.all(sockets.slice(i, i + 1000).map((s) => s.close()));
    }
  }
}
