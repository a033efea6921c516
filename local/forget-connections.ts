import { forgetAllConnections } from '../functions/core/realtime/gone-connections.ts';
import type { Deps } from '../functions/deps.ts';

/**
 * Forgets the connections recorded by the runtime's last run, stopped or killed: its gateway kept
 * them in memory, so none survived it. Each goes as a `$disconnect` would take it (watchers see its
 * user go offline; the ticket's leave grace period starts, so a client that reconnects keeps its
 * session). Run at start, before the sites accept a connection; with the handlers' own
 * dependencies, as they are in this runtime. Answers how many it forgot.
 */
export function forgetLastRunConnections(deps: Deps): Promise<number> {
  const { connectionScan: connections, presenceScan: presence } = deps.stores;
  return forgetAllConnections({ ...deps, connections, presence });
}

/**
 * The embedded mode's counterpart: its stores keep no connection across a restart, but a ticket
 * whose page was connected when the process died (kill -9: no `$disconnect`) is still marked
 * attached. Each such ticket is detached now, as its last `$disconnect` would have done: its leave
 * grace period starts, so a client that reconnects keeps its session and one that never comes back
 * ends. Answers how many it detached.
 */
export async function detachLastRunTickets(deps: Deps): Promise<number> {
  const { tickets, userTickets } = deps.stores;
  const now = deps.clock.now();
  let detached = 0;
  for await (const { ticketId } of userTickets.everyTicket()) {
    const record = await tickets.get(ticketId);
    if (record?.attachedAt === undefined || record.detachedAt !== undefined) continue;
    await tickets.detach(ticketId, now, now);
    detached++;
  }
  return detached;
}
