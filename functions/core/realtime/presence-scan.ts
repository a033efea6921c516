import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parseLiveEntry, type LiveConnection } from './presence-store.ts';

/** A user whose presence row lists connections: the user is shown online. */
export interface ListedConnections {
  readonly sipUri: string;
  /** Every connection the row lists, those older than a connection can live included. */
  readonly connections: readonly LiveConnection[];
}

/** One page of a walk through the presence rows that list connections, and where the next starts. */
export interface PresencePage {
  readonly rows: readonly ListedConnections[];
  /** Where the walk goes on; undefined when it has reached the end. */
  readonly next?: string;
}

/**
 * The presence rows that list connections, a page at a time, for work off every request path
 * (forgetting connections whose `$disconnect` never came). A Scan, bounded per call: at most
 * `limit` rows read, whether they list connections or not.
 */
export interface PresenceScan {
  page(from: string | undefined, limit: number): Promise<PresencePage>;
}

export class DynamoPresenceScan implements PresenceScan {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async page(from: string | undefined, limit: number): Promise<PresencePage> {
    const result = await this.db.send(
      new ScanCommand({
        TableName: this.tableName,
        Limit: limit,
        FilterExpression: 'attribute_exists(#l)',
        ProjectionExpression: 'sipUri, #l',
        ExpressionAttributeNames: { '#l': 'live' },
        ...(from ? { ExclusiveStartKey: JSON.parse(from) as Record<string, unknown> } : {}),
      }),
    );
    const rows = (result.Items ?? []).map((item) => ({
      sipUri: String(item.sipUri),
      connections: (item.live instanceof Set ? [...(item.live as Set<string>)] : [])
        .map(parseLiveEntry)
        .filter((c): c is LiveConnection => c !== undefined),
    }));
    return {
      rows: rows.filter((row) => row.connections.length > 0),
      ...(result.LastEvaluatedKey ? { next: JSON.stringify(result.LastEvaluatedKey) } : {}),
    };
  }
}
