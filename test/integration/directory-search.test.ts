import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DirectoryAccount } from '../../functions/core/directory/directory.ts';
import { DynamoDirectoryStore } from '../../functions/core/directory/store.ts';
import { createDocumentClient } from '../../functions/core/storage/dynamo.ts';
import { demo, signIn } from './support/client.ts';
import { startTestRuntime, type TestRuntime } from './support/runtime.ts';

let rt: TestRuntime;
let alice: string;

/** The demo directory plus people to find: accented names, many namesakes. */
async function seedFile(dir: string): Promise<string> {
  const seed = JSON.parse(await readFile('local/demo-directory.json', 'utf8')) as {
    users: Record<string, unknown>[];
  };
  const person = (username: string, displayName: string, extra: Record<string, unknown> = {}) => ({
    username,
    password: `${username}-pass`,
    sipUri: `sip:${username}@contoso.com`,
    displayName,
    enabled: true,
    enhancedPresence: true,
    remoteAccess: true,
    contacts: [],
    ...extra,
  });
  seed.users.push(person('zoe', 'Zoë Quinn'));
  for (let i = 1; i <= 23; i++)
    seed.users.push(person(`sam${i}`, `Sam Sample ${String(i).padStart(2, '0')}`));
  const path = join(dir, 'seed.json');
  await writeFile(path, JSON.stringify(seed));
  return path;
}

/**
 * Disables a user as a writer other than the runtime would. On DynamoDB, one that writes the users
 * table without the search index: the search must still hide the user at once. The embedded store
 * has no other writer than the runtime.
 */
async function disableAsAnotherWriter(user: DirectoryAccount): Promise<void> {
  if (rt.mode === 'embedded') return rt.deps.stores.directory.put({ ...user, enabled: false });
  const db = createDocumentClient(rt.storeUrl);
  await new DynamoDirectoryStore(db, rt.deps.settings.tableNames.users).put({ ...user, enabled: false });
  db.destroy();
}

before(async () => {
  const { mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const seedDir = await mkdtemp(join(tmpdir(), 'cwa-seed-'));
  rt = await startTestRuntime({ seedPath: await seedFile(seedDir) });
  alice = await signIn(rt.internal, demo.alice);
});
after(async () => {
  await rt?.close();
});

async function search(q: string, cookie: string | null = alice) {
  const response = await fetch(`${rt.internal}/api/directory?q=${encodeURIComponent(q)}`, {
    headers: cookie ? { cookie } : {},
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const uris = (body: Record<string, unknown>) => (body.results as { sipUri: string }[]).map((r) => r.sipUri);

describe('directory search (GET /api/directory)', () => {
  it('finds people by the start of any word of their name or SIP URI, showing only name and SIP URI', async () => {
    const { status, body } = await search('bar');
    assert.equal(status, 200);
    assert.deepEqual(body, { results: [{ sipUri: demo.bob.sipUri, displayName: 'Bob Barros' }] });
    assert.deepEqual(uris((await search('CAROL')).body), [demo.carol.sipUri]);
    assert.deepEqual(uris((await search('bob@contoso.com')).body), [demo.bob.sipUri]);
    assert.deepEqual(uris((await search('sip:carol@contoso')).body), [demo.carol.sipUri]);
  });

  it('matches names without regard to accents and by several words', async () => {
    assert.deepEqual(uris((await search('zoe')).body), ['sip:zoe@contoso.com']);
    assert.deepEqual(uris((await search('Quinn Zo')).body), ['sip:zoe@contoso.com']);
    assert.deepEqual(uris((await search('zoe bob')).body), []);
  });

  it('never shows people who may not use the service, nor the searcher', async () => {
    assert.deepEqual(uris((await search('dave')).body), [], 'no enhanced presence');
    assert.deepEqual(uris((await search('erin')).body), [], 'not enabled');
    assert.deepEqual(uris((await search('alice')).body), [], 'the searcher');
    assert.deepEqual(uris((await search('alice', await signIn(rt.internal, demo.bob))).body), [
      demo.alice.sipUri,
    ]);
  });

  it('answers at most 20 people, sorted by name', async () => {
    const found = uris((await search('sam')).body);
    assert.equal(found.length, 20);
    assert.equal(found[0], 'sip:sam1@contoso.com');
    assert.equal(found[19], 'sip:sam20@contoso.com');
  });

  it('stops finding a user the directory disables or renames', async () => {
    const directory = rt.deps.stores.directory;
    const zoe = await directory.findBySipUri('sip:zoe@contoso.com');
    assert.ok(zoe);
    await directory.put({ ...zoe, displayName: 'Zoë Rivera' });
    assert.deepEqual(uris((await search('quinn')).body), []);
    assert.deepEqual(uris((await search('rivera')).body), ['sip:zoe@contoso.com']);
    await disableAsAnotherWriter({ ...zoe, displayName: 'Zoë Rivera' });
    assert.deepEqual(uris((await search('rivera')).body), []);
  });

  it('refuses queries that are too short or too long, and callers without a ticket', async () => {
    assert.equal((await search('a')).status, 400);
    assert.equal((await search('   ')).status, 400);
    assert.equal((await search('x'.repeat(101))).status, 400);
    assert.equal((await search('bob', null)).status, 401);
    const noQuery = await fetch(`${rt.internal}/api/directory`, { headers: { cookie: alice } });
    assert.equal(noQuery.status, 400);
    assert.equal(((await noQuery.json()) as { error: string }).error, 'bad_request');
  });
});
