import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { demo, FrameClient, signIn } from './support/client.ts';
import { startTestRuntime, type TestRuntime } from './support/runtime.ts';

/**
 * The embedded mode across a restart on the same DATA_DIR: sessions and what users changed stay;
 * nothing of presence does; a ticket whose page was connected when the process went is detached,
 * so its leave grace period starts (a reload keeps the session, a page that never returns ends it).
 */
let dataDir: string;
let rt: TestRuntime | undefined;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cwa-embedded-restart-'));
});
after(async () => {
  await rt?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/**
 * The ticket's record once the closed connection's `$disconnect` has detached it. The client's close
 * does not wait for the server's `$disconnect`: a record rewritten before it ran would be detached
 * again behind the test's back.
 */
async function detachedRecord(runtime: TestRuntime, ticketId: string) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const record = await runtime.deps.stores.tickets.get(ticketId);
    assert.ok(record);
    if (record.detachedAt !== undefined) return record;
    assert.ok(Date.now() < deadline, 'the closed connection never detached its ticket');
    await sleep(20);
  }
}

const start = () => startTestRuntime({ mode: 'embedded', dataDir, scheduleIntervalMs: 3_600_000 });

describe('the embedded mode restarted on the same data', () => {
  it('keeps the session, the contacts and nobody online; detaches tickets left attached', async () => {
    rt = await start();
    const cookie = await signIn(rt.internal, demo.alice);
    const client = await FrameClient.connect(rt.internal, cookie);
    await client.request({ action: 'contacts.add', sipUri: demo.dave.sipUri }, 'contacts');
    const [connection] = await rt.deps.stores.connections.listByUser(demo.alice.sipUri);
    assert.ok(connection);
    const ticketId = connection.ticketId;
    // What a kill -9 leaves: the ticket still marked attached (no `$disconnect` came). A clean
    // close would detach it, so the record is put back as the crash would have left it.
    await client.close();
    const record = await detachedRecord(rt, ticketId);
    await rt.deps.stores.tickets.delete(ticketId);
    const { detachedAt: _detached, leftAt: _left, ...attached } = record;
    await rt.deps.stores.tickets.put({ ...attached, attachedAt: Date.now() });
    await rt.close();

    const startedAt = Date.now();
    rt = await start();
    const after = await rt.deps.stores.tickets.get(ticketId);
    assert.ok(after, 'the session outlives the restart');
    assert.ok((after.detachedAt ?? 0) >= startedAt, 'detached at start, so its leave grace runs');
    assert.deepEqual(await rt.deps.stores.connections.listByUser(demo.alice.sipUri), []);
    assert.equal((await rt.deps.stores.presence.get(demo.alice.sipUri))?.online ?? false, false);

    const again = await FrameClient.connect(rt.internal, cookie);
    const contacts = await again.request({ action: 'contacts.list' }, 'contacts');
    const listed = (contacts.contacts as { sipUri: string }[]).map((c) => c.sipUri);
    assert.ok(listed.includes(demo.dave.sipUri), 'the contact added before the restart is there');
    await again.close();
  });
});
