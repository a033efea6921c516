import { performance } from 'node:perf_hooks';
import { measureImThroughput } from './im-throughput.ts';
import { sleep, type BenchContext } from './support/context.ts';
import { percentile, round } from './support/figures.ts';
import { imText, imTextBytes, imTextTag } from './support/im-text.ts';
import { processMemory } from './support/process-memory.ts';
import { openAll, type BenchSocket } from './support/socket.ts';

const tickMs = 5;
const memoryEveryMs = 500;
const maxMessages = 2_000_000;
const delivered = 1;
const acknowledged = 2;
const failed = 4;

/**
 * Overload: `factor` × the IM throughput measured in this run (or by a short probe when the run did
 * not measure it) offered open-loop for `seconds` over the same pairs, whatever the answers, then a
 * bounded drain. Every message should be delivered or answered with an error: the figure counts what
 * was delivered, answered with an error (`im.failed`, or an `error` frame such as `busy` or
 * `rate_limited`), acknowledged but never delivered (silently lost), and left without any answer
 * after the drain; the latency of what was delivered; and the runtime's memory before, at its
 * highest, and after.
 */
export async function benchOverload(ctx: BenchContext): Promise<void> {
  const { host, plan } = ctx;
  const { factor, seconds, drainSeconds } = plan.overload;
  const pairs = ctx.directory.imPairs.slice(0, plan.imThroughput.pairs);
  const sockets = await openAll(host.internalUrl, await host.mint(pairs.flatMap((p) => [p.from, p.to])));
  try {
    const measured = ctx.reported.get('im.throughput')?.median;
    let capacity = measured;
    if (!capacity) {
      const target = { sockets, recipients: pairs.map((p) => p.to), cpuMs: () => host.cpuMs() };
      const probePlan = { ...plan.imThroughput, runs: 1, seconds: Math.min(2, plan.imThroughput.seconds) };
      capacity = (await measureImThroughput('overload.probe', target, probePlan)).median;
      await host.waitIdle();
    }
    const rate = factor * capacity;
    const limit = Math.min(maxMessages, Math.ceil(rate * seconds) + 1);
    const sentAt = new Float64Array(limit);
    const state = new Uint8Array(limit);
    const latencies = new Float64Array(limit);
    let latencyCount = 0;
    let lastDelivery = 0;
    let duplicates = 0;
    const errorFrames: Record<string, number> = {};
    const failures: Record<string, number> = {};
    let errorFrameCount = 0;
    pairs.forEach((_, i) => {
      (sockets[2 * i + 1] as BenchSocket).onFrame = (frame, at) => {
        if (frame.type !== 'im.message') return;
        const id = Number(imTextTag(String(frame.text)).slice(1));
        if (!(id >= 0 && id < limit)) return;
        if (state[id]! & delivered) return void duplicates++;
        state[id]! |= delivered;
        latencies[latencyCount++] = at - sentAt[id]!;
        lastDelivery = at;
      };
      (sockets[2 * i] as BenchSocket).onFrame = (frame) => {
        if (frame.type === 'error') {
          errorFrameCount++;
          errorFrames[String(frame.error)] = (errorFrames[String(frame.error)] ?? 0) + 1;
          return;
        }
        const id = Number(frame.clientMessageId);
        if (!(id >= 0 && id < limit)) return;
        if (frame.type === 'im.delivered') state[id]! |= acknowledged;
        if (frame.type === 'im.failed') {
          state[id]! |= failed;
          failures[String(frame.reason)] = (failures[String(frame.reason)] ?? 0) + 1;
        }
      };
    });

    await host.waitIdle();
    const before = await host.memory();
    let highest = before.rssKb;
    let sent = 0;
    const started = performance.now();
    let lastSample = started;
    // Open loop: what is due by now goes out now, however far behind the answers are.
    while (performance.now() - started < seconds * 1000 && sent < limit) {
      const due = Math.min(limit, Math.floor((rate * (performance.now() - started)) / 1000));
      for (; sent < due; sent++) {
        const pair = sent % pairs.length;
        sentAt[sent] = performance.now();
        (sockets[2 * pair] as BenchSocket).send({
          action: 'im.send',
          to: pairs[pair]?.to,
          text: imText(`o${sent}`),
          clientMessageId: String(sent),
        });
      }
      if (performance.now() - lastSample >= memoryEveryMs) {
        lastSample = performance.now();
        highest = Math.max(highest, (await processMemory(host.pid)).rssKb);
      }
      await sleep(tickMs);
    }
    const offeredSeconds = (performance.now() - started) / 1000;
    const resolved = () => {
      let answered = 0;
      for (let id = 0; id < sent; id++) if (state[id]! & (delivered | failed)) answered++;
      return answered + errorFrameCount;
    };
    const drainUntil = performance.now() + drainSeconds * 1000;
    while (resolved() < sent && performance.now() < drainUntil) {
      highest = Math.max(highest, (await processMemory(host.pid)).rssKb);
      await sleep(100);
    }
    const drainedSeconds = (performance.now() - started) / 1000 - offeredSeconds;
    highest = Math.max(highest, (await processMemory(host.pid)).rssKb);
    const after = await host.memory();

    let deliveredCount = 0;
    let failedCount = 0;
    let silentlyLost = 0;
    let noWord = 0;
    for (let id = 0; id < sent; id++) {
      const s = state[id]!;
      if (s & delivered) deliveredCount++;
      else if (s & failed) failedCount++;
      else if (s & acknowledged) silentlyLost++;
      else noWord++;
    }
    // An `error` frame names no message: it answers one of those that got no other word.
    const erroredByFrame = Math.min(errorFrameCount, noWord);
    const samples = Array.from(latencies.subarray(0, latencyCount));
    ctx.report({
      name: 'overload',
      unit: 'ms (send → received, delivered messages)',
      median: round(percentile(samples, 0.5)),
      p99: round(percentile(samples, 0.99)),
      runs: 1,
      settings: { factor, seconds, drainSeconds, pairs: pairs.length, textBytes: imTextBytes },
      capacity: round(capacity, 1),
      capacityFrom: measured ? 'im.throughput of this run' : 'a probe of the same pairs',
      offeredPerSecond: round(rate, 1),
      sentPerSecond: round(sent / offeredSeconds, 1),
      deliveredPerSecond: round(deliveredCount / Math.max(0.001, (lastDelivery - started) / 1000), 1),
      sent,
      delivered: deliveredCount,
      answeredWithError: failedCount + erroredByFrame,
      silentlyLost,
      unanswered: noWord - erroredByFrame,
      errorFrames,
      failures,
      duplicates,
      max: round(samples.reduce((a, b) => Math.max(a, b), 0)),
      drainedSeconds: round(drainedSeconds, 1),
      // Before and after: after a garbage collection where the runtime answers `memory`; highest: sampled.
      runtimeRssKb: { before: before.rssKb, highest, after: after.rssKb, afterGc: after.afterGc },
    });
  } finally {
    await Promise.all(sockets.map((s) => s.close()));
  }
}
