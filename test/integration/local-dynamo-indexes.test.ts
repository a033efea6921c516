import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { createDocumentClient } from '../../functions/core/storage/dynamo.ts';
import { startLocalDynamo } from '../../local/dynamo.ts';

let dataDir: string;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cwa-indexes-'));
  Object.assign(process.env, {
    AWS_REGION: 'local',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
});
after(() => rm(dataDir, { recursive: true, force: true }));

/** Leaves a tickets table under `path` as a version without the `user-index` created it, with one ticket. */
async function keepOldTicketsTable(path: string): Promise<void> {
  const server = dynalite({ path, createTableMs: 0 });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ endpoint });
  await client.send(
    new CreateTableCommand({
      TableName: 'cwa-tickets',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'ticketId', AttributeType: 'S' },
        { AttributeName: 'expiryMinute', AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: 'ticketId', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'expiry-index',
          KeySchema: [
            { AttributeName: 'expiryMinute', KeyType: 'HASH' },
            { AttributeName: 'ticketId', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  const db = createDocumentClient(endpoint);
  await db.send(
    new PutCommand({
      TableName: 'cwa-tickets',
      Item: { ticketId: 't-1', sipUri: 'sip:alice@contoso.com', expiryMinute: '100', site: 'internal' },
    }),
  );
  db.destroy();
  client.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe('local tables kept from an earlier version', () => {
  it('gains the indexes added since, keeping its items', async () => {
    const path = join(dataDir, 'dynamodb');
    await keepOldTicketsTable(path);

    const dynamo = await startLocalDynamo(path);

    const db = createDocumentClient(dynamo.endpoint);
    try {
      const byUser = await db.send(
        new QueryCommand({
          TableName: dynamo.tableNames.tickets,
          IndexName: 'user-index',
          KeyConditionExpression: 'sipUri = :u',
          ExpressionAttributeValues: { ':u': 'sip:alice@contoso.com' },
        }),
      );
      assert.deepEqual(
        byUser.Items?.map((item) => item.ticketId),
        ['t-1'],
      );
      const kept = await db.send(
        new GetCommand({ TableName: dynamo.tableNames.tickets, Key: { ticketId: 't-1' } }),
      );
      assert.deepEqual(kept.Item, {
        ticketId: 't-1',
        sipUri: 'sip:alice@contoso.com',
        expiryMinute: '100',
        site: 'internal',
      });
    } finally {
      db.destroy();
      await dynamo.close();
    }
  });
});
