import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { startTestRuntime, type TestRuntime } from './support/runtime.ts';

let rt: TestRuntime;
before(async () => {
  rt = await startTestRuntime();
});
after(() => rt.close());

/** Sends raw bytes and answers everything the server wrote before it closed the connection. */
async function raw(base: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(base);
  const socket = connect(Number(port), hostname);
  await once(socket, 'connect');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => undefined);
  socket.write(bytes);
  await once(socket, 'close');
  return Buffer.concat(chunks).toString('utf8');
}

describe('request header limit', () => {
  it('answers a request whose headers stay within 10 KB as usual', async () => {
    const response = await fetch(`${rt.internal}/healthz`, {
      headers: { 'x-padding': 'a'.repeat(9 * 1024) },
    });

    assert.equal(response.status, 200);
  });

  it('refuses headers over 10 KB in total with 431 and a JSON error, not a dropped connection', async () => {
    const headers = Object.fromEntries(
      Array.from({ length: 6 }, (_, i) => [`x-padding-${i}`, 'a'.repeat(2 * 1024)]),
    );

    const response = await fetch(`${rt.internal}/api/session`, { headers });

    assert.equal(response.status, 431);
    assert.match(response.headers.get('content-type') ?? '', /application\/json/);
    const body = (await response.json()) as { error: string; message: string };
    assert.equal(body.error, 'headers_too_large');
    assert.match(body.message, /10240 bytes/);
  });

  it('refuses an oversized WebSocket upgrade the same way', async () => {
    const socket = new WebSocket(`${rt.external.replace(/^http/, 'ws')}/ws`, {
      headers: { cookie: `__Host-cwa-ticket-external=${'a'.repeat(11 * 1024)}` },
    });

    const [, response] = (await once(socket, 'unexpected-response')) as [unknown, { statusCode?: number }];

    assert.equal(response.statusCode, 431);
    socket.on('error', () => undefined);
    socket.terminate();
  });

  it('answers a request that is not HTTP with 400 and a JSON error', async () => {
    const answer = await raw(rt.internal, 'GET / HTTP/1.1\r\nHost: x\r\nbad header line\r\n\r\n');

    assert.match(answer, /^HTTP\/1\.1 400 /);
    assert.match(answer, /\{"error":"bad_request","message":"[^"]+"\}$/);
  });
});
