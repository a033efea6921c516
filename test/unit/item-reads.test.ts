import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readItems, type ItemRead } from '../../functions/core/storage/item-reads.ts';

type Keys = Record<string, { Keys: Record<string, unknown>[]; ConsistentRead?: boolean }>;

/** A document client that answers BatchGetItem from `items`, leaving unprocessed what `holdBack` says. */
function fakeDb(items: Record<string, Record<string, unknown>>, holdBack: (call: number) => string[]) {
  const calls: Keys[] = [];
  const db = {
    send: (command: BatchGetCommand) => {
      const asked = command.input.RequestItems as Keys;
      calls.push(asked);
      const held = holdBack(calls.length);
      const Responses: Record<string, Record<string, unknown>[]> = {};
      const UnprocessedKeys: Keys = {};
      for (const [table, { Keys: keys }] of Object.entries(asked)) {
        if (held.includes(table)) UnprocessedKeys[table] = { Keys: keys, ConsistentRead: true };
        else Responses[table] = items[table] ? [items[table]] : [];
      }
      return Promise.resolve({ Responses, UnprocessedKeys });
    },
  } as unknown as DynamoDBDocumentClient;
  return { db, calls };
}

const read = (tableName: string, key: string): ItemRead<string | undefined> => ({
  tableName,
  key: { id: key },
  answer: (item) => (item ? `${tableName}:${String(item.id)}` : undefined),
  alone: () => Promise.reject(new Error('not used')),
});

describe('reading items of two tables in one request', () => {
  it('answers each store’s answer in order, from one strongly consistent BatchGetItem', async () => {
    const { db, calls } = fakeDb({ tickets: { id: 't1' } }, () => []);
    const answers = await readItems(db, [read('tickets', 't1'), read('users', 'u1')]);
    assert.deepEqual(answers, ['tickets:t1', undefined]);
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0], {
      tickets: { Keys: [{ id: 't1' }], ConsistentRead: true },
      users: { Keys: [{ id: 'u1' }], ConsistentRead: true },
    });
  });

  it('asks again for keys DynamoDB left unprocessed, and only for those', async () => {
    const { db, calls } = fakeDb({ tickets: { id: 't1' }, users: { id: 'u1' } }, (call) =>
      call === 1 ? ['users'] : [],
    );
    const answers = await readItems(db, [read('tickets', 't1'), read('users', 'u1')]);
    assert.deepEqual(answers, ['tickets:t1', 'users:u1']);
    assert.equal(calls.length, 2);
    assert.deepEqual(Object.keys(calls[1] ?? {}), ['users']);
  });

  it('gives up after a bounded number of asks', async () => {
    const { db, calls } = fakeDb({}, () => ['tickets']);
    await assert.rejects(readItems(db, [read('tickets', 't1')]), /unprocessed/);
    assert.equal(calls.length, 5);
  });

  it('takes one read per table', async () => {
    const { db } = fakeDb({}, () => []);
    await assert.rejects(readItems(db, [read('tickets', 't1'), read('tickets', 't2')]), /one read per table/);
  });
});
