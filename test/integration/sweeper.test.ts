import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../functions/core/storage/dynamo.ts';
import { startLocalDynamo, type LocalDynamo } from '../../local/dynamo.ts';
import { sweepExpired } from '../../local/sweeper.ts';

let dataDir: string;
let dynamo: LocalDynamo;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cwa-sweep-'));
  Object.assign(process.env, {
    AWS_REGION: 'local',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
  dynamo = await startLocalDynamo(join(dataDir, 'dynamodb'));
});
after(async () => {
  await dynamo.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('the local TTL sweeper', () => {
  it('deletes items whose TTL has passed and keeps the others, as DynamoDB TTL would', async () => {
    const db = createDocumentClient(dynamo.endpoint);
    const now = Math.floor(Date.now() / 1000);
    const tickets = dynamo.tableNames.tickets;
    const connections = dynamo.tableNames.connections;
    await db.send(new PutCommand({ TableName: tickets, Item: { ticketId: 'old', ttl: now - 10 } }));
    await db.send(new PutCommand({ TableName: tickets, Item: { ticketId: 'current', ttl: now + 600 } }));
    await db.send(
      new PutCommand({
        TableName: connections,
        Item: { sipUri: 'sip:a@b', connectionId: 'gone', ttl: now - 1 },
      }),
    );

    const removed = await sweepExpired(db, dynamo.tableNames, now);

    assert.equal(removed, 2);
    assert.equal(
      (await db.send(new GetCommand({ TableName: tickets, Key: { ticketId: 'old' } }))).Item,
      undefined,
    );
    assert.ok((await db.send(new GetCommand({ TableName: tickets, Key: { ticketId: 'current' } }))).Item);
    const connection = await db.send(
      new GetCommand({ TableName: connections, Key: { sipUri: 'sip:a@b', connectionId: 'gone' } }),
    );
    assert.equal(connection.Item, undefined);
    db.destroy();
  });
});
