import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ConnectionRecord } from './connections.ts';

/** One page of a walk through every live connection, and where the next page starts. */
export interface ConnectionPage {
  readonly connections: readonly ConnectionRecord[];
  /** Where the walk goes on; undefined when it has reached the end. */
  readonly next?: string;
}

/**
 * Every live connection, a page at a time, for work off every request path (the scheduled policy
 * re-check). A Scan, bounded per call: at most `limit` items read.
 */
export interface ConnectionScan {
  page(from: string | undefined, limit: number): Promise<ConnectionPage>;
}

export class DynamoConnectionScan implements ConnectionScan {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly nowSeconds: () => number,
  ) {}

  async page(from: string | undefined, limit: number): Promise<ConnectionPage> {
    const result = await this.db.send(
      new ScanCommand({
        TableName: this.tableName,
        Limit: limit,
        ...(from ? { ExclusiveStartKey: JSON.parse(from) as Record<string, unknown> } : {}),
      }),
    );
    const now = this.nowSeconds();
    return {
      connections: ((result.Items ?? []) as ConnectionRecord[]).filter((c) => c.ttl > now),
      ...(result.LastEvaluatedKey ? { next: JSON.stringify(result.LastEvaluatedKey) } : {}),
    };
  }
}
