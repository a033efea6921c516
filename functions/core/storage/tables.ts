/**
 * The DynamoDB tables, described once: the CDK stack and the local runtime both create them from
 * this list, and handlers find each table's name in the environment variable named here.
 * Access patterns (none of them Scans) are written down in docs/data-model.md.
 */
export interface IndexDefinition {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey?: string;
}

export interface TableDefinition {
  /** Environment variable that carries the deployed table name. */
  readonly envVar: string;
  readonly partitionKey: string;
  readonly sortKey?: string;
  /** Attribute holding the expiry in epoch seconds, for DynamoDB TTL. */
  readonly ttlAttribute?: string;
  readonly indexes?: readonly IndexDefinition[];
}

export const tables = {
  users: {
    envVar: 'USERS_TABLE',
    partitionKey: 'sipUri',
    indexes: [{ name: 'account-index', partitionKey: 'account' }],
  },
  tickets: {
    envVar: 'TICKETS_TABLE',
    partitionKey: 'ticketId',
    ttlAttribute: 'ttl',
    indexes: [
      { name: 'expiry-index', partitionKey: 'expiryMinute', sortKey: 'ticketId' },
      // Sparse: tickets whose client page went (their last connection closed, or the page said it
      // was leaving), by the minute it went, for the session sweeper.
      { name: 'leave-index', partitionKey: 'leaveMinute', sortKey: 'ticketId' },
      // A user's tickets, for the admin command that lists and revokes them.
      { name: 'user-index', partitionKey: 'sipUri', sortKey: 'ticketId' },
    ],
  },
  connections: {
    envVar: 'CONNECTIONS_TABLE',
    partitionKey: 'sipUri',
    sortKey: 'connectionId',
    ttlAttribute: 'ttl',
  },
  presence: { envVar: 'PRESENCE_TABLE', partitionKey: 'sipUri' },
  signInFailures: { envVar: 'SIGNIN_FAILURES_TABLE', partitionKey: 'key', ttlAttribute: 'ttl' },
  contacts: {
    envVar: 'CONTACTS_TABLE',
    partitionKey: 'owner',
    sortKey: 'contact',
    indexes: [{ name: 'watchers-index', partitionKey: 'contact', sortKey: 'owner' }],
  },
  // Directory search: one item per word of a findable user's name (`bucket` = the word's first two
  // characters, `term` = `word#sipUri`), so a search is one bounded Query, never a Scan.
  directorySearch: { envVar: 'DIRECTORY_SEARCH_TABLE', partitionKey: 'bucket', sortKey: 'term' },
  // Integrated Windows sign-in: which Kerberos principal or NTLM account is which user (and the NT
  // hash of users with NTLM enabled), authenticators already seen, and pending NTLM challenges.
  windowsIdentities: { envVar: 'WINDOWS_IDENTITIES_TABLE', partitionKey: 'identity' },
  kerberosReplay: { envVar: 'KERBEROS_REPLAY_TABLE', partitionKey: 'key', ttlAttribute: 'ttl' },
  ntlmChallenges: { envVar: 'NTLM_CHALLENGES_TABLE', partitionKey: 'challengeId', ttlAttribute: 'ttl' },
  // Single sign-on: sign-ins sent to the provider and not back yet (by a hash of their state, single
  // use), and the ID token of each SSO ticket for the provider's sign-out.
  ssoLogins: { envVar: 'SSO_LOGINS_TABLE', partitionKey: 'stateKey', ttlAttribute: 'ttl' },
  ssoSessions: { envVar: 'SSO_SESSIONS_TABLE', partitionKey: 'ticketId', ttlAttribute: 'ttl' },
  // Signed assertions already used (by a hash of their issuer and jti, or of their claims), each
  // kept until it could no longer be accepted anyway.
  assertionReplay: { envVar: 'ASSERTION_REPLAY_TABLE', partitionKey: 'key', ttlAttribute: 'ttl' },
  // Two-factor sign-in: each user's factors (`totp`, `webauthn#<credential id>`), and the sign-ins
  // whose password was right and whose second factor is still to come.
  twoFactor: { envVar: 'TWO_FACTOR_TABLE', partitionKey: 'sipUri', sortKey: 'factor' },
  twoFactorPending: { envVar: 'TWO_FACTOR_PENDING_TABLE', partitionKey: 'pendingKey', ttlAttribute: 'ttl' },
} as const satisfies Record<string, TableDefinition>;

export type TableKey = keyof typeof tables;
export type TableNames = Record<TableKey, string>;
