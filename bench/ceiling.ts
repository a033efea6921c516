import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { measureImThroughput } from './im-throughput.ts';
import type { BenchPlan } from './support/context.ts';
import type { Figure } from './support/figures.ts';
import { openAll } from './support/socket.ts';

const routerModule = fileURLToPath(new URL('./support/ceiling-router.ts', import.meta.url));
const cookieName = 'cwa-ceiling';
const startLimitMs = 60_000;
const callLimitMs = 10_000;

/**
 * The ceiling the product's IM throughput is read against: a bare Node.js router on `ws` in a process
 * of its own (support/ceiling-router.ts), measured by the product's own throughput client with the
 * same pairs, window and 100-byte bodies. No IM server on Node.js and `ws` can route faster on this
 * machine, so `im.throughput / ceiling.im.throughput` says how much of that the product keeps.
 */
export async function ceilingImThroughput(plan: BenchPlan['imThroughput']): Promise<Figure> {
  const child = fork(routerModule, [cookieName], {
    execArgv: ['--import', import.meta.resolve('tsx')],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const waiting = new Map<number, (usage: NodeJS.CpuUsage) => void>();
  let nextId = 1;
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the ceiling router did not start')), startLimitMs);
    child.on('message', (message: { ready?: string; id?: number; result?: NodeJS.CpuUsage }) => {
      if (message.ready) return void (clearTimeout(timer), resolve(message.ready));
      if (message.id !== undefined && message.result) waiting.get(message.id)?.(message.result);
    });
    child.once(
      'exit',
      (code) => (clearTimeout(timer), reject(new Error(`the ceiling router exited (${code})`))),
    );
  });
  const cpuMs = () =>
    new Promise<number>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => reject(new Error('the ceiling router did not answer')), callLimitMs);
      waiting.set(id, ({ user, system }) => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve((user + system) / 1000);
      });
      child.send({ id, op: 'cpu' });
    });
  try {
    const url = await ready;
    const pairs = Array.from({ length: plan.pairs }, (_, i) => ({
      from: `sip:ceiling-sender-${i}@bench.example`,
      to: `sip:ceiling-receiver-${i}@bench.example`,
    }));
    const cookies = pairs.flatMap((p) => [p.from, p.to]).map((u) => `${cookieName}=${encodeURIComponent(u)}`);
    const sockets = await openAll(url, cookies);
    try {
      const target = { sockets, recipients: pairs.map((p) => p.to), cpuMs };
      return await measureImThroughput('ceiling.im.throughput', target, plan, {
        server: 'bare Node.js router on ws: parse and validate the frame, Map lookup, message + ack',
      });
    } finally {
      await Promise.all(sockets.map((s) => s.close()));
    }
  } finally {
    if (child.connected) child.disconnect();
    const exited = once(child, 'exit');
    const timeout = new Promise((resolve) => setTimeout(resolve, 5000).unref());
    await Promise.race([exited, timeout]);
    if (child.exitCode === null && child.signalCode === null) child.kill();
  }
}
