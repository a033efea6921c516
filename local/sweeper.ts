import { DeleteCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tables, type TableKey, type TableNames } from '../functions/core/storage/tables.ts';

/**
 * Stands in for DynamoDB TTL, which dynalite does not run: deletes items whose TTL attribute has
 * passed. Readers never rely on it (they check expiry themselves); it keeps the local data small.
 * A Scan is fine here: this runs off the request path, once a minute.
 */
export async function sweepExpired(
  db: DynamoDBDocumentClient,
  names: TableNames,
  nowSeconds: number,
): Promise<number> {
  let removed = 0;
  for (const [key, def] of Object.entries(tables) as [TableKey, (typeof tables)[TableKey]][]) {
    if (!('ttlAttribute' in def)) continue;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await db.send(
        new ScanCommand({
          TableName: names[key],
          FilterExpression: '#ttl < :now',
          ExpressionAttributeNames: { '#ttl': def.ttlAttribute },
          ExpressionAttributeValues: { ':now': nowSeconds },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const keyOf: Record<string, unknown> = { [def.partitionKey]: item[def.partitionKey] };
        if ('sortKey' in def) keyOf[def.sortKey] = item[def.sortKey];
        await db.send(new DeleteCommand({ TableName: names[key], Key: keyOf }));
        removed++;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
  return removed;
}
