/** The two published sites: the organisation's networks, and the internet. */
export type Site = 'internal' | 'external';
export const sites: readonly Site[] = ['internal', 'external'];

/** The sign-in methods a site offers, each at its own URL (`windows` is Negotiate: Kerberos or NTLM). */
export type AuthMethod = 'forms' | 'windows' | 'sso' | 'assertion' | 'certificate' | 'two-factor';

/**
 * How a session actually signed in: its sign-in method, with integrated Windows sign-in named by
 * the mechanism that proved the user (`kerberos` or `ntlm`) rather than by its URL.
 */
export type SessionMethod = Exclude<AuthMethod, 'windows'> | 'kerberos' | 'ntlm';

/** A user as the directory knows them: identity and the policy flags the original read from AD. */
export interface DirectoryUser {
  readonly sipUri: string;
  readonly domain: string;
  readonly username: string;
  readonly displayName: string;
  /** Enabled for the communications service. */
  readonly enabled: boolean;
  readonly enhancedPresence: boolean;
  readonly remoteAccess: boolean;
  /** An administrator requires two-factor sign-in of this user: password alone is refused. */
  readonly twoFactorRequired?: boolean;
}

export const availabilities = [
  'available',
  'busy',
  'do-not-disturb',
  'be-right-back',
  // Set by the client itself after a few minutes without input (OCS's "Inactive").
  'inactive',
  'away',
  'appear-offline',
] as const;
export type Availability = (typeof availabilities)[number];
/** What watchers see: the chosen availability, or `offline`. */
export type SeenAvailability = Exclude<Availability, 'appear-offline'> | 'offline';

/** Who a ticket speaks for, as handed from the authorizer to routes. */
export interface Principal {
  readonly sipUri: string;
  readonly displayName: string;
  readonly ticketId: string;
  readonly authMethod: SessionMethod;
  /** The account that signed in, where the method names one apart from the user (`alice@EXAMPLE.TEST`, `CONTOSO\\alice`). */
  readonly account?: string;
  readonly site: Site;
  /** Absolute expiry, ms since the epoch. */
  readonly expiresAt: number;
}
