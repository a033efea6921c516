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
