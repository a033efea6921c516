import type { Clock } from '../clock.ts';
import type { ConnectionScan } from './connection-scan.ts';
import { connectionTtlSeconds } from './connections.ts';
import type { ConnectionProbe } from './notifier.ts';
import type { PresenceScan } from './presence-scan.ts';
import type { LiveConnection } from './presence-store.ts';
import { forEachLimited, type Realtime } from './realtime.ts';

/**
 * Connections whose `$disconnect` never came: the gateway that held them is gone (the local
 * runtime killed), or the `$disconnect` handler failed. Their users would be shown online (with the
 * last status they chose) until the connection's 2-hour limit. Each is forgotten as a `$disconnect`
 * forgets a connection (`Realtime.disconnect`): the connections row and the presence row's entry go,
 * the ticket's leave grace period starts, and the user's watchers see them go offline when it was
 * their last.
 */
export interface GoneConnectionsDeps {
  readonly clock: Clock;
  readonly realtime: Realtime;
  readonly connections: ConnectionScan;
  readonly presence: PresenceScan;
}

/** Where the walks through the connections and the presence rows stand between runs. */
export interface GoneSweepPosition {
  connections?: string;
  presence?: string;
}

export interface GoneSweepOutcome {
  /** Connections asked whether they still exist (or old enough to be gone without asking). */
  readonly checked: number;
  /** Connections found gone and forgotten. */
  readonly removed: number;
}

/** Connections rows and presence rows read per run at most (one Scan page each). */
export const goneSweepRowsPerRun = 200;

/**
 * Connections younger than this are not asked: one may still be inside `$connect`, where API
 * Gateway answers Gone (its integration timeout is 29 s).
 */
export const goneProbeAfterMs = 60_000;

/** How many `@connections` GETs are in flight at once. */
const probeConcurrency = 16;

/** A connection found by either walk, with its user. */
type Found = LiveConnection & { readonly sipUri: string };

/** The connections of one page of each walk, each once (a connection is usually on both). */
function foundIn(
  connections: readonly Found[],
  presence: readonly { sipUri: string; connections: readonly LiveConnection[] }[],
): Found[] {
  const byId = new Map<string, Found>();
  for (const c of connections) byId.set(c.connectionId, c);
  for (const row of presence) {
    for (const c of row.connections) {
      if (!byId.has(c.connectionId)) byId.set(c.connectionId, { ...c, sipUri: row.sipUri });
    }
  }
  return [...byId.values()];
}

/**
 * The scheduled sweep: reads one page of the connections table and one of the presence rows that
 * list connections (at most `limit` rows each), from where the last run stopped, and asks
 * `@connections` about each connection old enough to be past `$connect`; those answered Gone, and
 * those older than any connection can live, are forgotten. Successive runs walk every connection
 * and every user shown online. A connection that could not be asked is left for the next walk.
 */
export async function sweepGoneConnections(
  deps: GoneConnectionsDeps,
  probe: ConnectionProbe,
  position: GoneSweepPosition,
  limit = goneSweepRowsPerRun,
): Promise<GoneSweepOutcome> {
  const [connections, presence] = await Promise.all([
    deps.connections.page(position.connections, limit),
    deps.presence.page(position.presence, limit),
  ]);
  const now = deps.clock.now();
  let checked = 0;
  let removed = 0;
  await forEachLimited(foundIn(connections.connections, presence.rows), probeConcurrency, async (c) => {
    const age = now - c.connectedAt;
    if (age < goneProbeAfterMs) return;
    checked++;
    let gone: boolean;
    try {
      gone = age >= connectionTtlSeconds * 1000 || !(await probe.exists(c));
    } catch (err) {
      console.error(
        JSON.stringify({
          level: 'error',
          message: 'could not ask whether a connection still exists',
          connectionId: c.connectionId,
          error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
        }),
      );
      return;
    }
    if (!gone) return;
    await deps.realtime.disconnect(c, c.connectionId);
    removed++;
  });
  position.connections = connections.next;
  position.presence = presence.next;
  return { checked, removed };
}

/**
 * Forgets every connection recorded, page by page (`pageSize` rows a read), without asking: for a
 * gateway that held them all and is gone. The local runtime calls it at start, before it accepts a
 * connection, because its gateway keeps connections in memory: none recorded survived the process
 * that held them (stopped or killed). Answers how many it forgot.
 */
export async function forgetAllConnections(deps: GoneConnectionsDeps, pageSize = 100): Promise<number> {
  let forgotten = 0;
  const forget = async (found: readonly Found[]) => {
    await forEachLimited(found, probeConcurrency, (c) => deps.realtime.disconnect(c, c.connectionId));
    forgotten += found.length;
  };
  // The connections rows first: each names its presence entry exactly. Then what a `$disconnect`
  // cut short left on presence rows alone.
  let from: string | undefined;
  do {
    const page = await deps.connections.page(from, pageSize);
    await forget(page.connections);
    from = page.next;
  } while (from !== undefined);
  do {
    const page = await deps.presence.page(from, pageSize);
    await forget(foundIn([], page.rows));
    from = page.next;
  } while (from !== undefined);
  return forgotten;
}
