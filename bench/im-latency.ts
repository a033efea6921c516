import { performance } from 'node:perf_hooks';
import type { BenchContext } from './support/context.ts';
import { latencyFigure } from './support/figures.ts';
import { imText, imTextBytes } from './support/im-text.ts';
import { BenchSocket } from './support/socket.ts';

const warmUpMessages = 20;
const messageTimeoutMs = 10_000;
const runLimitMs = 120_000;

/**
 * IM latency: one 100-byte message at a time from a sender to a receiver, each on its own WebSocket; the time
 * from `im.send` leaving the sender to `im.message` arriving at the receiver (and, beside it, to the
 * sender's `im.delivered`). The next message goes once both arrived.
 */
export async function benchImLatency(ctx: BenchContext): Promise<void> {
  const { host, plan } = ctx;
  const pair = ctx.directory.imPairs[0];
  if (!pair) throw new Error('the bench directory has no IM pair');
  const [senderCookie, receiverCookie] = await host.mint([pair.from, pair.to]);
  const sender = await BenchSocket.open(host.internalUrl, senderCookie as string);
  const receiver = await BenchSocket.open(host.internalUrl, receiverCookie as string);
  // Arrival times are taken in the frame handlers, before any promise resolves.
  let receivedAt = 0;
  let ackedAt = 0;
  receiver.onFrame = (f, at) => void (f.type === 'im.message' && (receivedAt = at));
  sender.onFrame = (f, at) => void (f.type === 'im.delivered' && (ackedAt = at));
  let lost = 0;
  const one = async (id: string): Promise<{ received: number; acked: number } | undefined> => {
    const text = imText(`latency-${id}`);
    const received = receiver.next((f) => f.type === 'im.message' && f.text === text, messageTimeoutMs);
    const acked = sender.next(
      (f) => (f.type === 'im.delivered' || f.type === 'im.failed') && f.clientMessageId === id,
      messageTimeoutMs,
    );
    const sent = performance.now();
    sender.send({ action: 'im.send', to: pair.to, text, clientMessageId: id });
    try {
      const [, ack] = await Promise.all([received, acked]);
      if (ack.type !== 'im.delivered') throw new Error(`im.failed: ${String(ack.reason)}`);
    } catch {
      lost++;
      return undefined;
    }
    return { received: receivedAt - sent, acked: ackedAt - sent };
  };
  try {
    for (let i = 0; i < warmUpMessages; i++) await one(`warm-${i}`);
    lost = 0;
    const runs: number[][] = [];
    const acks: number[][] = [];
    for (let run = 0; run < plan.imLatency.runs; run++) {
      const deadline = performance.now() + runLimitMs;
      const samples: number[] = [];
      const ackSamples: number[] = [];
      for (let i = 0; i < plan.imLatency.messagesPerRun && performance.now() < deadline; i++) {
        const times = await one(`${run}-${i}`);
        if (!times) continue;
        samples.push(times.received);
        ackSamples.push(times.acked);
      }
      runs.push(samples);
      acks.push(ackSamples);
    }
    const settings = { messagesPerRun: plan.imLatency.messagesPerRun, inFlight: 1, textBytes: imTextBytes };
    const ack = latencyFigure('im.delivered_ack.latency', acks, settings);
    ctx.report(latencyFigure('im.latency', runs, settings, { lost, ackMedian: ack.median, ackP99: ack.p99 }));
  } finally {
    await Promise.all([sender.close(), receiver.close()]);
  }
}
