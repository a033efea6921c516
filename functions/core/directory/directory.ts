import type { DirectoryUser } from '../model.ts';
import type { ItemRead } from '../storage/item-reads.ts';

/**
 * What every directory is (the interfaces and the rules shared by the built-in one in `store.ts` and
 * LDAP in `ldap/`), kept apart from the DynamoDB code so the LDAP directory, loaded only when it is
 * configured, does not pull it in.
 */

/** A directory user with the secret the forms sign-in checks. */
export interface DirectoryAccount extends DirectoryUser {
  readonly passwordHash?: string;
}

/**
 * Where users and their policy flags live, and who checks their passwords: the built-in directory
 * (DynamoDB, below) or the organisation's LDAP / Active Directory (`ldap/ldap-directory.ts`).
 */
/**
 * A stored account as the directory answers it: the known fields only, flags as booleans, the
 * optional ones present only when set. Both directory stores answer through it.
 */
export function accountOf(item: DirectoryAccount): DirectoryAccount {
  return {
    sipUri: item.sipUri,
    domain: item.domain,
    username: item.username,
    displayName: item.displayName,
    enabled: item.enabled === true,
    enhancedPresence: item.enhancedPresence === true,
    remoteAccess: item.remoteAccess === true,
    ...(item.twoFactorRequired === true ? { twoFactorRequired: true } : {}),
    ...(item.passwordHash ? { passwordHash: item.passwordHash } : {}),
  };
}

export interface DirectoryStore {
  /** Finds the account a forms sign-in names (`DOMAIN\username`, case-insensitive). */
  findByAccount(domain: string, username: string): Promise<DirectoryAccount | undefined>;
  /**
   * The user these credentials name, or undefined when the account is unknown or the password is
   * wrong (one answer for both, after comparable work). The directory checks the password itself:
   * a hash comparison in the built-in directory, a bind as the user in LDAP.
   */
  authenticate(domain: string, username: string, password: string): Promise<DirectoryUser | undefined>;
  findBySipUri(sipUri: string): Promise<DirectoryUser | undefined>;
  /**
   * `findBySipUri` as an item read another store can make in its own request (a ticket and its user
   * in one BatchGetItem); only a directory kept in DynamoDB has one.
   */
  userRead?(sipUri: string): ItemRead<DirectoryUser | undefined>;
  /** The users with these SIP URIs, read together (at most 100); unknown ones are left out. */
  findManyBySipUri(sipUris: readonly string[]): Promise<DirectoryUser[]>;
  /**
   * People whose display name or SIP URI has words starting with each word of `query`, at most
   * `limit`, sorted by name: only users enabled for the service with enhanced presence, and only
   * their SIP URI and display name.
   */
  search(query: string, limit: number): Promise<DirectoryEntry[]>;
}

/** A directory this product writes to: the built-in one (seed, `npm run admin -- users …`). */
export interface WritableDirectoryStore extends DirectoryStore {
  put(account: DirectoryAccount): Promise<void>;
  /** Every account, page by page (an administrator's listing and bulk import; never on a hot path). */
  list(): AsyncIterable<DirectoryAccount>;
}

/** What a directory search shows of a person. */
export interface DirectoryEntry {
  readonly sipUri: string;
  readonly displayName: string;
}

/** Whether a user is someone others can find and talk to. */
export const findable = (user: DirectoryUser): boolean => user.enabled && user.enhancedPresence;

export const accountKey = (domain: string, username: string): string =>
  `${domain}\\${username}`.toLowerCase();

/** SIP URIs compare case-insensitively in the host and, here, in the user part too. */
export const normalizeSipUri = (sipUri: string): string => sipUri.trim().toLowerCase();
