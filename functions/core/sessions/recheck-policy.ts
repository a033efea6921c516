import type { DirectoryStore } from '../directory/store.ts';
import { isAllowed } from '../policy/access.ts';
import type { ConnectionScan } from '../realtime/connection-scan.ts';
import type { DirectoryUser, Site } from '../model.ts';
import { endSession, type SessionEndDeps } from './end-session.ts';

export interface RecheckDeps extends SessionEndDeps {
  readonly directory: DirectoryStore;
  readonly connections: ConnectionScan;
}

/** Where the walk through the live connections stands between runs (kept by the caller). */
export interface RecheckPosition {
  from?: string;
}

/** Connections read per run at most (one Scan page), so a run's work is bounded whatever the load. */
export const recheckConnectionsPerRun = 500;
/** Users read from the directory in one request at most (`findManyBySipUri`'s limit). */
const usersPerRead = 100;

export interface RecheckOutcome {
  /** Connected users whose policy was read. */
  readonly checked: number;
  /** Sessions ended because their user is now refused. */
  readonly ended: number;
}

/**
 * Re-reads the policy of connected users and ends the sessions it now refuses, pushing
 * `session.ended` (`policy`) to their connections: a change made in the directory itself (an LDAP /
 * AD user disabled, a right withdrawn) reaches a WebSocket that sends nothing, not only the next
 * request or frame. Each run reads one page of live connections (at most `limit`) from where the
 * last run stopped, so a run's work is bounded and successive runs walk every connection. Reads go
 * through the directory as the handlers see it (its policy cache included). A directory that cannot
 * answer ends nothing; the run is retried from the same place.
 */
export async function recheckConnectedPolicy(
  deps: RecheckDeps,
  position: RecheckPosition,
  limit = recheckConnectionsPerRun,
): Promise<RecheckOutcome> {
  const page = await deps.connections.page(position.from, limit);
  const tickets = new Map<string, { readonly sipUri: string; readonly site: Site }>();
  for (const c of page.connections) tickets.set(c.ticketId, { sipUri: c.sipUri, site: c.site });
  const sipUris = [...new Set([...tickets.values()].map((t) => t.sipUri))];
  const users = new Map<string, DirectoryUser>();
  for (let i = 0; i < sipUris.length; i += usersPerRead) {
    for (const user of await deps.directory.findManyBySipUri(sipUris.slice(i, i + usersPerRead))) {
      users.set(user.sipUri, user);
    }
  }
  let ended = 0;
  for (const [ticketId, { sipUri, site }] of tickets) {
    const user = users.get(sipUri);
    if (user && isAllowed(user, site)) continue;
    if (await endSession(deps, ticketId, 'policy')) ended++;
  }
  position.from = page.next;
  return { checked: sipUris.length, ended };
}
