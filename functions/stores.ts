import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { toEpochSeconds, type Clock } from './core/clock.ts';
import { DynamoDirectoryStore, type WritableDirectoryStore } from './core/directory/store.ts';
import {
  DynamoWindowsIdentityStore,
  type WindowsIdentityStore,
} from './core/directory/windows-identities.ts';
import { DynamoReplayCache, type ReplayCache } from './core/kerberos/replay-cache.ts';
import { DynamoNtlmChallengeStore, type NtlmChallengeStore } from './core/ntlm/challenge-store.ts';
import { DynamoConnectionScan, type ConnectionScan } from './core/realtime/connection-scan.ts';
import { DynamoConnectionStore, type ConnectionStore } from './core/realtime/connections.ts';
import { DynamoContactStore, type ContactStore } from './core/realtime/contacts-store.ts';
import type { Metrics } from './core/metrics/metrics.ts';
import type { ConnectionProbe, Notifier } from './core/realtime/notifier.ts';
import { DynamoPresenceScan, type PresenceScan } from './core/realtime/presence-scan.ts';
import { DynamoPresenceStore, type PresenceStore } from './core/realtime/presence-store.ts';
import { DynamoFailureStore, type FailureStore } from './core/regulation/failures-store.ts';
import { DynamoSsoLoginStore, type SsoLoginStore } from './core/sso/login-store.ts';
import { DynamoSsoSessionStore, type SsoSessionStore } from './core/sso/session-store.ts';
import type { TableNames } from './core/storage/tables.ts';
import { DynamoTicketStore, type TicketStore } from './core/tickets/store.ts';
import { DynamoUserTicketIndex, type UserTicketIndex } from './core/tickets/user-tickets.ts';
import { DynamoFactorStore, type FactorStore } from './core/two-factor/factor-store.ts';
import { DynamoPendingTwoFactorStore, type PendingTwoFactorStore } from './core/two-factor/pending-store.ts';

/**
 * Every store the product keeps state in, as the domain sees them. Two sets implement them: the
 * DynamoDB stores that deploy (and run in the AWS emulation, against dynalite), and the embedded
 * ones (`functions/embedded/`) of `npm start`. The same contract suite (test/stores/) runs on both.
 */
export interface Stores {
  readonly tickets: TicketStore;
  readonly userTickets: UserTicketIndex;
  /** The built-in directory (an LDAP directory, when configured, is read instead for users). */
  readonly directory: WritableDirectoryStore;
  readonly windowsIdentities: WindowsIdentityStore;
  readonly connections: ConnectionStore;
  readonly connectionScan: ConnectionScan;
  readonly presence: PresenceStore;
  readonly presenceScan: PresenceScan;
  readonly contacts: ContactStore;
  readonly signInFailures: FailureStore;
  readonly twoFactor: FactorStore;
  readonly twoFactorPending: PendingTwoFactorStore;
  readonly ssoLogins: SsoLoginStore;
  readonly ssoSessions: SsoSessionStore;
  readonly ntlmChallenges: NtlmChallengeStore;
  readonly kerberosReplay: ReplayCache;
  readonly assertionReplay: ReplayCache;
}

/**
 * What the handlers reach the outside world through, besides settings: the stores, the way frames
 * reach WebSocket connections (API Gateway's `@connections`, or the embedded server's sockets),
 * and the clock. Built once per runtime by its composition root.
 */
export interface Adapters {
  readonly stores: Stores;
  readonly notifier: Notifier & ConnectionProbe;
  readonly clock: Clock;
  /** Where figures go: CloudWatch's log format on AWS (the default), summed in memory locally. */
  readonly metrics?: Metrics;
}

/** The DynamoDB stores, one document client for all. */
export function dynamoStores(db: DynamoDBDocumentClient, tableNames: TableNames, clock: Clock): Stores {
  const nowSeconds = () => toEpochSeconds(clock.now());
  return {
    tickets: new DynamoTicketStore(db, tableNames.tickets),
    userTickets: new DynamoUserTicketIndex(db, tableNames.tickets),
    directory: new DynamoDirectoryStore(db, tableNames.users, tableNames.directorySearch),
    windowsIdentities: new DynamoWindowsIdentityStore(db, tableNames.windowsIdentities),
    connections: new DynamoConnectionStore(db, tableNames.connections, nowSeconds),
    connectionScan: new DynamoConnectionScan(db, tableNames.connections, nowSeconds),
    presence: new DynamoPresenceStore(db, tableNames.presence, clock),
    presenceScan: new DynamoPresenceScan(db, tableNames.presence),
    contacts: new DynamoContactStore(db, tableNames.contacts),
    signInFailures: new DynamoFailureStore(db, tableNames.signInFailures),
    twoFactor: new DynamoFactorStore(db, tableNames.twoFactor),
    twoFactorPending: new DynamoPendingTwoFactorStore(db, tableNames.twoFactorPending),
    ssoLogins: new DynamoSsoLoginStore(db, tableNames.ssoLogins),
    ssoSessions: new DynamoSsoSessionStore(db, tableNames.ssoSessions),
    ntlmChallenges: new DynamoNtlmChallengeStore(db, tableNames.ntlmChallenges),
    kerberosReplay: new DynamoReplayCache(db, tableNames.kerberosReplay),
    assertionReplay: new DynamoReplayCache(db, tableNames.assertionReplay),
  };
}
