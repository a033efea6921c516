import { performance } from 'node:perf_hooks';
import { sleep, type BenchContext } from './support/context.ts';
import { median, perRunFigure, round } from './support/figures.ts';
import { openAll, type BenchSocket } from './support/socket.ts';

const drainLimitMs = 15_000;

interface PairState {
  readonly sender: BenchSocket;
  readonly to: string;
  inFlight: number;
}

/**
 * IM throughput: `pairs` senders each keep at most `window` messages in flight to their own receiver
 * for `seconds`, then stop and wait (bounded) for the rest: messages delivered per second from the
 * first send to the last delivery, and what never arrived counted as lost.
 */
export async function benchImThroughput(ctx: BenchContext): Promise<void> {
  const { host, plan } = ctx;
  const { pairs: pairCount, window, seconds, runs } = plan.imThroughput;
  const pairs = ctx.directory.imPairs.slice(0, pairCount);
  const cookies = await host.mint(pairs.flatMap((p) => [p.from, p.to]));
  const sockets = await openAll(host.internalUrl, cookies);
  const states: PairState[] = pairs.map((p, i) => ({
    sender: sockets[2 * i] as BenchSocket,
    to: p.to,
    inFlight: 0,
  }));
  let sending = false;
  let sent = 0;
  let received = 0;
  let failed = 0;
  let serial = 0;
  let lastReceipt: number;
  const pump = (state: PairState) => {
    while (sending && state.inFlight < window) {
      state.inFlight++;
      sent++;
      const id = String(serial++);
      state.sender.send({ action: 'im.send', to: state.to, text: `throughput ${id}`, clientMessageId: id });
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
      state.inFlight--;
      pump(state);
    };
  });
  try {
    const rates: number[] = [];
    const lost: number[] = [];
    const cpuPerMessage: number[] = [];
    let totals = { sent: 0, received: 0, failed: 0 };
    for (let run = 0; run < runs; run++) {
      sent = received = failed = lastReceipt = 0;
      const cpuBefore = await host.cpuMs();
      sending = true;
      const started = performance.now();
      states.forEach(pump);
      await sleep(seconds * 1000);
      sending = false;
      const drainUntil = performance.now() + drainLimitMs;
      while (states.some((s) => s.inFlight > 0) && performance.now() < drainUntil) await sleep(20);
      const cpuAfter = await host.cpuMs();
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
    ctx.report(
      perRunFigure(
        'im.throughput',
        'messages/s',
        rates,
        { pairs: states.length, window, seconds },
        {
          ...totals,
          lost: lost.reduce((a, b) => a + b, 0),
          runtimeCpuMsPerMessage: round(median(cpuPerMessage)),
        },
      ),
    );
  } finally {
    await Promise.all(sockets.map((s) => s.close()));
  }
}
