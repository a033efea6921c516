import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Site } from '../../functions/core/model.ts';
import {
  allHandlerModules,
  authorizers,
  bodyLimits,
  httpFallback,
  httpRoutes,
  scheduledTasks,
  webSocketRoutes,
  type HandlerModule,
  type HttpRoute,
} from '../../functions/routes.ts';
import { awsEvent, awsEventNames } from '../support/aws-events.ts';
import { demo, signIn } from './support/client.ts';
import { startTestRuntime, type TestRuntime } from './support/runtime.ts';

/**
 * Every handler driven with the events AWS published (test/fixtures/aws-events/), adapted only as
 * far as a route needs (its route key, path, site and the ticket cookie): each answers something
 * sensible, never a 5xx, so the handlers meet on AWS what they meet locally.
 */

let rt: TestRuntime;
const tickets: Partial<Record<Site, string>> = {};
/** Tickets for the page-leave route, which ends its ticket a few seconds later. */
const leavingTickets: Partial<Record<Site, string>> = {};
const driven = new Set<HandlerModule>();

before(async () => {
  rt = await startTestRuntime();
  tickets.internal = await signIn(rt.internal, demo.alice);
  tickets.external = await signIn(rt.external, demo.alice);
  leavingTickets.internal = await signIn(rt.internal, demo.bob);
  leavingTickets.external = await signIn(rt.external, demo.bob);
});
after(() => rt.close());

type Json = Record<string, unknown>;
const record = (value: unknown) => value as Json;

async function run(module: HandlerModule, event: unknown): Promise<Json> {
  driven.add(module);
  return record(await rt.invoke(module, event));
}

const hostOf = (site: Site) => new URL(site === 'internal' ? rt.internal : rt.external).host;

/** An HTTP API event from `fixture`, for `method path` on `site`: route key, path, site, host. */
function httpEvent(fixture: string, site: Site, method: string, path: string, routeKey: string): Json {
  const event = awsEvent(fixture).event;
  const context = record(event.requestContext);
  Object.assign(event, { routeKey, rawPath: path, stageVariables: { site } });
  Object.assign(context, { routeKey, http: { ...record(context.http), method, path } });
  record(event.headers).host = hostOf(site);
  return event;
}

/** The ticket cookie `name=value` of `site`, as payload 2.0 carries cookies. */
const ticketCookie = (site: Site, path = '') =>
  ((path === '/api/session/leave' ? leavingTickets : tickets)[site] ?? '').split(';')[0] ?? '';

/** What the HTTP authorizer decides for a request carrying `site`'s ticket, from AWS's authorizer input. */
async function authorize(site: Site, method: string, path: string, routeKey: string): Promise<Json> {
  const event = httpEvent('http-api-authorizer-request', site, method, path, routeKey);
  event.cookies = [ticketCookie(site, path)];
  event.identitySource = [ticketCookie(site, path)];
  event.routeArn = `arn:aws:execute-api:eu-west-1:123456789012:k3xq7v2mpa/$default/${method}${path}`;
  const decision = await run(authorizers.http, event);
  assert.equal(decision.isAuthorized, true, `${routeKey}: ${JSON.stringify(decision)}`);
  assert.equal(record(decision.context).verdict, 'allow', `${routeKey}: ${JSON.stringify(decision)}`);
  return record(decision.context);
}

/** The answer of `route` on `site` to AWS's event, through the authorizer when the route has one. */
async function answerOf(route: HttpRoute, site: Site): Promise<Json> {
  const routeKey = `${route.method} ${route.path}`;
  if (route.auth === 'ticket') {
    const context = await authorize(site, route.method, route.path, routeKey);
    const event = httpEvent('http-api-request-lambda-authorizer', site, route.method, route.path, routeKey);
    event.cookies = [ticketCookie(site, route.path)];
    record(record(event.requestContext).authorizer).lambda = context;
    if (route.method === 'GET') delete event.body;
    return run(route.handler, event);
  }
  const fixture = route.method === 'GET' ? 'http-api-request' : 'http-api-request-lambda-authorizer';
  const event = httpEvent(fixture, site, route.method, route.path, routeKey);
  delete record(event.requestContext).authorizer;
  return run(route.handler, event);
}

function assertSensible(answer: Json, what: string) {
  const status = answer.statusCode;
  assert.equal(typeof status, 'number', `${what}: ${JSON.stringify(answer)}`);
  assert.ok(
    (status as number) >= 200 && (status as number) < 500,
    `${what}: ${status} ${String(answer.body)}`,
  );
  const headers = Object.fromEntries(
    Object.entries(record(answer.headers ?? {})).map(([name, value]) => [name.toLowerCase(), value]),
  );
  assert.ok(headers['content-security-policy'], `${what}: no security headers`);
  if ((status as number) >= 400 && String(headers['content-type']).includes('application/json')) {
    const body = JSON.parse(String(answer.body)) as Json;
    assert.equal(typeof body.error, 'string', `${what}: ${String(answer.body)}`);
    assert.equal(typeof body.message, 'string', `${what}: ${String(answer.body)}`);
  }
}

describe('AWS-published events', () => {
  it('are each noted with their sources', () => {
    const names = awsEventNames();
    assert.ok(names.length >= 9, names.join(', '));
    for (const name of names) {
      const fixture = awsEvent(name);
      assert.ok(fixture.sources.length > 0, name);
      for (const source of fixture.sources) {
        assert.match(
          source,
          /^(https:\/\/docs\.aws\.amazon\.com\/|github\.com\/(aws|aws-powertools)\/)/,
          name,
        );
      }
      assert.ok(fixture.notes.length > 20, name);
    }
  });
});

describe('HTTP handlers driven with AWS’s HTTP API events', () => {
  it('answer every route on every site it is published on, without a 5xx', async () => {
    for (const route of httpRoutes) {
      for (const site of route.sites) {
        assertSensible(await answerOf(route, site), `${route.method} ${route.path} (${site})`);
      }
    }
  });

  it('answer as the contract says where the event decides it', async () => {
    const route = (method: string, path: string) =>
      httpRoutes.find((r) => r.method === method && r.path === path) as HttpRoute;

    assert.equal((await answerOf(route('GET', '/healthz'), 'internal')).statusCode, 200);
    const session = await answerOf(route('GET', '/api/session'), 'internal');
    assert.equal(session.statusCode, 200);
    assert.equal(record(JSON.parse(String(session.body))).site, 'internal');
    // The published body ({"a":1,"b":2}) is not a sign-in.
    const forms = await answerOf(route('POST', '/auth/forms'), 'external');
    assert.equal(forms.statusCode, 400);
    assert.equal(record(JSON.parse(String(forms.body))).error, 'bad_request');
  });

  it('answer the $default route: 404, or 405 with Allow for an address of the site', async () => {
    const missing = await run(
      httpFallback,
      httpEvent('http-api-request', 'internal', 'GET', '/nope', '$default'),
    );
    const wrongMethod = await run(
      httpFallback,
      httpEvent('http-api-request', 'internal', 'PUT', '/healthz', '$default'),
    );

    assert.equal(missing.statusCode, 404);
    assertSensible(wrongMethod, 'PUT /healthz');
    assert.equal(wrongMethod.statusCode, 405);
    assert.equal(record(wrongMethod.headers).allow, 'GET');
  });

  it('refuse a body over the route’s limit themselves, as on AWS, where API Gateway buffers it', async () => {
    const signOut = httpEvent(
      'http-api-request-lambda-authorizer',
      'internal',
      'POST',
      '/auth/signout',
      'POST /auth/signout',
    );
    delete record(signOut.requestContext).authorizer;
    signOut.body = JSON.stringify({ padding: 'x'.repeat(bodyLimits.none) });
    const forms = httpEvent(
      'http-api-request-lambda-authorizer',
      'internal',
      'POST',
      '/auth/forms',
      'POST /auth/forms',
    );
    delete record(forms.requestContext).authorizer;
    forms.body = Buffer.from(JSON.stringify({ padding: 'x'.repeat(bodyLimits.readsBody) })).toString(
      'base64',
    );
    forms.isBase64Encoded = true;

    for (const event of [signOut, forms]) {
      const answer = await run(
        String(httpRoutes.find((r) => `${r.method} ${r.path}` === event.routeKey)?.handler),
        event,
      );
      assert.equal(answer.statusCode, 413, String(event.routeKey));
      assert.equal(record(JSON.parse(String(answer.body))).error, 'payload_too_large');
    }
  });

  it('take a request with API Gateway’s mutual TLS context', async () => {
    const event = awsEvent('http-api-request-mtls').event;

    assertSensible(await run('http/certificate-sign-in', event), 'GET /auth/certificate with mTLS');
  });
});

describe('WebSocket handlers driven with AWS’s WebSocket API events', () => {
  /** The authorizer's context as API Gateway hands it to later events: every value a string. */
  function asApiGatewayGivesIt(decision: Json): Json {
    const context = Object.fromEntries(
      Object.entries(record(decision.context)).map(([key, value]) => [key, String(value)]),
    );
    return { ...context, principalId: decision.principalId, integrationLatency: 31 };
  }

  function onConnection(fixture: string, connectionId: string, authorizer: Json): Json {
    const event = awsEvent(fixture).event;
    Object.assign(record(event.requestContext), { connectionId, authorizer });
    event.stageVariables = { site: 'internal' };
    return event;
  }

  it('allow the connection, connect it, answer its frames and disconnect it', async () => {
    const authorizing = awsEvent('websocket-authorizer-request').event;
    record(authorizing.headers).Cookie = tickets.internal;
    record(authorizing.multiValueHeaders).Cookie = [tickets.internal];
    authorizing.stageVariables = { site: 'internal' };
    const decision = await run(authorizers.webSocket, authorizing);
    const statements = record(decision.policyDocument).Statement as Json[];
    assert.deepEqual(
      statements.map((s) => s.Effect),
      ['Allow'],
      JSON.stringify(decision),
    );

    const authorizer = asApiGatewayGivesIt(decision);
    const connectionId = randomBytes(10).toString('base64');
    const handlerOf = (routeKey: string) =>
      webSocketRoutes.find((r) => r.routeKey === routeKey)?.handler as HandlerModule;

    const connected = await run(
      handlerOf('$connect'),
      onConnection('websocket-connect', connectionId, authorizer),
    );
    assert.equal(connected.statusCode, 200);

    // The published frame's body is no action of the product's: an error frame, the connection kept.
    const published = await run(
      handlerOf('$default'),
      onConnection('websocket-message', connectionId, authorizer),
    );
    assert.equal(published.statusCode, 200);
    assert.equal(record(JSON.parse(String(published.body))).type, 'error');

    const ping = onConnection('websocket-message', connectionId, authorizer);
    Object.assign(record(ping.requestContext), { routeKey: 'ping' });
    ping.body = '{"action":"ping"}';
    const pong = await run(handlerOf('ping'), ping);
    assert.equal(pong.statusCode, 200);
    assert.deepEqual(JSON.parse(String(pong.body)), { type: 'pong' });

    const disconnected = await run(
      handlerOf('$disconnect'),
      onConnection('websocket-disconnect', connectionId, authorizer),
    );
    assert.equal(disconnected.statusCode, 200);
  });

  it('refuse an upgrade without a ticket as API Gateway expects: Unauthorized', async () => {
    const authorizing = awsEvent('websocket-authorizer-request').event;
    authorizing.stageVariables = { site: 'internal' };

    await assert.rejects(run(authorizers.webSocket, authorizing), /^Error: Unauthorized$/);
  });
});

describe('scheduled handlers driven with EventBridge’s scheduled event', () => {
  it('run to the end', async () => {
    for (const task of scheduledTasks) {
      await run(task.handler, awsEvent('scheduled-event').event);
    }
  });
});

describe('coverage', () => {
  it('drove every handler module the product deploys', () => {
    assert.deepEqual(
      allHandlerModules().filter((module) => !driven.has(module)),
      [],
    );
  });
});
