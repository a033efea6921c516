import { performance } from 'node:perf_hooks';
import { sleep, type BenchContext, type BenchPlan } from './support/context.ts';
import { median, perRunFigure, round, type Figure } from './support/figures.ts';
import { imText, imTextBytes } from './support/im-text.ts';
import { openAll, type BenchSocket } from './support/socket.ts';

const drainLimitMs = 15_000;

interface PairState {
  readonly sender: BenchSocket;
  readonly to: string;
  inFlight: number;
}

/** What the throughput client needs from the server it measures. */
export interface ThroughputTarget {
  /** Sender, receiver, sender, receiver, …: one open socket each, in pair order. */
  readonly sockets: readonly BenchSocket[];
  /** Each pair's receiver, as the sender addresses it. */
  readonly recipients: readonly string[];
  /** CPU time the server process has used, in ms. */
  cpuMs(): Promise<number>;
}

/**
 * The throughput client: each sender keeps at most `window` 100-byte messages in flight to its own
 * receiver for `seconds`, then stops and waits (bounded) for the rest: messages delivered per second
 * from the first send to the last delivery, and what never arrived counted as lost. Used against the
 * product and against the bare router (ceiling.ts), so the client costs the same in both.
 */
export async function measureImThroughput(
  name: string,
  target: ThroughputTarget,
  plan: BenchPlan['imThroughput'],
  settings: Record<string, unknown> = {},
): Promise<Figure> {
  const { sockets, recipients } = target;
  const { window, seconds, runs } = plan;
  const states: PairState[] = recipients.map((to, i) => ({
    sender: sockets[2 * i] as BenchSocket,
    to,
    inFlight: 0,
  }));
  let sending = false;
  let sent = 0;
  let received = 0;
  let failed = 0;
  const failures: Record<string, number> = {};
  let serial = 0;
  let lastReceipt: number;
  const pump = (state: PairState) => {
    while (sending && state.inFlight < window) {
      state.inFlight++;
      sent++;
      const id = String(serial++);
      state.sender.send({ action: 'im.send', to: state.to, text: imText(`t${id}`), clientMessageId: id });
    }
  };
  states.forEach((state, i) => {
    (sockets[2 * i + 1] as BenchSocket).onFrame = (frame, at) => {
      if (frame.type !== 'im.message') return;
      received++;
      lastReceipt = at;
      state.inFlight--;
      pump(state);
    };
    state.sender.onFrame = (frame) => {
      // A message that failed or was refused will not arrive: free its place in the window.
      if (frame.type !== 'im.failed' && frame.type !== 'error') return;
      failed++;
      const reason = `${frame.type} ${String(frame.reason ?? frame.error)}`;
      failures[reason] = (failures[reason] ?? 0) + 1;
      state.inFlight--;
      pump(state);
    };
  });
  const rates: number[] = [];
  const lost: number[] = [];
  const cpuPerMessage: number[] = [];
  let totals = { sent: 0, received: 0, failed: 0 };
  for (let run = 0; run < runs; run++) {
    sent = received = failed = lastReceipt = 0;
    const cpuBefore = await target.cpuMs();
    sending = true;
    const started = performance.now();
    states.forEach(pump);
    await sleep(seconds * 1000);
    sending = false;
    const drainUntil = performance.now() + drainLimitMs;
    while (states.some((s) => s.inFlight > 0) && performance.now() < drainUntil) await sleep(20);
    const cpuAfter = await target.cpuMs();
    // Everything delivered, over the time from the first send to the last delivery.
    rates.push(received / Math.max(0.001, (lastReceipt - started) / 1000));
    lost.push(sent - received);
    cpuPerMessage.push((cpuAfter - cpuBefore) / Math.max(1, received));
    totals = {
      sent: totals.sent + sent,
      received: totals.received + received,
      failed: totals.failed + failed,
    };
    for (const state of states) state.inFlight = 0;
  }
  return perRunFigure(
    name,
    'messages/s',
    rates,
    { pairs: states.length, window, seconds, textBytes: imTextBytes, ...settings },
    {
      ...totals,
      lost: lost.reduce((a, b) => a + b, 0),
      failures,
      serverCpuMsPerMessage: round(median(cpuPerMessage)),
    },
  );
}

/** IM throughput of the product: `pairs` sender → receiver pairs over the runtime's WebSocket. */
export async function benchImThroughput(ctx: BenchContext): Promise<void> {
  const { host, plan } = ctx;
  const pairs = ctx.directory.imPairs.slice(0, plan.imThroughput.pairs);
  const cookies = await host.mint(pairs.flatMap((p) => [p.from, p.to]));
  const sockets = await openAll(host.internalUrl, cookies);
  try {
    const target = { sockets, recipients: pairs.map((p) => p.to), cpuMs: () => host.cpuMs() };
    ctx.report(await measureImThroughput('im.throughput', target, plan.imThroughput));
  } finally {
    await Promise.all(sockets.map((s) => s.close()));
  }
}
