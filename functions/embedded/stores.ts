import { toEpochSeconds, type Clock } from '../core/clock.ts';
import type { Stores } from '../stores.ts';
import { EmbeddedConnectionStore } from './connection-store.ts';
import { EmbeddedContactStore } from './contact-store.ts';
import type { EmbeddedDatabase } from './database.ts';
import { EmbeddedDirectoryStore } from './directory-store.ts';
import type { ExpiringStore } from './expiry.ts';
import { EmbeddedFactorStore } from './factor-store.ts';
import { EmbeddedFailureStore } from './failures-store.ts';
import { EmbeddedNtlmChallengeStore } from './ntlm-challenge-store.ts';
import { EmbeddedPendingTwoFactorStore } from './pending-two-factor-store.ts';
import { EmbeddedPresenceStore } from './presence-store.ts';
import { EmbeddedReplayCache } from './replay-cache.ts';
import { EmbeddedSsoLoginStore } from './sso-login-store.ts';
import { EmbeddedSsoSessionStore } from './sso-session-store.ts';
import { EmbeddedTicketStore } from './ticket-store.ts';
import { EmbeddedWindowsIdentityStore } from './windows-identities.ts';

/** The embedded stores, and the sweep that stands in for DynamoDB TTL. */
export interface EmbeddedStores extends Stores {
  /** Deletes every expired record (readers filter expiry themselves); answers how many. */
  sweepExpired(nowSeconds: number): Promise<number>;
}

/**
 * Every store of the embedded mode over one database: live state (connections, presence) in memory
 * only, so nothing of it outlives the process; the rest in memory and in LMDB, each write
 * acknowledged once committed. Table names are the DynamoDB table keys (functions/core/storage/tables.ts).
 */
export function embeddedStores(db: EmbeddedDatabase, clock: Clock): EmbeddedStores {
  const nowSeconds = () => toEpochSeconds(clock.now());
  const tickets = new EmbeddedTicketStore(db);
  const connections = new EmbeddedConnectionStore(nowSeconds);
  const presence = new EmbeddedPresenceStore(clock);
  const expiring: ExpiringStore[] = [];
  const expires = <T extends ExpiringStore>(store: T): T => {
    expiring.push(store);
    return store;
  };
  const stores: Stores = {
    tickets: expires(tickets),
    userTickets: tickets,
    directory: new EmbeddedDirectoryStore(db, 'users', 'directorySearch'),
    windowsIdentities: new EmbeddedWindowsIdentityStore(db, 'windowsIdentities'),
    connections: expires(connections),
    connectionScan: connections,
    presence,
    presenceScan: presence,
    contacts: new EmbeddedContactStore(db),
    signInFailures: expires(new EmbeddedFailureStore(db, 'signInFailures')),
    twoFactor: new EmbeddedFactorStore(db, 'twoFactor'),
    twoFactorPending: expires(new EmbeddedPendingTwoFactorStore(db, 'twoFactorPending')),
    ssoLogins: expires(new EmbeddedSsoLoginStore(db, 'ssoLogins')),
    ssoSessions: expires(new EmbeddedSsoSessionStore(db, 'ssoSessions')),
    ntlmChallenges: expires(new EmbeddedNtlmChallengeStore(db, 'ntlmChallenges')),
    kerberosReplay: expires(new EmbeddedReplayCache(db, 'kerberosReplay')),
    assertionReplay: expires(new EmbeddedReplayCache(db, 'assertionReplay')),
  };
  return {
    ...stores,
    async sweepExpired(now: number) {
      let removed = 0;
      for (const store of expiring) removed += await store.sweepExpired(now);
      return removed;
    },
  };
}
