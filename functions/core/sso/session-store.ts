import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The ID token of each SSO ticket, kept server-side for RP-initiated logout (`id_token_hint`):
 * never in a cookie, and gone with the ticket (same TTL).
 */
export interface SsoSessionStore {
  put(ticketId: string, idToken: string, expiresAt: number): Promise<void>;
  /** The ID token, removed. */
  take(ticketId: string): Promise<string | undefined>;
}

export class DynamoSsoSessionStore implements SsoSessionStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(ticketId: string, idToken: string, expiresAt: number): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ticketId, idToken, ttl: Math.ceil(expiresAt / 1000) },
      }),
    );
  }

  async take(ticketId: string): Promise<string | undefined> {
    const result = await this.db.send(
      new DeleteCommand({ TableName: this.tableName, Key: { ticketId }, ReturnValues: 'ALL_OLD' }),
    );
    const idToken = result.Attributes?.idToken;
    return typeof idToken === 'string' ? idToken : undefined;
  }
}
