import { createHash } from 'node:crypto';
import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Site } from '../model.ts';

/** A sign-in that was sent to the provider and has not come back yet. */
export interface PendingLogin {
  readonly site: Site;
  readonly nonce: string;
  readonly codeVerifier: string;
  readonly redirectUri: string;
  /** ms since the epoch. */
  readonly expiresAt: number;
}

/**
 * Pending SSO sign-ins, keyed by a hash of their `state` (so the table alone cannot complete one).
 * Taking one deletes it in the same request, so a `state` is good for one callback only.
 */
export interface SsoLoginStore {
  put(state: string, login: PendingLogin): Promise<void>;
  /** The pending sign-in, removed; undefined when unknown or already used. */
  take(state: string): Promise<PendingLogin | undefined>;
}

export const stateKeyOf = (state: string): string => createHash('sha256').update(state).digest('base64url');

export class DynamoSsoLoginStore implements SsoLoginStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(state: string, login: PendingLogin): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { stateKey: stateKeyOf(state), ...login, ttl: Math.ceil(login.expiresAt / 1000) },
        ConditionExpression: 'attribute_not_exists(stateKey)',
      }),
    );
  }

  async take(state: string): Promise<PendingLogin | undefined> {
    const result = await this.db.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { stateKey: stateKeyOf(state) },
        ReturnValues: 'ALL_OLD',
      }),
    );
    const item = result.Attributes;
    if (!item) return undefined;
    return {
      site: item.site as Site,
      nonce: String(item.nonce),
      codeVerifier: String(item.codeVerifier),
      redirectUri: String(item.redirectUri),
      expiresAt: Number(item.expiresAt),
    };
  }
}
