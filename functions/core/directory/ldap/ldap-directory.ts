import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import {
  AndFilter,
  Client,
  EqualityFilter,
  type Filter,
  InvalidCredentialsError,
  OrFilter,
  SubstringFilter,
} from 'ldapts';
import { AppError } from '../../errors.ts';
import type { DirectoryUser } from '../../model.ts';
import { matchesQuery, wordsOf } from '../search-terms.ts';
import { findable, type DirectoryAccount, type DirectoryEntry, type DirectoryStore } from '../directory.ts';
import {
  attributesOf,
  entryValues,
  sipUriAttributeValue,
  userOfEntry,
  type LdapAttributeMapping,
} from './mapping.ts';
import { parseUserFilter } from './user-filter.ts';

/** How to reach and read the organisation's directory (docs/directory.md). */
export interface LdapDirectoryOptions {
  /** `ldaps://host[:port]`, or `ldap://host[:port]` with `startTls`. */
  readonly url: string;
  readonly startTls: boolean;
  /** PEM CA certificates the server's certificate must chain to; unset = the system's CAs. */
  readonly caPem: string | undefined;
  /** The service account attributes are read with. */
  readonly bindDn: string;
  readonly bindPassword: () => Promise<string>;
  /** Where users are searched (subtree). */
  readonly baseDn: string;
  /** The domain users type at sign-in (`CONTOSO`); accounts of any other domain are unknown here. */
  readonly domain: string;
  readonly mapping: LdapAttributeMapping;
  /** Connect and per-operation timeout. */
  readonly timeoutMs: number;
}

/** Entries one search reads at most, so a broad query costs a bounded answer. */
const searchReadLimit = 100;
const maximumFieldLength = 256;

/** Thrown (as an AppError) whenever the directory cannot answer; never a sign-in, never a 500. */
const unavailable = () =>
  new AppError('directory_unavailable', 'The directory cannot be reached just now. Try again in a minute.');

function logFailure(operation: string, err: unknown): void {
  console.error(
    JSON.stringify({
      level: 'error',
      message: 'directory not available',
      operation,
      error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
    }),
  );
}

/** Control characters never occur in a real user name; such a name is simply unknown. */
const usableName = (text: string): boolean =>
  text.length > 0 && text.length <= maximumFieldLength && !/\p{Cc}/u.test(text);

/**
 * The organisation's LDAP directory or Active Directory as the product's directory. Passwords are
 * checked by binding as the user (the directory's own policy — lockout, disabled accounts — applies,
 * and no hash is ever read); everything else is read with a service account. Filters are built as
 * ldapts filter objects, whose values travel as BER octet strings: a user name such as `*)(uid=*`
 * is an assertion value, never filter syntax. Reads only: users are managed in the directory.
 */
export class LdapDirectoryStore implements DirectoryStore {
  private readonly userFilter: Filter;
  private readonly attributes: string[];

  constructor(private readonly options: LdapDirectoryOptions) {
    this.userFilter = parseUserFilter(options.mapping.userFilter);
    this.attributes = attributesOf(options.mapping);
  }

  async findByAccount(domain: string, username: string): Promise<DirectoryAccount | undefined> {
    if (!this.isOurDomain(domain) || !usableName(username)) return undefined;
    const found = await this.asService('find account', (client) =>
      this.findOne(client, new EqualityFilter({ attribute: this.options.mapping.username, value: username })),
    );
    return found?.user;
  }

  async authenticate(domain: string, username: string, password: string): Promise<DirectoryUser | undefined> {
    // An empty password would be an unauthenticated bind, which servers answer with success.
    if (password === '' || password.length > 1024) return undefined;
    const known = this.isOurDomain(domain) && usableName(username);
    const found = known
      ? await this.asService('find account', (client) =>
          this.findOne(
            client,
            new EqualityFilter({ attribute: this.options.mapping.username, value: username }),
          ),
        )
      : undefined;
    // Unknown users cost a bind too (to a name nobody has), so timing does not tell them apart.
    const dn = found?.dn ?? `cn=${randomBytes(12).toString('hex')},${this.options.baseDn}`;
    const passwordOk = await this.bindsAs(dn, password);
    return found && passwordOk ? found.user : undefined;
  }

  async findBySipUri(sipUri: string): Promise<DirectoryUser | undefined> {
    const value = sipUriAttributeValue(this.options.mapping, sipUri);
    if (!usableName(value)) return undefined;
    const found = await this.asService('find user', (client) =>
      this.findOne(client, new EqualityFilter({ attribute: this.options.mapping.sipUri, value })),
    );
    return found?.user;
  }

  async findManyBySipUri(sipUris: readonly string[]): Promise<DirectoryUser[]> {
    const values = [...new Set(sipUris.map((s) => sipUriAttributeValue(this.options.mapping, s)))]
      .filter(usableName)
      .slice(0, 100);
    if (values.length === 0) return [];
    const attribute = this.options.mapping.sipUri;
    const users = await this.asService('find users', (client) =>
      this.searchUsers(
        client,
        new OrFilter({ filters: values.map((value) => new EqualityFilter({ attribute, value })) }),
        values.length * 2,
      ),
    );
    // An address held by two entries is ambiguous: neither is taken.
    const counts = new Map<string, number>();
    for (const user of users) counts.set(user.sipUri, (counts.get(user.sipUri) ?? 0) + 1);
    return users.filter((user) => counts.get(user.sipUri) === 1);
  }

  async search(query: string, limit: number): Promise<DirectoryEntry[]> {
    const words = wordsOf(query.replace(/^\s*sip:/i, '')).slice(0, 8);
    if (words.length === 0 || limit <= 0) return [];
    const { displayName, sipUri, sipUriPrefixed } = this.options.mapping;
    const prefix = sipUriPrefixed ? 'sip:' : '';
    // Each word must start a word of the name or of the address; the shared matcher then decides,
    // exactly as for the built-in directory.
    const wordFilter = (word: string): Filter =>
      new OrFilter({
        filters: [
          new SubstringFilter({ attribute: displayName, initial: word }),
          new SubstringFilter({ attribute: displayName, any: [` ${word}`] }),
          new SubstringFilter({ attribute: sipUri, initial: `${prefix}${word}` }),
          new SubstringFilter({ attribute: sipUri, any: [`@${word}`] }),
          new SubstringFilter({ attribute: sipUri, any: [`.${word}`] }),
        ],
      });
    const users = await this.asService('search', (client) =>
      this.searchUsers(client, new AndFilter({ filters: words.map(wordFilter) }), searchReadLimit),
    );
    return users
      .filter(findable)
      .map((u) => ({ sipUri: u.sipUri, displayName: u.displayName }))
      .filter((entry) => matchesQuery(words, entry))
      .sort((a, b) => a.displayName.localeCompare(b.displayName) || a.sipUri.localeCompare(b.sipUri))
      .slice(0, limit);
  }

  private isOurDomain(domain: string): boolean {
    return domain.trim().toLowerCase() === this.options.domain.toLowerCase();
  }

  /** One entry matching `filter` among users; none, or more than one (ambiguous), is no user. */
  private async findOne(
    client: Client,
    filter: Filter,
  ): Promise<{ readonly dn: string; readonly user: DirectoryUser } | undefined> {
    const { searchEntries } = await client.search(this.options.baseDn, {
      scope: 'sub',
      filter: new AndFilter({ filters: [this.userFilter, filter] }),
      attributes: this.attributes,
      sizeLimit: 2,
      timeLimit: Math.ceil(this.options.timeoutMs / 1000),
    });
    if (searchEntries.length !== 1) return undefined;
    const [entry] = searchEntries;
    const user = entry && userOfEntry(entryValues(entry), this.options.mapping, this.options.domain);
    return entry && user ? { dn: entry.dn, user } : undefined;
  }

  private async searchUsers(client: Client, filter: Filter, sizeLimit: number): Promise<DirectoryUser[]> {
    const { searchEntries } = await client.search(this.options.baseDn, {
      scope: 'sub',
      filter: new AndFilter({ filters: [this.userFilter, filter] }),
      attributes: this.attributes,
      sizeLimit,
      timeLimit: Math.ceil(this.options.timeoutMs / 1000),
    });
    return searchEntries.flatMap((entry) => {
      const user = userOfEntry(entryValues(entry), this.options.mapping, this.options.domain);
      return user ? [user] : [];
    });
  }

  /** Whether `password` is this entry's: a simple bind as the user, on its own connection. */
  private async bindsAs(dn: string, password: string): Promise<boolean> {
    try {
      return await this.withConnection(async (client) => {
        try {
          await client.bind(dn, password);
          return true;
        } catch (err) {
          // Wrong password, unknown name, and (on AD) a locked or disabled account all answer 49.
          if (err instanceof InvalidCredentialsError) return false;
          throw err;
        }
      });
    } catch (err) {
      logFailure('bind as user', err);
      throw unavailable();
    }
  }

  /** Runs `operation` on a connection bound as the service account; any failure is `directory_unavailable`. */
  private async asService<T>(name: string, operation: (client: Client) => Promise<T>): Promise<T> {
    try {
      return await this.withConnection(async (client) => {
        await client.bind(this.options.bindDn, await this.options.bindPassword());
        return operation(client);
      });
    } catch (err) {
      logFailure(name, err);
      throw unavailable();
    }
  }

  /**
   * One conversation on a connection of its own (TLS from the start, or upgraded with StartTLS).
   * ldapts times out connecting and each operation; the whole conversation, TLS handshakes included,
   * must also end within twice the timeout, so a server that accepts and then stalls cannot hang a
   * sign-in.
   */
  private async withConnection<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const { url, timeoutMs, caPem, startTls } = this.options;
    const tlsOptions = {
      ...(caPem ? { ca: caPem } : {}),
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2' as const,
    };
    // ldapts opens TLS at once when given tlsOptions, so a StartTLS client gets them only at the upgrade.
    const client = new Client({
      url,
      timeout: timeoutMs,
      connectTimeout: timeoutMs,
      ...(startTls ? {} : { tlsOptions }),
    });
    const conversation = async (): Promise<T> => {
      if (startTls) {
        // The upgraded socket checks the certificate against the URL's host, as ldaps:// does.
        const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
        await client.startTLS({ ...tlsOptions, host, ...(isIP(host) ? {} : { servername: host }) });
      }
      return work(client);
    };
    let timer: NodeJS.Timeout | undefined;
    let stalled = false;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        stalled = true;
        reject(new Error(`no answer within ${2 * timeoutMs} ms`));
      }, 2 * timeoutMs);
    });
    try {
      return await Promise.race([conversation(), deadline]);
    } finally {
      clearTimeout(timer);
      // A stalled server may not answer the unbind either: then the socket is just dropped.
      const closed = client.unbind().catch(() => undefined);
      if (!stalled) await closed;
    }
  }
}
