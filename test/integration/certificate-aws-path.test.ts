import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import { originVerifyHeader } from '../../functions/http/origin-verify.ts';
import { startTestRuntime, type TestRuntime } from './support/runtime.ts';
import { makePki, opensslAvailable, type Pki, type PkiCard } from '../support/openssl-pki.ts';

/**
 * Smart card sign-in as deployed on AWS (docs/sign-in/smart-cards.md, "On AWS"), by driving the
 * handlers with API Gateway's events: the site's route through CloudFront (HTTP API, payload 2.0,
 * with the origin-verify header CloudFront adds), and the site's mutual-TLS sign-in domain (REST
 * API, payload 1.0, the certificate in `requestContext.identity.clientCert`: the event AWS
 * published, test/fixtures/aws-events/rest-api-request-mtls.json). The origin secret comes from a
 * stand-in for Secrets Manager on loopback, so the handlers check the origin as they do on AWS.
 */

const available = opensslAvailable();
const site = { origin: 'https://im.contoso.test', host: 'im.contoso.test' };
const domain = { origin: 'https://smartcard.im.contoso.test', host: 'smartcard.im.contoso.test' };
const originSecret = { arn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:origin-AbCdEf', value: '' };
let rt: TestRuntime;
let dir: string;
let secrets: Server;
let pki: Pki;
const cards = {} as Record<'alice' | 'lost', PkiCard>;

/** Secrets Manager's GetSecretValue for the origin secret, as the SDK calls it (JSON 1.1 over HTTP). */
async function startSecretsManager(): Promise<string> {
  secrets = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const input = JSON.parse(body || '{}') as { SecretId?: string };
      const found =
        req.headers['x-amz-target'] === 'secretsmanager.GetSecretValue' &&
        input.SecretId === originSecret.arn;
      res.writeHead(found ? 200 : 400, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(
        JSON.stringify(
          found
            ? {
                ARN: originSecret.arn,
                Name: 'origin',
                SecretString: originSecret.value,
                VersionStages: ['AWSCURRENT'],
              }
            : { __type: 'ResourceNotFoundException', message: 'no such secret' },
        ),
      );
    });
  });
  secrets.listen(0, '127.0.0.1');
  await once(secrets, 'listening');
  return `http://127.0.0.1:${(secrets.address() as AddressInfo).port}`;
}

before(async () => {
  if (available !== true) return;
  dir = await mkdtemp(join(tmpdir(), 'cwa-certificate-aws-'));
  pki = makePki(join(dir, 'pki'));
  cards.alice = pki.issue('alice', { cn: 'Alice Ahn', email: 'alice@contoso.com' });
  cards.lost = pki.issue('lost', { cn: 'Alice Ahn', email: 'alice@contoso.com' });
  pki.revoke(cards.lost);
  // API Gateway's truststore holds every CA up to the root; the function's CA file is the same file.
  await writeFile(join(dir, 'truststore.pem'), pki.root + pki.issuing);
  await writeFile(join(dir, 'smart-card.crl'), pki.crl());
  originSecret.value = randomBytes(24).toString('hex');
  const endpoint = await startSecretsManager();
  // The AWS SDK's own configuration, from the process environment as on Lambda: the Secrets
  // Manager stand-in, and a region and credentials to sign with.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDLOCALTEST',
    AWS_SECRET_ACCESS_KEY: 'local-test-secret',
  });
  rt = await startTestRuntime({
    tls: true,
    publicOrigins: { internal: site.origin },
    handlerSettings: {
      CLIENT_CERT_SITES: 'internal',
      CLIENT_CERT_CA_FILE: join(dir, 'truststore.pem'),
      CLIENT_CERT_CRL_FILE: join(dir, 'smart-card.crl'),
      CLIENT_CERT_DOMAIN_INTERNAL: domain.origin,
      ORIGIN_VERIFY_SECRET_ARN: originSecret.arn,
    },
  });
});
after(async () => {
  await rt?.close();
  secrets?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

type Answer = { statusCode: number; headers?: Record<string, string>; cookies?: string[]; body?: string };

/**
 * A request to the site's HTTP API as CloudFront forwards it (payload 2.0, the shape of the example
 * in https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html):
 * the origin-verify header, the site's host, the viewer's address.
 */
function throughCloudFront(
  query: Record<string, string>,
  options: { cookies?: string[]; withOriginHeader?: boolean; clientCertPem?: string } = {},
): APIGatewayProxyEventV2 {
  const rawQueryString = new URLSearchParams(query).toString();
  return {
    version: '2.0',
    routeKey: 'GET /auth/certificate',
    rawPath: '/auth/certificate',
    rawQueryString,
    ...(options.cookies && { cookies: options.cookies }),
    headers: {
      accept: 'text/html',
      host: 'k3xq7v2mpa.execute-api.eu-west-1.amazonaws.com',
      'user-agent': 'Mozilla/5.0',
      'x-forwarded-for': '130.176.1.1',
      'x-forwarded-host': site.host,
      'x-forwarded-port': '443',
      'x-forwarded-proto': 'https',
      'x-viewer-address': '198.51.100.7',
      ...(options.withOriginHeader !== false && { [originVerifyHeader]: originSecret.value }),
    },
    ...(rawQueryString && { queryStringParameters: query }),
    requestContext: {
      accountId: '123456789012',
      apiId: 'k3xq7v2mpa',
      ...(options.clientCertPem && {
        authentication: {
          clientCert: {
            clientCertPem: options.clientCertPem,
            subjectDN: 'CN=Alice Ahn',
            issuerDN: 'CN=Contoso Smart Card Issuing CA',
            serialNumber: '10:00',
            validity: { notBefore: 'May 28 12:30:02 2019 GMT', notAfter: 'Aug  5 09:36:04 2021 GMT' },
          },
        },
      }),
      domainName: 'k3xq7v2mpa.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'k3xq7v2mpa',
      http: {
        method: 'GET',
        path: '/auth/certificate',
        protocol: 'HTTP/1.1',
        sourceIp: '130.176.1.1',
        userAgent: 'Mozilla/5.0',
      },
      requestId: randomBytes(8).toString('base64'),
      routeKey: 'GET /auth/certificate',
      stage: '$default',
      time: '12/Mar/2020:19:03:58 +0000',
      timeEpoch: Date.now(),
    },
    stageVariables: { site: 'internal' },
    isBase64Encoded: false,
  };
}

/** The REST API event AWS published for a request on a mutual-TLS domain, for this request. */
function onTheDomain(
  state: string,
  card: PkiCard | undefined,
  options: { domainName?: string } = {},
): APIGatewayProxyEvent {
  const fixture = JSON.parse(
    readFileSync(new URL('../fixtures/aws-events/rest-api-request-mtls.json', import.meta.url), 'utf8'),
  ) as { event: APIGatewayProxyEvent };
  const event = fixture.event;
  event.queryStringParameters = { state };
  event.multiValueQueryStringParameters = { state: [state] };
  event.headers.Host = options.domainName ?? domain.host;
  event.multiValueHeaders.Host = [event.headers.Host];
  event.requestContext.domainName = options.domainName ?? domain.host;
  event.requestContext.domainPrefix = event.requestContext.domainName.split('.')[0]!;
  // API Gateway hands over the certificate alone; its truststore (and the CA file) holds the CAs.
  if (card) event.requestContext.identity.clientCert!.clientCertPem = card.cert;
  else event.requestContext.identity.clientCert = null;
  return event;
}

const siteHandler = (event: APIGatewayProxyEventV2) =>
  rt.invoke('http/certificate-sign-in', event) as Promise<Answer>;
const domainHandler = (event: APIGatewayProxyEvent) =>
  rt.invoke('http/certificate-domain-sign-in', event) as Promise<Answer>;

const headerOf = (answer: Answer, name: string) =>
  Object.entries(answer.headers ?? {}).find(([key]) => key.toLowerCase() === name)?.[1];
const cookieValue = (answer: Answer, name: string) =>
  answer.cookies
    ?.find((c) => c.startsWith(`${name}=`))
    ?.split(';')[0]
    ?.slice(name.length + 1);
const errorOf = (answer: Answer) => (JSON.parse(answer.body ?? '{}') as { error?: string }).error;

/** The start on the site: where it sends the browser, and the state it keeps. */
async function start(): Promise<{ state: string; location: URL }> {
  const started = await siteHandler(throughCloudFront({}));
  assert.equal(started.statusCode, 303, started.body);
  const location = new URL(headerOf(started, 'location') ?? '');
  const state = cookieValue(started, '__Host-cwa-certificate-state-internal') ?? '';
  return { state, location };
}

/** `GET /api/session` on the running site, with the origin header CloudFront would add. */
function session(cookie: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${rt.internal}/api/session`,
      {
        agent: false,
        ca: rt.tls?.certificate,
        headers: { cookie, [originVerifyHeader]: originSecret.value },
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('smart card sign-in on AWS', { skip: available === true ? false : available }, () => {
  it('goes from the site to its mutual-TLS domain and back, and the ticket works on the site', async () => {
    const { state, location } = await start();
    assert.equal(location.origin, domain.origin);
    assert.equal(location.pathname, '/auth/certificate');
    assert.equal(location.searchParams.get('state'), state);
    assert.match(state, /^[A-Za-z0-9_-]{43}$/);

    // On the domain: API Gateway's request, without any origin-verify header.
    const checked = await domainHandler(onTheDomain(state, cards.alice));
    assert.equal(checked.statusCode, 303, checked.body);
    const back = new URL(headerOf(checked, 'location') ?? '');
    assert.equal(back.origin, site.origin);
    assert.equal(checked.cookies, undefined, 'the domain sets no cookie');

    const handoff = back.searchParams.get('handoff') ?? '';
    const signedIn = await siteHandler(
      throughCloudFront({ handoff }, { cookies: [`__Host-cwa-certificate-state-internal=${state}`] }),
    );
    assert.equal(signedIn.statusCode, 303, signedIn.body);
    assert.equal(headerOf(signedIn, 'location'), '/app/');
    const ticket = signedIn.cookies?.find((c) => c.startsWith('__Host-cwa-ticket-internal='))?.split(';')[0];
    assert.ok(ticket, 'a ticket cookie on the site');
    assert.ok(
      signedIn.cookies?.some((c) => c.startsWith('__Host-cwa-certificate-state-internal=;')),
      'the state cookie cleared',
    );

    const current = await session(ticket);
    assert.equal(current.status, 200, current.body);
    const body = JSON.parse(current.body) as { user: { sipUri: string }; authMethod: string };
    assert.deepEqual([body.user.sipUri, body.authMethod], ['sip:alice@contoso.com', 'certificate']);
  });

  it('refuses on the domain a request without API Gateway’s certificate context, or on another address', async () => {
    const { state } = await start();

    const without = await domainHandler({
      ...onTheDomain(state, undefined),
      headers: { Accept: 'application/json' },
    });
    assert.equal(without.statusCode, 401);
    assert.equal(errorOf(without), 'certificate_required');
    assert.equal(headerOf(without, 'location'), undefined);

    const elsewhere = onTheDomain(state, cards.alice, {
      domainName: 'r3pmxmplak.execute-api.eu-west-1.amazonaws.com',
    });
    elsewhere.headers = { Accept: 'application/json' };
    const refused = await domainHandler(elsewhere);
    assert.equal(refused.statusCode, 403);
    assert.equal(errorOf(refused), 'direct_access_refused');

    const noState = onTheDomain('', cards.alice);
    noState.headers = { Accept: 'application/json' };
    assert.equal((await domainHandler(noState)).statusCode, 400);
  });

  it('refuses a revoked card on the domain, with a page that leads back to the site', async () => {
    const { state } = await start();

    const refused = await domainHandler(onTheDomain(state, cards.lost));

    assert.equal(refused.statusCode, 401);
    assert.match(refused.body ?? '', /revoked/);
    assert.match(refused.body ?? '', new RegExp(`href="${site.origin}/auth/certificate"`));
    assert.match(String(headerOf(refused, 'content-security-policy')), /default-src 'self'/);
  });

  it('keeps the origin check on the site’s route, even for a request carrying a certificate context', async () => {
    // An mTLS custom domain put on the site's own HTTP API (the old advice): no CloudFront, no header.
    const direct = await siteHandler(
      throughCloudFront({}, { withOriginHeader: false, clientCertPem: cards.alice.cert }),
    );

    assert.equal(direct.statusCode, 403);
    assert.equal(errorOf(direct), 'direct_access_refused');
  });

  it('refuses a hand-off in another browser (no or another state cookie), or made up', async () => {
    const { state } = await start();
    const checked = await domainHandler(onTheDomain(state, cards.alice));
    const handoff = new URL(headerOf(checked, 'location') ?? '').searchParams.get('handoff') ?? '';
    const { state: otherState } = await start();

    for (const cookies of [[], [`__Host-cwa-certificate-state-internal=${otherState}`]]) {
      const refused = await siteHandler(throughCloudFront({ handoff }, { cookies }));
      assert.equal(refused.statusCode, 400);
      assert.match(refused.body ?? '', /did not finish in time or not in this browser/);
    }
    const forged = `${handoff.slice(0, -4)}AAAA`;
    const refused = await siteHandler(
      throughCloudFront({ handoff: forged }, { cookies: [`__Host-cwa-certificate-state-internal=${state}`] }),
    );
    assert.equal(refused.statusCode, 400);
  });
});
