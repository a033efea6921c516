import type { Clock } from '../clock.ts';
import type { DirectoryUser } from '../model.ts';
import { normalizeSipUri, type DirectoryAccount, type DirectoryEntry, type DirectoryStore } from './store.ts';

/** Users remembered at most, so a busy instance's memory stays bounded. */
const maximumEntries = 10_000;

interface Remembered {
  readonly user: DirectoryUser | undefined;
  readonly until: number;
}

/**
 * A short cache in front of a remote directory (LDAP / AD) for the reads every authorization makes:
 * a user looked up by SIP URI is reused for `ttlSeconds` within this process, so a change made in the
 * directory (a user disabled, remote access withdrawn) takes effect within that time. Passwords are
 * never cached (`authenticate` always asks the directory), and a directory that cannot answer is
 * never papered over with an expired entry: the request is refused with `directory_unavailable`.
 */
export class CachedDirectory implements DirectoryStore {
  private readonly users = new Map<string, Remembered>();

  constructor(
    private readonly directory: DirectoryStore,
    private readonly clock: Clock,
    private readonly ttlSeconds: number,
  ) {}

  findByAccount(domain: string, username: string): Promise<DirectoryAccount | undefined> {
    return this.directory.findByAccount(domain, username);
  }

  authenticate(domain: string, username: string, password: string): Promise<DirectoryUser | undefined> {
    return this.directory.authenticate(domain, username, password);
  }

  search(query: string, limit: number): Promise<DirectoryEntry[]> {
    return this.directory.search(query, limit);
  }

  async findBySipUri(sipUri: string): Promise<DirectoryUser | undefined> {
    const key = normalizeSipUri(sipUri);
    const remembered = this.recall(key);
    if (remembered) return remembered.user;
    const user = await this.directory.findBySipUri(key);
    this.remember(key, user);
    return user;
  }

  async findManyBySipUri(sipUris: readonly string[]): Promise<DirectoryUser[]> {
    const keys = [...new Set(sipUris.map(normalizeSipUri))];
    const known: DirectoryUser[] = [];
    const missing: string[] = [];
    for (const key of keys) {
      const remembered = this.recall(key);
      if (!remembered) missing.push(key);
      else if (remembered.user) known.push(remembered.user);
    }
    if (missing.length === 0) return known;
    const found = await this.directory.findManyBySipUri(missing);
    const bySipUri = new Map(found.map((user) => [user.sipUri, user]));
    for (const key of missing) this.remember(key, bySipUri.get(key));
    return [...known, ...found];
  }

  private recall(key: string): Remembered | undefined {
    if (this.ttlSeconds <= 0) return undefined;
    const remembered = this.users.get(key);
    if (remembered && remembered.until > this.clock.now()) return remembered;
    if (remembered) this.users.delete(key);
    return undefined;
  }

  private remember(key: string, user: DirectoryUser | undefined): void {
    if (this.ttlSeconds <= 0) return;
    this.users.delete(key);
    this.users.set(key, { user, until: this.clock.now() + this.ttlSeconds * 1000 });
    if (this.users.size > maximumEntries) {
      const oldest = this.users.keys().next().value;
      if (oldest !== undefined) this.users.delete(oldest);
    }
  }
}
