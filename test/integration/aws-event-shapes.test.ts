import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { observeInvocations } from '../../local/gateway/lambda.ts';
import { awsEvent, kindOf, shapeDifferences, timeFormatOf, type ShapeRules } from '../support/aws-events.ts';
import { demo, FrameClient, signIn } from './support/client.ts';
import { startTestRuntime, type TestRuntime } from './support/runtime.ts';

/**
 * The local gateway's events against the events AWS published (test/fixtures/aws-events/): the same
 * keys, value kinds and header casing, so what passes here meets the same shapes on AWS.
 */

let rt: TestRuntime;
let cookie: string;
const seen: { module: string; event: Record<string, unknown> }[] = [];
let stopObserving: () => void;

before(async () => {
  rt = await startTestRuntime({ scheduleIntervalMs: 200 });
  stopObserving = observeInvocations((module, event) =>
    seen.push({ module, event: structuredClone(event) as Record<string, unknown> }),
  );
  cookie = await signIn(rt.internal, demo.alice);
});
after(async () => {
  stopObserving();
  await rt.close();
});

/** The first event `module` got after `from` (an index into `seen`), waiting up to 5 s for it. */
async function eventOf(module: string, from = 0): Promise<Record<string, unknown>> {
  for (let waited = 0; waited <= 5000; waited += 50) {
    const found = seen.slice(from).find((s) => s.module === module);
    if (found) return found.event;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`${module} was not invoked within 5 s`);
}

function assertSameShape(actual: Record<string, unknown>, fixture: string, rules: ShapeRules) {
  const differences = shapeDifferences(actual, awsEvent(fixture).event, rules);
  assert.deepEqual(differences, [], `${fixture}:\n${JSON.stringify(actual, null, 2)}`);
}

const record = (value: unknown) => value as Record<string, unknown>;
const context = (event: Record<string, unknown>) => record(event.requestContext);

/** A GET sent with node:http, which sends a header given as an array once per value. */
function get(path: string, headers: Record<string, string | string[]>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${rt.internal}${path}`, { headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

const httpRules: ShapeRules = {
  optional: ['cookies', 'queryStringParameters', 'body', 'pathParameters', 'requestContext.authentication'],
  dataMaps: ['headers', 'queryStringParameters', 'stageVariables', 'pathParameters'],
  free: ['requestContext.authorizer.lambda'],
};

describe('HTTP API events (payload format 2.0)', () => {
  it('have the shape of AWS’s: header names in lower case, repeated headers and query keys joined with commas', async () => {
    const from = seen.length;
    const status = await get('/healthz?view=a&view=b&lang=en', {
      'X-Custom': ['one', 'two'],
      Cookie: 'theme=dark; seen=1',
    });
    assert.equal(status, 200);

    const event = await eventOf('http/healthz', from);
    assertSameShape(event, 'http-api-request', httpRules);
    const headers = record(event.headers);
    assert.deepEqual(
      Object.keys(headers).filter((name) => name !== name.toLowerCase()),
      [],
    );
    assert.equal(headers['x-custom'], 'one,two');
    assert.deepEqual(event.queryStringParameters, { view: 'a,b', lang: 'en' });
    assert.deepEqual(event.cookies, ['theme=dark', 'seen=1']);
    assert.equal(headers.cookie, undefined);
    assert.equal(
      timeFormatOf(context(event).time as string),
      timeFormatOf(context(awsEvent('http-api-request').event).time as string),
    );
  });

  it('reach the authorizer and the route behind it in AWS’s shapes', async () => {
    const from = seen.length;
    const response = await fetch(`${rt.internal}/api/session`, { headers: { cookie } });
    assert.equal(response.status, 200);

    assertSameShape(await eventOf('http/authorizer', from), 'http-api-authorizer-request', httpRules);
    const routed = await eventOf('http/session', from);
    assertSameShape(routed, 'http-api-request-lambda-authorizer', httpRules);
  });

  it('carry a body as AWS does', async () => {
    const from = seen.length;
    await signIn(rt.internal, demo.bob);

    assertSameShape(await eventOf('http/forms-sign-in', from), 'http-api-request-lambda-authorizer', {
      ...httpRules,
      optional: [...(httpRules.optional ?? []), 'cookies', 'requestContext.authorizer'],
    });
  });
});

const webSocketRules: ShapeRules = {
  // API Gateway names the user agent only when the client sent one.
  optional: ['queryStringParameters', 'multiValueQueryStringParameters', 'requestContext.identity.userAgent'],
  dataMaps: [
    'headers',
    'multiValueHeaders',
    'queryStringParameters',
    'multiValueQueryStringParameters',
    'stageVariables',
  ],
};

/**
 * The authorizer context of a WebSocket event as AWS documents it: `principalId`,
 * `integrationLatency` (a number), and the authorizer's context, every value a string.
 */
function assertStringified(event: Record<string, unknown>) {
  const authorizer = record(context(event).authorizer);
  assert.equal(kindOf(authorizer.integrationLatency), 'number');
  const notStrings = Object.entries(authorizer).filter(
    ([key, value]) => key !== 'integrationLatency' && typeof value !== 'string',
  );
  assert.deepEqual(notStrings, []);
  assert.match(String(authorizer.expiresAt), /^\d+$/);
  assert.equal(authorizer.principalId, demo.alice.sipUri);
}

describe('WebSocket API events', () => {
  it('keep header names as sent, with multiValueHeaders, and the query string, at $connect', async () => {
    const from = seen.length;
    const socket = new WebSocket(`${rt.internal.replace(/^http/, 'ws')}/ws?lang=en&lang=fr`, {
      headers: { cookie, 'X-Custom-Header': ['a', 'b'], 'User-Agent': 'shape-test' },
    });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    socket.close();

    const authorizing = await eventOf('ws/authorizer', from);
    assertSameShape(authorizing, 'websocket-authorizer-request', webSocketRules);
    const connecting = await eventOf('ws/connect', from);
    assertSameShape(connecting, 'websocket-connect', {
      ...webSocketRules,
      free: ['requestContext.authorizer'],
    });
    for (const event of [authorizing, connecting]) {
      const headers = record(event.headers);
      assert.equal(headers['X-Custom-Header'], 'b');
      assert.deepEqual(record(event.multiValueHeaders)['X-Custom-Header'], ['a', 'b']);
      assert.ok('Host' in headers, `header names as sent: ${Object.keys(headers).join(', ')}`);
      assert.ok('X-Forwarded-For' in headers);
      assert.deepEqual(event.queryStringParameters, { lang: 'fr' });
      assert.deepEqual(event.multiValueQueryStringParameters, { lang: ['en', 'fr'] });
      assert.equal(record(context(event).identity).userAgent, 'shape-test');
      assert.equal(
        timeFormatOf(context(event).requestTime as string),
        timeFormatOf(context(awsEvent('websocket-connect').event).requestTime as string),
      );
    }
    assertStringified(connecting);
  });

  it('give later frames and $disconnect the authorizer context as strings, and $disconnect only AWS’s headers', async () => {
    const from = seen.length;
    const client = await FrameClient.connect(rt.internal, cookie);
    await client.request({ action: 'ping' }, 'pong');
    await client.close();

    const message = await eventOf('ws/actions', from);
    assertSameShape(message, 'websocket-message', {
      ...webSocketRules,
      free: ['requestContext.authorizer'],
    });
    assertStringified(message);
    const disconnect = await eventOf('ws/disconnect', from);
    assertSameShape(disconnect, 'websocket-disconnect', {
      ...webSocketRules,
      dataMaps: ['stageVariables'],
      free: ['requestContext.authorizer'],
    });
    assertStringified(disconnect);
    const published = awsEvent('websocket-disconnect').event;
    assert.deepEqual(Object.keys(record(disconnect.headers)), Object.keys(record(published.headers)));
    assert.deepEqual(
      Object.keys(record(disconnect.multiValueHeaders)),
      Object.keys(record(published.multiValueHeaders)),
    );
    assert.deepEqual(
      Object.entries(record(disconnect.headers)).filter(([name, value]) => name !== 'Host' && value !== ''),
      [],
    );
  });

  it('close the connection with 1003 on a binary frame, which no route sees', async () => {
    const client = await FrameClient.connect(rt.internal, cookie);
    const from = seen.length;
    client.socket.send(Buffer.from('{"action":"ping"}'), { binary: true });

    const closed = await Promise.race([client.closed, sleep(5000, undefined, { ref: false })]);

    assert.equal(closed?.code, 1003, 'the connection stayed open');
    client.socket.terminate();
    assert.equal(
      seen.slice(from).some((s) => s.module === 'ws/actions'),
      false,
    );
  });
});

describe('scheduled events', () => {
  it('have the shape of an EventBridge schedule rule’s', async () => {
    const event = await eventOf('scheduled/end-expired-sessions');

    assertSameShape(event, 'scheduled-event', { dataMaps: ['detail'] });
    assert.equal(
      timeFormatOf(event.time as string),
      timeFormatOf(awsEvent('scheduled-event').event.time as string),
    );
  });
});
