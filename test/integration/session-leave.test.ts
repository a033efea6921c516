import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sessionOf } from '../../functions/core/audit/audit-log.ts';
import { demo, FrameClient, signIn, UpgradeRefused } from './support/client.ts';
import { startTestRuntime, type TestRuntime } from './support/runtime.ts';

// The default grace period for a connection that drops (60 s) is far longer than any wait here, so
// only the page's own word can end a ticket within these tests.
const confirmSeconds = 1;
let rt: TestRuntime;
const lines: string[] = [];
const write = process.stdout.write.bind(process.stdout);

before(async () => {
  rt = await startTestRuntime({
    scheduleIntervalMs: 1000,
    handlerSettings: { TICKET_LEAVE_CONFIRM_SECONDS: String(confirmSeconds) },
  });
  // Handlers run in this process, so their audit lines pass through this stream.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    lines.push(String(chunk));
    return write(chunk, ...rest);
  }) as typeof process.stdout.write;
});
after(async () => {
  process.stdout.write = write;
  await rt.close();
});

const sessionStatus = async (cookie: string) =>
  (await fetch(`${rt.internal}/api/session`, { headers: { cookie } })).status;

/** What `navigator.sendBeacon('/api/session/leave')` sends from the client page. */
const leave = (cookie: string, headers: Record<string, string> = {}) =>
  fetch(`${rt.internal}/api/session/leave`, {
    method: 'POST',
    headers: { cookie, origin: rt.internal, 'sec-fetch-site': 'same-origin', ...headers },
  });

/** Polls until the ticket is refused; answers how long that took (ms), or fails after `limitMs`. */
async function refusedWithin(cookie: string, limitMs: number): Promise<number> {
  const started = Date.now();
  while ((await sessionStatus(cookie)) !== 401) {
    if (Date.now() - started > limitMs) assert.fail(`the ticket was still accepted after ${limitMs} ms`);
    await sleep(100);
  }
  return Date.now() - started;
}

/** The session name the audit trail gives the ticket in `cookie` (a hash of its id, the JWT's jti). */
function auditSessionOf(cookie: string): string {
  const payload = cookie.split('=')[1]?.split('.')[1] ?? '';
  return sessionOf((JSON.parse(Buffer.from(payload, 'base64url').toString()) as { jti: string }).jti);
}

async function auditEnded(session: string, limitMs: number): Promise<Record<string, string>> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const found = lines
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.startsWith('{'))
      .map((line) => (JSON.parse(line) as { audit?: Record<string, string> }).audit)
      .find((audit) => audit?.event === 'session.ended' && audit.session === session);
    if (found) return found;
    if (Date.now() > deadline) assert.fail(`no session.ended audit line for ${session}`);
    await sleep(100);
  }
}

describe('the client page says it is going (POST /api/session/leave)', () => {
  it('ends the ticket within seconds once its connection has closed (a closed tab)', async () => {
    const cookie = await signIn(rt.internal, demo.alice);
    const client = await FrameClient.connect(rt.internal, cookie);

    assert.equal((await leave(cookie)).status, 204);
    await client.close();

    await refusedWithin(cookie, (confirmSeconds + 4) * 1000);
    await assert.rejects(FrameClient.connect(rt.internal, cookie), UpgradeRefused);
    const ended = await auditEnded(auditSessionOf(cookie), 5000);
    assert.equal(ended.reason, 'left');
    assert.equal(ended.sipUri, demo.alice.sipUri);
  });

  it('keeps the ticket when the page connects again at once (a reload)', async () => {
    const cookie = await signIn(rt.internal, demo.bob);
    const first = await FrameClient.connect(rt.internal, cookie);
    assert.equal((await leave(cookie)).status, 204);
    await first.close();
    const again = await FrameClient.connect(rt.internal, cookie);

    await sleep(confirmSeconds * 1000 + 1500);

    assert.equal(await sessionStatus(cookie), 200);
    assert.equal((await again.request({ action: 'ping' }, 'pong')).type, 'pong');
    await again.close();
  });

  it('ends nothing while another page of the same ticket stays connected (one of two tabs closed)', async () => {
    const cookie = await signIn(rt.internal, demo.carol);
    const closing = await FrameClient.connect(rt.internal, cookie);
    const staying = await FrameClient.connect(rt.internal, cookie);
    assert.equal((await leave(cookie)).status, 204);
    await closing.close();

    await sleep(confirmSeconds * 1000 + 1500);

    assert.equal(await sessionStatus(cookie), 200);
    assert.equal((await staying.request({ action: 'ping' }, 'pong')).type, 'pong');
    await staying.close();
  });

  it('refuses a leave sent from another site, and the ticket stays', async () => {
    const cookie = await signIn(rt.internal, demo.alice);
    const client = await FrameClient.connect(rt.internal, cookie);
    const refusals = [
      { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
      // A sibling site is the same "site" to SameSite cookies, so the cookie alone would not stop it.
      { 'sec-fetch-site': 'same-site', origin: 'https://evil.contoso.com' },
    ];
    for (const headers of refusals) {
      const response = await leave(cookie, headers);
      assert.equal(response.status, 403, JSON.stringify(headers));
      assert.equal(((await response.json()) as { error: string }).error, 'cross_site_request');
    }
    await client.close();

    await sleep(confirmSeconds * 1000 + 1500);

    assert.equal(await sessionStatus(cookie), 200, 'only the 60 s grace of the closed connection runs');
  });

  it('answers 401 without a ticket', async () => {
    const response = await fetch(`${rt.internal}/api/session/leave`, { method: 'POST' });

    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as { error: string }).error, 'unauthenticated');
  });
});
