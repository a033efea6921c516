import { DeleteCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** An entry on a contact list; the display name is kept with it so listing needs no directory reads. */
export interface ContactEntry {
  readonly sipUri: string;
  readonly displayName: string;
  /** The owner's group for this contact; absent when ungrouped. */
  readonly group?: string;
}

/** Who is on whose contact list, readable in both directions. */
export interface ContactStore {
  /** The entries on `owner`'s contact list. */
  list(owner: string): Promise<ContactEntry[]>;
  add(owner: string, contact: ContactEntry, now: number): Promise<void>;
  remove(owner: string, contact: string): Promise<void>;
  /** Everyone who has `contact` on their list, i.e. who sees their presence. */
  watchers(contact: string): Promise<string[]>;
}

export class DynamoContactStore implements ContactStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async list(owner: string): Promise<ContactEntry[]> {
    const items = await this.queryAll({
      KeyConditionExpression: '#o = :k',
      names: { '#o': 'owner' },
      key: owner,
    });
    return items.map((item) => ({
      sipUri: String(item.contact),
      displayName: String(item.displayName ?? ''),
      ...(typeof item.group === 'string' && item.group !== '' && { group: item.group }),
    }));
  }

  async add(owner: string, contact: ContactEntry, now: number): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          owner,
          contact: contact.sipUri,
          displayName: contact.displayName,
          addedAt: now,
          ...(contact.group && { group: contact.group }),
        },
      }),
    );
  }

  async remove(owner: string, contact: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: { owner, contact } }));
  }

  async watchers(contact: string): Promise<string[]> {
    const items = await this.queryAll({
      KeyConditionExpression: '#c = :k',
      names: { '#c': 'contact' },
      key: contact,
      index: 'watchers-index',
    });
    return items.map((item) => String(item.owner));
  }

  private async queryAll(query: {
    KeyConditionExpression: string;
    names: Record<string, string>;
    key: string;
    index?: string;
  }): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          ...(query.index ? { IndexName: query.index } : {}),
          KeyConditionExpression: query.KeyConditionExpression,
          ExpressionAttributeNames: query.names,
          ExpressionAttributeValues: { ':k': query.key },
          ExclusiveStartKey: startKey,
        }),
      );
      out.push(...(result.Items ?? []));
      startKey = result.LastEvaluatedKey;
    } while (startKey);
    return out;
  }
}
