import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { adminPath, requestLimitBytes } from '../../local/admin/request.ts';
import { readRuntimeFile, runtimeFileOf, type AdminEndpointAddress } from '../../local/runtime-file.ts';
import { runAdmin } from './support/admin.ts';
import { demo, FrameClient, postJson, signIn } from './support/client.ts';
import { exchange, parseResponse } from './support/raw-http.ts';
import { startTestRuntime, type TestRuntime } from './support/runtime.ts';

// The embedded mode's admin endpoint: the admin command's requests run in the product, on its own
// state. Only a caller on this machine holding the secret in DATA_DIR/runtime.json is heard; with
// the product stopped, the command opens the product's database itself.
let dataDir: string;
let rt: TestRuntime;
let endpoint: AdminEndpointAddress;

const start = () =>
  startTestRuntime({
    mode: 'embedded',
    dataDir,
    handlerSettings: { REGULATION_MAX_FAILURES_PER_ADDRESS: '1000' },
  });

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cwa-admin-endpoint-'));
  rt = await start();
  const running = await readRuntimeFile(dataDir);
  assert.ok(running?.admin, 'runtime.json names the admin endpoint');
  endpoint = running.admin;
});
after(async () => {
  await rt?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const admin = (args: readonly string[], input = '') => runAdmin(args, { dataDir, input });

const signInStatus = async (username: string, password: string) =>
  (await postJson(rt.internal, '/auth/forms', { domain: demo.domain, username, password })).status;

/** A request to the endpoint as the command sends one, `headers` in place of the command's own. */
const post = (body: unknown, headers: Record<string, string>) =>
  fetch(`${endpoint.url}${adminPath}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

/** The secret with its last character changed. */
const another = (secret: string) => `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
const withSecret = () => ({ authorization: `Bearer ${endpoint.secret}` });
const disableBob = { kind: 'users.set', change: { username: 'bob', enabled: false } };

describe('the embedded mode’s admin endpoint', () => {
  it('listens on loopback only; its secret is 32 random bytes in runtime.json, which only its owner reads', async () => {
    assert.match(endpoint.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(Buffer.from(endpoint.secret, 'base64url').length, 32);
    assert.equal((await stat(runtimeFileOf(dataDir))).mode & 0o777, 0o600);
  });

  it('refuses a request without the secret, or with another, with 401, and changes nothing', async () => {
    const outcomes = [
      await post(disableBob, {}),
      await post(disableBob, { authorization: 'Bearer ' }),
      await post(disableBob, { authorization: `Bearer ${another(endpoint.secret)}` }),
      await post(disableBob, { authorization: endpoint.secret }),
    ];

    for (const response of outcomes) {
      assert.equal(response.status, 401);
      assert.match(((await response.json()) as { error: string }).error, /needs the secret/);
    }
    assert.equal(await signInStatus('bob', demo.bob.password), 200, 'bob was not disabled');
  });

  it('refuses a body over the limit with 413, whether declared or as it arrives, without running it', async () => {
    const head = (length: string) =>
      `POST ${adminPath} HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${endpoint.secret}\r\n` +
      `content-type: application/json\r\n${length}\r\n`;
    const declared = await exchange(endpoint.url, (socket) => {
      socket.write(`${head(`content-length: ${requestLimitBytes + 1}\r\n`)}{"kind":"users.set"`);
    });
    // A valid request, padded past the limit with spaces, in chunks: it must not run.
    const padded = `${JSON.stringify(disableBob)}${' '.repeat(requestLimitBytes)}`;
    const streamed = await exchange(endpoint.url, (socket) => {
      socket.write(head('transfer-encoding: chunked\r\n'));
      for (let at = 0; at < padded.length; at += 1024 * 1024) {
        const chunk = padded.slice(at, at + 1024 * 1024);
        socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
      }
      socket.write('0\r\n\r\n');
    });

    for (const raw of [declared, streamed]) {
      const response = parseResponse(raw);
      assert.equal(response?.status, 413, raw.slice(0, 200));
      assert.match(response.body, /larger than the admin endpoint takes/);
    }
    assert.equal(await signInStatus('bob', demo.bob.password), 200, 'bob was not disabled');
  });

  it('refuses with 400 what is not a request of the admin command, saying what is wrong', async () => {
    const cases: [unknown, RegExp][] = [
      [{ kind: 'users.drop' }, /unknown request kind "users\.drop"/],
      [
        { kind: 'users.set', change: { username: 'bob', enabled: 'no' } },
        /change\.enabled must be true or false/,
      ],
      [{ kind: 'sessions.list', sipUri: demo.alice.sipUri, all: true }, /unknown field all/],
    ];
    for (const [body, error] of cases) {
      const response = await post(body, withSecret());
      assert.equal(response.status, 400);
      assert.match(((await response.json()) as { error: string }).error, error);
    }
    const notJson = await fetch(`${endpoint.url}${adminPath}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...withSecret() },
      body: '{"kind":',
    });
    assert.equal(notJson.status, 400);
  });

  it('users disable: the user’s open WebSocket gets session.ended (policy) and is closed by the time the command answers', async () => {
    const client = await FrameClient.connect(rt.internal, await signIn(rt.internal, demo.bob));
    let closedAt: number | undefined;
    void client.closed.then(() => (closedAt = Date.now()));
    try {
      const disabled = await admin(['users', 'disable', 'bob']);
      const answeredAt = Date.now();

      assert.equal(disabled.code, 0, disabled.stderr);
      assert.match(disabled.stdout, /^change\s+bob sip:bob@contoso\.com: enabled true → false\n$/);
      assert.match(
        disabled.stderr,
        /"event":"session\.ended","reason":"policy","sipUri":"sip:bob@contoso\.com"/,
      );
      assert.deepEqual(client.frames.at(-1), { type: 'session.ended', reason: 'policy' });
      // The close handshake may still be on its way as the command's process exits.
      await Promise.race([client.closed, delay(1000, undefined, { ref: false })]);
      assert.ok(closedAt !== undefined && closedAt - answeredAt <= 1000, 'closed within 1 s of the answer');
    } finally {
      await client.close();
    }
  });

  it('works with the product stopped, on its database; the product started again has the change', async () => {
    const cookie = await signIn(rt.internal, demo.alice);
    await rt.close();

    const enabled = await admin(['users', 'enable', 'bob']);
    const added = await admin(
      ['users', 'add', 'frank', '--sip-uri', 'sip:frank@contoso.com', '--name', 'Frank Fox'],
      'frank-offline-pass\n',
    );
    const listed = await admin(['sessions', 'list', demo.alice.sipUri]);
    const revoked = await admin(['sessions', 'revoke', demo.alice.sipUri]);

    for (const outcome of [enabled, added, listed, revoked]) {
      assert.equal(outcome.code, 0, outcome.stderr);
      assert.match(outcome.stderr, /The product is not running: working on its database in .*embedded/);
    }
    assert.match(enabled.stdout, /change\s+bob sip:bob@contoso\.com: enabled false → true/);
    assert.match(added.stdout, /add\s+frank sip:frank@contoso\.com/);
    assert.match(
      listed.stdout,
      /sip:alice@contoso\.com has 1 live session:\n.*\n\S{12}\s+internal\s+forms\b/,
    );
    assert.match(revoked.stdout, /^Revoked 1 session of sip:alice@contoso\.com: \S{12}\.\n$/);

    rt = await start();
    assert.equal(await signInStatus('bob', demo.bob.password), 200);
    assert.equal(await signInStatus('frank', 'frank-offline-pass'), 200);
    assert.equal((await fetch(`${rt.internal}/api/session`, { headers: { cookie } })).status, 401);
    const running = await readRuntimeFile(dataDir);
    assert.notEqual(running?.admin?.secret, endpoint.secret, 'a new secret at every start');
  });
});
