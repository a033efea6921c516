import type { ContactEntry, ContactStore } from '../core/realtime/contacts-store.ts';
import { coherentTable, compareKeys, type CoherentTable } from './coherent-table.ts';
import type { EmbeddedDatabase } from './database.ts';

/** One entry on a contact list, as the contacts table keeps it. */
interface ContactItem {
  readonly owner: string;
  readonly contact: string;
  readonly displayName: string;
  readonly addedAt: number;
  readonly group?: string;
}

const tableName = 'contacts';

/**
 * `owner` U+001F `contact`: an owner's entries sort together, by contact, as DynamoDB's sort key
 * orders them. U+001F (unit separator) cannot be in a SIP URI; LMDB's key encoding (ordered-binary)
 * reserves the bytes 0 to 2 for its array keys, so a string key holding one comes back as an array.
 */
const separator = '\u001f';
const keyOf = (owner: string, contact: string): string => `${owner}${separator}${contact}`;
const ownerPrefix = (owner: string): string => `${owner}${separator}`;

/** Inserts `value` into the ordered array, unless there. */
function insertOrdered(values: string[], value: string): void {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const order = compareKeys(values[middle] as string, value);
    if (order === 0) return;
    if (order < 0) low = middle + 1;
    else high = middle;
  }
  values.splice(low, 0, value);
}

/**
 * Who watches whom (the DynamoDB `watchers-index`), in memory: built from the table when the first
 * store over it opens, kept in step by every write.
 */
class WatcherIndex {
  /** contact → the owners who list them, in owner order. */
  readonly watchers = new Map<string, string[]>();

  constructor(table: CoherentTable<ContactItem>) {
    for (const { value } of table.entries()) this.add(value.owner, value.contact);
  }

  add(owner: string, contact: string): void {
    const owners = this.watchers.get(contact);
    if (owners) insertOrdered(owners, owner);
    else this.watchers.set(contact, [owner]);
  }

  remove(owner: string, contact: string): void {
    const owners = this.watchers.get(contact);
    const at = owners?.indexOf(owner) ?? -1;
    if (!owners || at < 0) return;
    owners.splice(at, 1);
    if (owners.length === 0) this.watchers.delete(contact);
  }
}

const indexes = new WeakMap<CoherentTable<ContactItem>, WatcherIndex>();

/**
 * Contact lists of the embedded mode, with the semantics of `DynamoContactStore`, persisted in LMDB:
 * `add` and `remove` resolve once committed, so a list survives a restart (and `kill -9`), and are
 * seen by reads at once. Lists are read from LMDB's memory map; `watchers` (asked on every presence
 * change and instant message) from an index in memory.
 * Stores over the same database share that index.
 */
export class EmbeddedContactStore implements ContactStore {
  private readonly table: CoherentTable<ContactItem>;
  private readonly index: WatcherIndex;

  constructor(db: EmbeddedDatabase) {
    this.table = coherentTable<ContactItem>(db, tableName);
    let index = indexes.get(this.table);
    if (!index) {
      index = new WatcherIndex(this.table);
      indexes.set(this.table, index);
    }
    this.index = index;
  }

  async list(owner: string): Promise<ContactEntry[]> {
    const entries: ContactEntry[] = [];
    for (const { value } of this.table.entriesWithPrefix(ownerPrefix(owner))) {
      entries.push({
        sipUri: value.contact,
        displayName: value.displayName ?? '',
        ...(typeof value.group === 'string' && value.group !== '' && { group: value.group }),
      });
    }
    return entries;
  }

  async add(owner: string, contact: ContactEntry, now: number): Promise<void> {
    const item: ContactItem = {
      owner,
      contact: contact.sipUri,
      displayName: contact.displayName,
      addedAt: now,
      ...(contact.group && { group: contact.group }),
    };
    this.index.add(owner, contact.sipUri);
    await this.table.put(keyOf(owner, contact.sipUri), item);
  }

  async remove(owner: string, contact: string): Promise<void> {
    this.index.remove(owner, contact);
    await this.table.remove(keyOf(owner, contact));
  }

  async watchers(contact: string): Promise<string[]> {
    return [...(this.index.watchers.get(contact) ?? [])];
  }
}
