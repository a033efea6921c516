import { performance } from 'node:perf_hooks';
import { sleep, type BenchContext } from './support/context.ts';
import { median, percentile, round } from './support/figures.ts';
import { dynamoRequests } from './support/request-labels.ts';
import { BenchSocket, openAll } from './support/socket.ts';

const changeTimeoutMs = 30_000;
const settleMs = 100;

/**
 * Presence fan-out: a user watched by W signed-in watchers (each with one open WebSocket) changes
 * availability; the time until every watcher has the new availability. Also counts the DynamoDB
 * requests each change made.
 */
export async function benchPresenceFanOut(ctx: BenchContext): Promise<void> {
  const { host, plan } = ctx;
  const watched = ctx.directory.watched;
  const allWatchers = watched.at(-1)?.watchers ?? [];
  const watcherSockets = await openAll(host.internalUrl, await host.mint(allWatchers));
  const watchedSockets: BenchSocket[] = [];
  let expected: { sipUri: string; availability: string } | undefined;
  let arrived = 0;
  let lastArrival = 0;
  let firstArrival = 0;
  let allArrived: (() => void) | undefined;
  let target = 0;
  for (const socket of watcherSockets) {
    socket.onFrame = (frame, at) => {
      if (frame.type !== 'presence' || !expected) return;
      if (frame.sipUri !== expected.sipUri || frame.availability !== expected.availability) return;
      if (arrived === 0) firstArrival = at;
      lastArrival = at;
      if (++arrived === target) allArrived?.();
    };
  }
  try {
    for (const { sipUri, watchers } of watched) {
      const [cookie] = await host.mint([sipUri]);
      const socket = await BenchSocket.open(host.internalUrl, cookie as string);
      watchedSockets.push(socket);
      await sleep(settleMs);
      const toAll: number[] = [];
      const toFirst: number[] = [];
      const requests: number[] = [];
      let missed = 0;
      for (let change = 0; change < plan.presence.changes; change++) {
        const availability = change % 2 === 0 ? 'busy' : 'away';
        expected = { sipUri, availability };
        arrived = 0;
        target = watchers.length;
        await host.takeCounts();
        let timer: NodeJS.Timeout | undefined;
        const done = new Promise<void>((resolve) => {
          allArrived = resolve;
          timer = setTimeout(resolve, changeTimeoutMs);
        });
        const sent = performance.now();
        socket.send({ action: 'presence.set', availability, note: '' });
        await done;
        clearTimeout(timer);
        if (arrived < target) missed += target - arrived;
        toAll.push(lastArrival - sent);
        toFirst.push(firstArrival - sent);
        await sleep(settleMs);
        requests.push(dynamoRequests(await host.takeCounts()).total);
      }
      ctx.report({
        name: `presence.fanout.w${watchers.length}`,
        unit: 'ms',
        median: round(median(toAll)),
        p99: round(percentile(toAll, 0.99)),
        runs: toAll.length,
        settings: { watchers: watchers.length, changes: plan.presence.changes, connectionsPerWatcher: 1 },
        max: round(Math.max(...toAll)),
        firstWatcherMedian: round(median(toFirst)),
        missed,
        dynamoRequestsPerChange: median(requests),
      });
    }
  } finally {
    await Promise.all([...watchedSockets, ...watcherSockets].map((s) => s.close()));
  }
}
