import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../functions/core/storage/dynamo.ts';
import { sweepExpired } from '../../local/sweeper.ts';
import { useLocalDynamo } from './support/local-dynamo.ts';

const local = useLocalDynamo('sweep');

describe('the local TTL sweeper', () => {
  it('deletes items whose TTL has passed and keeps the others, as DynamoDB TTL would', async () => {
    const db = createDocumentClient(local.dynamo.endpoint);
    const now = Math.floor(Date.now() / 1000);
    const tickets = local.dynamo.tableNames.tickets;
    const connections = local.dynamo.tableNames.connections;
    await db.send(new PutCommand({ TableName: tickets, Item: { ticketId: 'old', ttl: now - 10 } }));
    await db.send(new PutCommand({ TableName: tickets, Item: { ticketId: 'current', ttl: now + 600 } }));
    await db.send(
      new PutCommand({
        TableName: connections,
        Item: { sipUri: 'sip:a@b', connectionId: 'gone', ttl: now - 1 },
      }),
    );

    const removed = await sweepExpired(db, local.dynamo.tableNames, now);

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
