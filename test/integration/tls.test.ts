import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { clientAddress, parseTrustedProxies } from '../../local/gateway/proxy-trust.ts';
import { demo } from './support/client.ts';
import { startTestRuntime, type TestRuntime } from './support/runtime.ts';

let rt: TestRuntime;
let ca: string;
before(async () => {
  rt = await startTestRuntime({ tls: true });
  assert.ok(rt.tls, 'the runtime names the certificate it serves');
  ca = rt.tls.certificate;
});
after(() => rt.close());

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One HTTPS request that trusts only the given certificate (none: the system's trust store). */
function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; trust?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method: options.method ?? 'GET',
        headers: options.headers,
        ...(options.trust ? { ca: options.trust } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

async function signInOverTls(base: string): Promise<string> {
  const answer = await send(`${base}/auth/forms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      domain: demo.domain,
      username: demo.alice.username,
      password: demo.alice.password,
    }),
    trust: ca,
  });
  assert.equal(answer.status, 200, answer.body);
  const cookie = (answer.headers['set-cookie'] ?? []).find((c) => c.startsWith('__Host-cwa-ticket-'));
  assert.ok(cookie, 'a ticket cookie');
  return cookie.split(';')[0] ?? '';
}

describe('HTTPS runtime', () => {
  it('prints https URLs and serves both sites with a certificate for localhost and 127.0.0.1', async () => {
    assert.match(rt.internalUrl, /^https:\/\/localhost:\d+$/);
    assert.match(rt.externalUrl, /^https:\/\/localhost:\d+$/);
    for (const url of [rt.internalUrl, rt.externalUrl, rt.internal, rt.external]) {
      const answer = await send(`${url}/healthz`, { trust: ca });

      assert.equal(answer.status, 200, url);
      assert.deepEqual(JSON.parse(answer.body), { status: 'ok' });
    }
  });

  it('is refused by a client that was not told to trust the self-signed certificate', async () => {
    await assert.rejects(send(`${rt.internal}/healthz`), (err: NodeJS.ErrnoException) => {
      assert.match(String(err.code), /SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
      return true;
    });
  });

  it('signs in over HTTPS and keeps the session on the next request', async () => {
    const cookie = await signInOverTls(rt.internal);

    const session = await send(`${rt.internal}/api/session`, { headers: { cookie }, trust: ca });

    assert.equal(session.status, 200, session.body);
    assert.equal((JSON.parse(session.body) as { user: { sipUri: string } }).user.sipUri, demo.alice.sipUri);
  });

  it('opens the realtime connection over wss with the ticket from an HTTPS sign-in', async () => {
    const cookie = await signInOverTls(rt.external);
    const socket = new WebSocket(`${rt.external.replace(/^https:/, 'wss:')}/ws`, { headers: { cookie }, ca });
    await once(socket, 'open');

    const pong = new Promise<unknown>((resolve) =>
      socket.once('message', (data: Buffer) => resolve(JSON.parse(data.toString()))),
    );
    socket.send(JSON.stringify({ action: 'ping' }));

    assert.deepEqual(await pong, { type: 'pong' });
    socket.close();
    await once(socket, 'close');
  });

  it('sends HSTS over TLS on pages, API answers and the static client', async () => {
    for (const path of ['/', '/auth/forms', '/healthz', '/api/session', '/app/', '/app/app.js']) {
      const answer = await send(`${rt.internal}${path}`, { trust: ca });

      assert.match(String(answer.headers['strict-transport-security']), /^max-age=\d{7,}/, path);
    }
  });

  it('reports a direct TLS connection to the handlers as https, whatever the client claims', async () => {
    const seen: ReturnType<typeof clientAddress>[] = [];
    const key = await readFile(join(rt.dataDir, 'tls', 'key.pem'), 'utf8');
    const server = createServer({ key, cert: ca }, (req, res) => {
      seen.push(clientAddress(req, parseTrustedProxies(undefined)));
      res.end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;

    await send(`https://127.0.0.1:${port}/`, { headers: { 'x-forwarded-proto': 'http' }, trust: ca });
    server.close();

    assert.equal(seen[0]?.proto, 'https');
  });
});
