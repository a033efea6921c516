import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DirectoryUser } from '../model.ts';

/** A directory user with the secret the forms sign-in checks. */
export interface DirectoryAccount extends DirectoryUser {
  readonly passwordHash?: string;
}

/** Where users, their policy flags and their credentials live. */
export interface DirectoryStore {
  /** Finds the account a forms sign-in names (`DOMAIN\username`, case-insensitive). */
  findByAccount(domain: string, username: string): Promise<DirectoryAccount | undefined>;
  findBySipUri(sipUri: string): Promise<DirectoryUser | undefined>;
  put(account: DirectoryAccount): Promise<void>;
}

export const accountKey = (domain: string, username: string): string =>
  `${domain}\\${username}`.toLowerCase();

/** SIP URIs compare case-insensitively in the host and, here, in the user part too. */
export const normalizeSipUri = (sipUri: string): string => sipUri.trim().toLowerCase();

type Item = DirectoryAccount & { readonly account: string };

function toUser(item: Item): DirectoryAccount {
  return {
    sipUri: item.sipUri,
    domain: item.domain,
    username: item.username,
    displayName: item.displayName,
    enabled: item.enabled === true,
    enhancedPresence: item.enhancedPresence === true,
    remoteAccess: item.remoteAccess === true,
    ...(item.passwordHash ? { passwordHash: item.passwordHash } : {}),
  };
}

export class DynamoDirectoryStore implements DirectoryStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
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
    return item ? toUser(item) : undefined;
  }

  async findBySipUri(sipUri: string): Promise<DirectoryUser | undefined> {
    const account = await this.get(normalizeSipUri(sipUri));
    if (!account) return undefined;
    const { passwordHash: _hash, ...user } = account;
    return user;
  }

  async put(account: DirectoryAccount): Promise<void> {
    const item: Item = {
      ...account,
      sipUri: normalizeSipUri(account.sipUri),
      account: accountKey(account.domain, account.username),
    };
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: item }));
  }

  private async get(sipUri: string): Promise<DirectoryAccount | undefined> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { sipUri }, ConsistentRead: true }),
    );
    return result.Item ? toUser(result.Item as Item) : undefined;
  }
}
