import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { clientActions } from '../../functions/core/realtime/frames.ts';
import { demo, FrameClient, signIn, UpgradeRefused } from './support/client.ts';
import { startTestRuntime, type TestRuntime } from './support/runtime.ts';

// Short server-set times, so each expiry rule can be watched happen.
const idleSeconds = 3;
const leaveGraceSeconds = 1;
const frameLimit = 5;
let rt: TestRuntime;

before(async () => {
  rt = await startTestRuntime({
    scheduleIntervalMs: 250,
    handlerSettings: {
      TICKET_IDLE_SECONDS: String(idleSeconds),
      TICKET_LEAVE_GRACE_SECONDS: String(leaveGraceSeconds),
      TICKET_LIFETIME_SECONDS_EXTERNAL: '600',
      WS_FRAME_RATE_LIMIT: String(frameLimit),
      WS_FRAME_RATE_WINDOW_SECONDS: '60',
    },
  });
});
after(() => rt.close());

const session = (base: string, cookie: string) => fetch(`${base}/api/session`, { headers: { cookie } });

describe('leaving the client page', () => {
  it('ends the ticket once its last connection has been closed for the grace period', async () => {
    const cookie = await signIn(rt.internal, demo.alice);
    const client = await FrameClient.connect(rt.internal, cookie);
    await client.close();
    await sleep(leaveGraceSeconds * 1000 + 300);

    assert.equal((await session(rt.internal, cookie)).status, 401);
    await assert.rejects(FrameClient.connect(rt.internal, cookie), UpgradeRefused);
  });

  it('keeps the ticket when the page comes back within the grace period (a reload)', async () => {
    const cookie = await signIn(rt.internal, demo.alice);
    const first = await FrameClient.connect(rt.internal, cookie);
    await first.close();
    const again = await FrameClient.connect(rt.internal, cookie);
    await sleep(leaveGraceSeconds * 1000 + 300);

    assert.equal((await session(rt.internal, cookie)).status, 200);
    assert.equal((await again.request({ action: 'ping' }, 'pong')).type, 'pong');
    await again.close();
  });
});

describe('server-set time', () => {
  it('ends an idle session: its live connection gets session.ended (expired) and closes; pings do not count', async () => {
    const cookie = await signIn(rt.internal, demo.bob);
    const client = await FrameClient.connect(rt.internal, cookie);
    const started = Date.now();
    const pinging = setInterval(() => client.send({ action: 'ping' }), 500);
    try {
      const ended = await client.next((f) => f.type === 'session.ended', (idleSeconds + 3) * 1000);
      assert.equal(ended.reason, 'expired');
      await client.closed;
      assert.ok(Date.now() - started >= idleSeconds * 1000 - 100, 'not before the idle timeout');
    } finally {
      clearInterval(pinging);
    }
    assert.equal((await session(rt.internal, cookie)).status, 401);
  });

  it('counts user frames as activity, so an active user stays signed in past the idle timeout', async () => {
    const cookie = await signIn(rt.internal, demo.carol);
    const client = await FrameClient.connect(rt.internal, cookie);
    for (let i = 0; i < 4; i++) {
      await sleep(1000);
      await client.request({ action: 'contacts.list' }, 'contacts');
    }
    assert.equal((await session(rt.internal, cookie)).status, 200);
    await client.close();
  });

  it('applies each site’s own ticket lifetime', async () => {
    const internal = await (await session(rt.internal, await signIn(rt.internal, demo.alice))).json();
    const external = await (await session(rt.external, await signIn(rt.external, demo.alice))).json();
    const lifetime = (body: unknown) => Date.parse((body as { expiresAt: string }).expiresAt) - Date.now();
    assert.ok(lifetime(external) <= 600_000 && lifetime(external) > 590_000, 'external: 10 minutes');
    assert.ok(lifetime(internal) > 7 * 3600_000, 'internal: the 8-hour default');
  });
});

describe('authentication first', () => {
  it('refuses every WebSocket action without a ticket: the upgrade itself answers 401', async () => {
    assert.ok(clientActions.length > 0);
    await assert.rejects(FrameClient.connect(rt.internal, undefined), (err: unknown) => {
      assert.ok(err instanceof UpgradeRefused);
      assert.equal(err.status, 401);
      return true;
    });
  });
});

describe('abuse', () => {
  it('throttles a connection that floods frames, and keeps it open', async () => {
    const cookie = await signIn(rt.internal, demo.alice);
    const client = await FrameClient.connect(rt.internal, cookie);
    for (let i = 0; i < frameLimit + 3; i++) client.send({ action: 'ping' });
    const limited = await client.next((f) => f.type === 'error' && f.error === 'rate_limited');
    assert.equal(typeof limited.message, 'string');
    await sleep(200);
    const pongs = client.frames.filter((f) => f.type === 'pong').length;
    assert.ok(pongs <= frameLimit, `${pongs} pongs for a limit of ${frameLimit}`);
    assert.equal(client.socket.readyState, client.socket.OPEN);
    await client.close();
  });

  it('refuses a WebSocket upgrade started from another origin', async () => {
    const cookie = await signIn(rt.internal, demo.alice);
    await assert.rejects(
      FrameClient.connect(rt.internal, cookie, { origin: 'https://evil.example' }),
      (err: unknown) => err instanceof UpgradeRefused && err.status === 403,
    );
    const own = await FrameClient.connect(rt.internal, cookie, { origin: rt.internal });
    await own.close();
  });

  it('refuses an upgrade whose Origin is only the host the request itself claims (Host, X-Forwarded-Host)', async () => {
    const cookie = await signIn(rt.internal, demo.alice);
    const evil = `evil.example:${new URL(rt.internal).port}`;
    const forged: Record<string, string>[] = [
      { host: evil },
      { 'x-forwarded-host': evil },
      { host: evil, 'x-forwarded-host': evil },
    ];
    for (const headers of forged) {
      await assert.rejects(
        FrameClient.connect(rt.internal, cookie, { origin: `http://${evil}`, headers }),
        (err: unknown) => err instanceof UpgradeRefused && err.status === 403,
        JSON.stringify(headers),
      );
    }
    // Both addresses a browser here may use are the site's public origins.
    for (const origin of [rt.internalUrl, rt.internal]) {
      const own = await FrameClient.connect(rt.internal, cookie, { origin });
      await own.close();
    }
  });

  it('closes a live connection at its next frame once the directory disables the user', async () => {
    const cookie = await signIn(rt.internal, demo.carol);
    const client = await FrameClient.connect(rt.internal, cookie);
    const directory = rt.deps.stores.directory;
    const account = await directory.findByAccount(demo.domain, demo.carol.username);
    assert.ok(account);
    await directory.put({ ...account, enabled: false });
    try {
      client.send({ action: 'ping' });
      const ended = await client.next((f) => f.type === 'session.ended');
      assert.equal(ended.reason, 'policy');
      await client.closed;
    } finally {
      await directory.put(account);
    }
  });
});
