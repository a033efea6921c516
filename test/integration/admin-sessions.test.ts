import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { sessionOf } from '../../functions/core/audit/audit-log.ts';
import { runAdmin } from './support/admin.ts';
import { demo, FrameClient, signIn } from './support/client.ts';
import { runtimeModes, startTestRuntime, type TestRuntime } from './support/runtime.ts';

/** The audit-trail name of the session a ticket cookie carries (its JWT's `jti`, hashed). */
function sessionOfCookie(cookie: string): string {
  const token = cookie.split('=')[1] ?? '';
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
    jti: string;
  };
  return sessionOf(payload.jti);
}

// The same commands, the same answers, in both modes: the embedded mode runs them in the product
// (its admin endpoint), the AWS emulation in the command, against its DynamoDB and @connections.
for (const mode of runtimeModes) {
  describe(`the admin command, against the running product, in the ${mode} mode`, () => {
    let rt: TestRuntime;

    before(async () => {
      rt = await startTestRuntime({ mode });
    });
    after(() => rt?.close());

    /**
     * Runs `npm run admin -- <args>` as its own process, as an administrator would, pointed at a
     * DATA_DIR only: it must find the product through DATA_DIR.
     */
    const admin = (args: readonly string[], dataDir = rt.dataDir) => runAdmin(args, { dataDir });

    const sessionStatus = async (cookie: string): Promise<number> =>
      (await fetch(`${rt.internal}/api/session`, { headers: { cookie } })).status;

    /** When the cookie stopped working (polled every 20 ms): the moment the ticket was revoked, as a user sees it. */
    async function refusedAt(cookie: string, timeoutMs = 30_000): Promise<number> {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if ((await sessionStatus(cookie)) === 401) return Date.now();
        await sleep(20);
      }
      throw new Error('the ticket was never refused');
    }

    /** A live client-page connection, past `$connect` (it has its contact list). */
    async function openClient(cookie: string) {
      const client = await FrameClient.connect(rt.internal, cookie);
      await client.request({ action: 'contacts.list' }, 'contacts');
      const closedAt = client.closed.then((closed) => ({ ...closed, at: Date.now() }));
      return { client, closedAt };
    }

    it('lists a user’s sessions, revokes one (its connection closes within 1 s, the other stays), then the user', async () => {
      const firstCookie = await signIn(rt.internal, demo.alice);
      const secondCookie = await signIn(rt.internal, demo.alice);
      const first = await openClient(firstCookie);
      const second = await openClient(secondCookie);
      const [firstSession, secondSession] = [sessionOfCookie(firstCookie), sessionOfCookie(secondCookie)];

      const listed = await admin(['sessions', 'list', demo.alice.sipUri]);

      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stdout, /sip:alice@contoso\.com has 2 live sessions/);
      for (const session of [firstSession, secondSession]) {
        const row = listed.stdout.split('\n').find((line) => line.startsWith(session));
        assert.ok(row, `a row for session ${session} in:\n${listed.stdout}`);
        assert.match(row, /\binternal\s+forms\b/);
        assert.match(row, /\s1$/, 'one live connection');
      }
      for (const cookie of [firstCookie, secondCookie]) {
        const token = cookie.split('=')[1] ?? '';
        assert.ok(!listed.stdout.includes(token.split('.')[1] ?? token), 'no ticket in the output');
      }

      const revokedAt = refusedAt(firstCookie);
      const revokedOne = await admin(['sessions', 'revoke', '--session', firstSession]);

      assert.equal(revokedOne.code, 0, revokedOne.stderr);
      assert.match(
        revokedOne.stdout,
        new RegExp(`Revoked 1 session of sip:alice@contoso\\.com: ${firstSession}`),
      );
      assert.match(revokedOne.stderr, /"event":"session\.ended","reason":"revoked"/, 'an audit line');
      assert.doesNotMatch(revokedOne.stdout, /"event"/, 'the audit trail is not the answer');
      assert.deepEqual(await first.client.next((f) => f.type === 'session.ended'), {
        type: 'session.ended',
        reason: 'revoked',
      });
      const closed = await first.closedAt;
      const elapsed = closed.at - (await revokedAt);
      assert.ok(elapsed <= 1000, `closed ${elapsed} ms after the ticket was revoked`);
      assert.equal(second.client.socket.readyState, WebSocket.OPEN);
      assert.deepEqual(await second.client.request({ action: 'ping' }, 'pong'), { type: 'pong' });
      assert.equal(await sessionStatus(secondCookie), 200);

      const revokedUser = await admin(['sessions', 'revoke', demo.alice.sipUri]);

      assert.equal(revokedUser.code, 0, revokedUser.stderr);
      assert.match(
        revokedUser.stdout,
        new RegExp(`Revoked 1 session of sip:alice@contoso\\.com: ${secondSession}`),
      );
      assert.deepEqual(await second.client.next((f) => f.type === 'session.ended'), {
        type: 'session.ended',
        reason: 'revoked',
      });
      await second.closedAt;
      assert.equal(await sessionStatus(firstCookie), 401);
      assert.equal(await sessionStatus(secondCookie), 401);
      const after = await admin(['sessions', 'list', demo.alice.sipUri]);
      assert.match(after.stdout, /sip:alice@contoso\.com has no live sessions/);
    });

    it('says so when the user is unknown, with exit code 1', async () => {
      const outcome = await admin(['sessions', 'list', 'sip:mallory@contoso.com']);

      assert.equal(outcome.code, 1);
      assert.match(outcome.stderr, /No user sip:mallory@contoso\.com/);
    });

    it('explains a usage error with exit code 2 and touches nothing', async () => {
      const cookie = await signIn(rt.internal, demo.bob);

      const outcomes = await Promise.all([
        admin(['sessions', 'revoke']),
        admin(['sessions', 'revoke', '--session']),
        admin(['sessions', 'list', 'bob']),
        admin(['sessions', 'purge', demo.bob.sipUri]),
        admin([]),
      ]);

      for (const outcome of outcomes) {
        assert.equal(outcome.code, 2, outcome.stderr);
        assert.match(outcome.stderr, /Usage: npm run admin -- <command>/);
        assert.equal(outcome.stdout, '');
      }
      assert.match(outcomes[2]?.stderr ?? '', /bob is not a SIP URI/);
      assert.equal(await sessionStatus(cookie), 200);
    });

    it('says clearly that the product is not running when DATA_DIR has no running product', async () => {
      const empty = await mkdtemp(join(tmpdir(), 'cwa-admin-'));
      try {
        const outcome = await admin(['sessions', 'list', demo.alice.sipUri], empty);

        assert.equal(outcome.code, 1);
        assert.match(outcome.stderr, /The product is not running with DATA_DIR/);
      } finally {
        await rm(empty, { recursive: true, force: true });
      }
    });
  });
}
