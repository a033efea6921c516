import type { DirectoryUser } from '../core/model.ts';
import {
  accountKey,
  accountOf,
  findable,
  normalizeSipUri,
  type DirectoryAccount,
  type DirectoryEntry,
  type WritableDirectoryStore,
} from '../core/directory/directory.ts';
import { verifyPassword } from '../core/directory/passwords.ts';
import { bucketOf, indexedWords, matchesQuery, wordsOf } from '../core/directory/search-terms.ts';
import { compareKeys } from './coherent-table.ts';
import type { EmbeddedDatabase, PersistedTable } from './database.ts';

/** What the directory tells anyone but the forms sign-in's password check. */
function withoutSecret({ passwordHash: _hash, ...user }: DirectoryAccount): DirectoryUser {
  return user;
}

/** The account as stored and answered: the fields the DynamoDB store answers, nothing else. */
function toAccount(item: DirectoryAccount): DirectoryAccount {
  return { ...accountOf(item), sipUri: normalizeSipUri(item.sipUri) };
}

/** Index terms read per search at most, as the DynamoDB store's bounded Query reads. */
const searchReadLimit = 200;

/** One search index term: `word#sipUri`, in the partition of the word's first two characters. */
interface Term {
  readonly term: string;
  readonly sipUri: string;
  readonly displayName: string;
}

/**
 * Every user of one users table, in memory: loaded once when the first store over the table opens,
 * kept in step by every write. Reads (`findBySipUri` on every instant message) never wait for disk.
 */
class DirectoryState {
  readonly users = new Map<string, DirectoryAccount>();
  /** `accountKey` → SIP URIs (one, unless two users were given one account name). */
  readonly accounts = new Map<string, Set<string>>();
  /** bucket → terms in key order, as the DynamoDB search table's partitions hold them. */
  readonly buckets = new Map<string, Term[]>();

  constructor(readonly table: PersistedTable<DirectoryAccount>) {
    const terms: Term[] = [];
    for (const { value } of table.entries()) {
      const user = toAccount(value);
      this.users.set(user.sipUri, user);
      this.addAccount(user);
      terms.push(...termsOf(user));
    }
    for (const term of terms.sort((a, b) => compareKeys(a.term, b.term))) {
      const bucket = this.buckets.get(bucketOf(term.term));
      if (bucket) bucket.push(term);
      else this.buckets.set(bucketOf(term.term), [term]);
    }
  }

  /** Replaces the user in memory (and in the search index); answers the user it replaced. */
  set(user: DirectoryAccount): DirectoryAccount | undefined {
    const before = this.users.get(user.sipUri);
    if (before) {
      this.removeAccount(before);
      for (const term of termsOf(before)) this.removeTerm(term);
    }
    this.users.set(user.sipUri, user);
    this.addAccount(user);
    for (const term of termsOf(user)) this.addTerm(term);
    return before;
  }

  /** Puts `before` back in place of `user` (a write that did not commit), unless a later write replaced it. */
  undo(user: DirectoryAccount, before: DirectoryAccount | undefined): void {
    if (this.users.get(user.sipUri) !== user) return;
    if (before) {
      this.set(before);
      return;
    }
    this.removeAccount(user);
    for (const term of termsOf(user)) this.removeTerm(term);
    this.users.delete(user.sipUri);
  }

  private addAccount(user: DirectoryAccount): void {
    const key = accountKey(user.domain, user.username);
    const holders = this.accounts.get(key);
    if (holders) holders.add(user.sipUri);
    else this.accounts.set(key, new Set([user.sipUri]));
  }

  private removeAccount(user: DirectoryAccount): void {
    const key = accountKey(user.domain, user.username);
    const holders = this.accounts.get(key);
    holders?.delete(user.sipUri);
    if (holders?.size === 0) this.accounts.delete(key);
  }

  private addTerm(term: Term): void {
    const key = bucketOf(term.term);
    const bucket = this.buckets.get(key) ?? [];
    this.buckets.set(key, bucket);
    const at = lowerBound(bucket, term.term);
    if (bucket[at]?.term === term.term) bucket[at] = term;
    else bucket.splice(at, 0, term);
  }

  private removeTerm(term: Term): void {
    const key = bucketOf(term.term);
    const bucket = this.buckets.get(key);
    if (!bucket) return;
    const at = lowerBound(bucket, term.term);
    if (bucket[at]?.term === term.term) bucket.splice(at, 1);
    if (bucket.length === 0) this.buckets.delete(key);
  }
}

/** A user's search index terms: one per word, and none for a user nobody may find. */
function termsOf(user: DirectoryAccount): Term[] {
  if (!findable(user)) return [];
  return indexedWords(user).map((word) => ({
    term: `${word}#${user.sipUri}`,
    sipUri: user.sipUri,
    displayName: user.displayName,
  }));
}

/** The first position in `terms` whose term is not before `term`. */
function lowerBound(terms: readonly Term[], term: string): number {
  let low = 0;
  let high = terms.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareKeys((terms[middle] as Term).term, term) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

const states = new WeakMap<PersistedTable<DirectoryAccount>, DirectoryState>();

/**
 * The built-in directory of the embedded mode: users persisted in LMDB and held in memory (loaded at
 * open; a few hundred users load in milliseconds), answered as `DynamoDirectoryStore` answers them.
 * Search uses an in-memory index with the DynamoDB search table's terms and bounds, so both stores
 * find the same people.
 */
export class EmbeddedDirectoryStore implements WritableDirectoryStore {
  private readonly state: DirectoryState;

  constructor(
    db: EmbeddedDatabase,
    tableName: string,
    /**
     * As for `DynamoDirectoryStore`: without it `search` finds nobody. The index itself is kept in
     * memory, built from the users at open, so nothing is stored under this name.
     */
    private readonly searchTableName?: string,
  ) {
    const table = db.table<DirectoryAccount>(tableName);
    let state = states.get(table);
    if (!state) {
      state = new DirectoryState(table);
      states.set(table, state);
    }
    this.state = state;
  }

  async findByAccount(domain: string, username: string): Promise<DirectoryAccount | undefined> {
    const holders = this.state.accounts.get(accountKey(domain, username));
    const [first] = [...(holders ?? [])].sort(compareKeys);
    const account = first === undefined ? undefined : this.state.users.get(first);
    return account && { ...account };
  }

  async authenticate(domain: string, username: string, password: string): Promise<DirectoryUser | undefined> {
    const account = await this.findByAccount(domain, username);
    // Unknown users cost the same scrypt work as known ones (verifyPassword's dummy hash).
    const passwordOk = await verifyPassword(password, account?.passwordHash);
    if (!account || !passwordOk) return undefined;
    return withoutSecret(account);
  }

  async *list(): AsyncIterable<DirectoryAccount> {
    const sipUris = [...this.state.users.keys()].sort(compareKeys);
    for (const sipUri of sipUris) {
      const account = this.state.users.get(sipUri);
      if (account) yield { ...account };
    }
  }

  async findBySipUri(sipUri: string): Promise<DirectoryUser | undefined> {
    const account = this.state.users.get(normalizeSipUri(sipUri));
    return account && withoutSecret(account);
  }

  async findManyBySipUri(sipUris: readonly string[]): Promise<DirectoryUser[]> {
    return this.getMany([...new Set(sipUris.map(normalizeSipUri))]).map(withoutSecret);
  }

  async put(account: DirectoryAccount): Promise<void> {
    const user = toAccount(account);
    const before = this.state.set(user);
    try {
      await this.state.table.put(user.sipUri, user);
    } catch (err) {
      this.state.undo(user, before);
      throw err;
    }
  }

  async search(query: string, limit: number): Promise<DirectoryEntry[]> {
    const words = wordsOf(query.replace(/^\s*sip:/i, ''));
    const first = words[0];
    if (!this.searchTableName || !first || first.length < 2 || limit <= 0) return [];
    const bucket = this.state.buckets.get(bucketOf(first)) ?? [];
    const candidates = new Map<string, DirectoryEntry>();
    const start = lowerBound(bucket, first);
    for (let i = start; i < bucket.length && i < start + searchReadLimit; i++) {
      const term = bucket[i] as Term;
      if (!term.term.startsWith(first)) break;
      const entry = { sipUri: term.sipUri, displayName: term.displayName };
      if (matchesQuery(words, entry)) candidates.set(entry.sipUri, entry);
    }
    // The index is only a way to find candidates: the user rows decide who may be seen.
    return this.getMany([...candidates.keys()].slice(0, limit * 2))
      .filter(findable)
      .map((u) => ({ sipUri: u.sipUri, displayName: u.displayName }))
      .sort((a, b) => a.displayName.localeCompare(b.displayName) || a.sipUri.localeCompare(b.sipUri))
      .slice(0, limit);
  }

  private getMany(sipUris: readonly string[]): DirectoryAccount[] {
    return sipUris.flatMap((sipUri) => {
      const account = this.state.users.get(sipUri);
      return account ? [{ ...account }] : [];
    });
  }
}
