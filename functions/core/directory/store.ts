import {
  BatchGetCommand,
  BatchWriteCommand,
  type BatchGetCommandOutput,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { DirectoryUser } from '../model.ts';
import {
  accountKey,
  findable,
  normalizeSipUri,
  type DirectoryAccount,
  type DirectoryEntry,
  type WritableDirectoryStore,
} from './directory.ts';
import type { ItemRead } from '../storage/item-reads.ts';
import { verifyPassword } from './passwords.ts';
import { bucketOf, indexedWords, matchesQuery, wordsOf } from './search-terms.ts';

import { accountOf } from './directory.ts';

export {
  accountKey,
  accountOf,
  findable,
  normalizeSipUri,
  type DirectoryAccount,
  type DirectoryEntry,
  type DirectoryStore,
  type WritableDirectoryStore,
} from './directory.ts';

type Item = DirectoryAccount & { readonly account: string };

/** What the directory tells anyone but the forms sign-in's password check. */
function withoutSecret({ passwordHash: _hash, ...user }: DirectoryAccount): DirectoryUser {
  return user;
}

/** Index items read per search at most, so a common prefix costs a bounded Query. */
const searchReadLimit = 200;
const batchWriteSize = 25;

export class DynamoDirectoryStore implements WritableDirectoryStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** The `directorySearch` table; without it `put` keeps no search index and `search` finds nobody. */
    private readonly searchTableName?: string,
  ) {}

  async findByAccount(domain: string, username: string): Promise<DirectoryAccount | undefined> {
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'account-index',
        KeyConditionExpression: 'account = :a',
        ExpressionAttributeValues: { ':a': accountKey(domain, username) },
        Limit: 1,
      }),
    );
    // The index projects every attribute; its eventual consistency only delays an admin's change
    // by moments, and the authorizer re-reads the user consistently on every request.
    const item = result.Items?.[0] as Item | undefined;
    return item ? accountOf(item) : undefined;
  }

  async authenticate(domain: string, username: string, password: string): Promise<DirectoryUser | undefined> {
    const account = await this.findByAccount(domain, username);
    // Unknown users cost the same scrypt work as known ones (verifyPassword's dummy hash).
    const passwordOk = await verifyPassword(password, account?.passwordHash);
    if (!account || !passwordOk) return undefined;
    return withoutSecret(account);
  }

  async *list(): AsyncIterable<DirectoryAccount> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: startKey, ConsistentRead: true }),
      );
      for (const item of page.Items ?? []) yield accountOf(item as Item);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  async findBySipUri(sipUri: string): Promise<DirectoryUser | undefined> {
    const account = await this.get(normalizeSipUri(sipUri));
    return account && withoutSecret(account);
  }

  userRead(sipUri: string): ItemRead<DirectoryUser | undefined> {
    return {
      tableName: this.tableName,
      key: { sipUri: normalizeSipUri(sipUri) },
      answer: (item) => item && withoutSecret(accountOf(item as unknown as Item)),
      alone: () => this.findBySipUri(sipUri),
    };
  }

  async findManyBySipUri(sipUris: readonly string[]): Promise<DirectoryUser[]> {
    const accounts = await this.getMany([...new Set(sipUris.map(normalizeSipUri))]);
    return accounts.map(withoutSecret);
  }

  async put(account: DirectoryAccount): Promise<void> {
    const item: Item = {
      ...account,
      sipUri: normalizeSipUri(account.sipUri),
      account: accountKey(account.domain, account.username),
    };
    const before = this.searchTableName ? await this.get(item.sipUri) : undefined;
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: item }));
    if (this.searchTableName) await this.reindex(before, accountOf(item), this.searchTableName);
  }

  async search(query: string, limit: number): Promise<DirectoryEntry[]> {
    const words = wordsOf(query.replace(/^\s*sip:/i, ''));
    const first = words[0];
    if (!this.searchTableName || !first || first.length < 2 || limit <= 0) return [];
    const candidates = new Map<string, DirectoryEntry>();
    let startKey: Record<string, unknown> | undefined;
    let read = 0;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.searchTableName,
          KeyConditionExpression: '#b = :b AND begins_with(#t, :w)',
          ExpressionAttributeNames: { '#b': 'bucket', '#t': 'term' },
          ExpressionAttributeValues: { ':b': bucketOf(first), ':w': first },
          Limit: searchReadLimit - read,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const entry = { sipUri: String(item.sipUri), displayName: String(item.displayName) };
        if (matchesQuery(words, entry)) candidates.set(entry.sipUri, entry);
      }
      read += page.Items?.length ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey && read < searchReadLimit);
    // The index is only a way to find candidates: the user rows decide who may be seen.
    const users = await this.getMany([...candidates.keys()].slice(0, limit * 2));
    return users
      .filter(findable)
      .map((u) => ({ sipUri: u.sipUri, displayName: u.displayName }))
      .sort((a, b) => a.displayName.localeCompare(b.displayName) || a.sipUri.localeCompare(b.sipUri))
      .slice(0, limit);
  }

  /** Replaces a user's search index items: one per word, and none for a user nobody may find. */
  private async reindex(
    before: DirectoryAccount | undefined,
    after: DirectoryAccount,
    table: string,
  ): Promise<void> {
    const termsOf = (user: DirectoryAccount | undefined) =>
      user && findable(user) ? indexedWords(user).map((word) => `${word}#${user.sipUri}`) : [];
    const keep = new Set(termsOf(after));
    const stale = termsOf(before).filter((term) => !keep.has(term));
    const requests = [
      ...stale.map((term) => ({ DeleteRequest: { Key: { bucket: bucketOf(term), term } } })),
      ...[...keep].map((term) => ({
        PutRequest: {
          Item: { bucket: bucketOf(term), term, sipUri: after.sipUri, displayName: after.displayName },
        },
      })),
    ];
    for (let i = 0; i < requests.length; i += batchWriteSize) {
      let pending: typeof requests | undefined = requests.slice(i, i + batchWriteSize);
      while (pending && pending.length > 0) {
        const result = await this.db.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
        pending = result.UnprocessedItems?.[table] as typeof requests | undefined;
      }
    }
  }

  private async getMany(sipUris: readonly string[]): Promise<DirectoryAccount[]> {
    if (sipUris.length === 0) return [];
    const out: DirectoryAccount[] = [];
    let keys: Record<string, unknown>[] | undefined = sipUris.map((sipUri) => ({ sipUri }));
    while (keys && keys.length > 0) {
      const result: BatchGetCommandOutput = await this.db.send(
        new BatchGetCommand({
          RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } },
        }),
      );
      out.push(...(result.Responses?.[this.tableName] ?? []).map((item) => accountOf(item as Item)));
      keys = result.UnprocessedKeys?.[this.tableName]?.Keys;
    }
    return out;
  }

  private async get(sipUri: string): Promise<DirectoryAccount | undefined> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { sipUri }, ConsistentRead: true }),
    );
    return result.Item ? accountOf(result.Item as Item) : undefined;
  }
}
