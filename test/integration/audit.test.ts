import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { demo, FrameClient, postJson, ticketCookieOf } from './support/client.ts';
import { startTestRuntime, type TestRuntime } from './support/runtime.ts';

let rt: TestRuntime;
const lines: string[] = [];
const write = process.stdout.write.bind(process.stdout);

before(async () => {
  rt = await startTestRuntime({ scheduleIntervalMs: 250, handlerSettings: { TICKET_IDLE_SECONDS: '2' } });
  // Handlers run in this process, so their log lines pass through this stream.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    lines.push(String(chunk));
    return write(chunk, ...rest);
  }) as typeof process.stdout.write;
});
after(async () => {
  process.stdout.write = write;
  await rt.close();
});

type Audit = Record<string, string>;
function auditEvents(): Audit[] {
  return lines
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { message?: string; audit?: Audit })
    .filter((entry) => entry.message === 'audit' && entry.audit)
    .map((entry) => entry.audit as Audit);
}

async function waitFor(predicate: (events: Audit[]) => Audit | undefined, timeoutMs = 5000): Promise<Audit> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = predicate(auditEvents());
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no such audit event in ${JSON.stringify(auditEvents())}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('audit trail', () => {
  it('records sign-in success and failure, sign-out and expiry, and never a password or a ticket', async () => {
    const wrong = await postJson(rt.internal, '/auth/forms', {
      domain: demo.domain,
      username: demo.alice.username,
      password: 'Secret-Guess-123',
    });
    assert.equal(wrong.status, 401);
    const failed = await waitFor((events) => events.find((e) => e.event === 'signin.failed'));
    assert.deepEqual(
      { ...failed },
      {
        event: 'signin.failed',
        method: 'forms',
        site: 'internal',
        sourceAddress: '127.0.0.1',
        account: 'CONTOSO\\alice',
        reason: 'invalid_credentials',
      },
    );

    const ok = await postJson(rt.internal, '/auth/forms', {
      domain: demo.domain,
      username: demo.alice.username,
      password: demo.alice.password,
    });
    const cookie = ticketCookieOf(ok);
    const succeeded = await waitFor((events) => events.find((e) => e.event === 'signin.succeeded'));
    assert.equal(succeeded.sipUri, demo.alice.sipUri);
    assert.equal(succeeded.sourceAddress, '127.0.0.1');
    assert.match(succeeded.session ?? '', /^[\w-]{12}$/);

    await fetch(`${rt.internal}/auth/signout`, {
      method: 'POST',
      headers: { cookie, accept: 'application/json' },
    });
    const signedOut = await waitFor((events) => events.find((e) => e.event === 'signout'));
    assert.equal(signedOut.session, succeeded.session);

    const bob = await postJson(rt.internal, '/auth/forms', {
      domain: demo.domain,
      username: demo.bob.username,
      password: demo.bob.password,
    });
    const client = await FrameClient.connect(rt.internal, ticketCookieOf(bob));
    const expired = await waitFor((events) =>
      events.find((e) => e.event === 'session.ended' && e.sipUri === demo.bob.sipUri),
    );
    assert.equal(expired.reason, 'expired');
    await client.closed;

    const everything = lines.join('');
    for (const secret of ['Secret-Guess-123', demo.alice.password, demo.bob.password]) {
      assert.ok(!everything.includes(secret), 'no password in the logs');
    }
    for (const token of [cookie.split('=')[1], ticketCookieOf(bob).split('=')[1]]) {
      assert.ok(token && !everything.includes(token), 'no ticket in the logs');
    }
  });
});
