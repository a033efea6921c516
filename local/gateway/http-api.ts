import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Site } from '../../functions/core/model.ts';
import { authorizers, httpFallback, httpRoutes, type HandlerModule } from '../../functions/routes.ts';
import { verifiedClientCertificate } from './client-certificate.ts';
import { invoke } from './lambda.ts';
import { clientAddress, forwardedHeaders, type ProxyTrust } from './proxy-trust.ts';

/** API Gateway's HTTP API payload limit. */
export const httpPayloadLimitBytes = 10 * 1024 * 1024;

interface MatchedRoute {
  readonly routeKey: string;
  readonly handler: HandlerModule;
  readonly auth: 'none' | 'ticket';
}

function match(site: Site, method: string, path: string): MatchedRoute {
  const route = httpRoutes.find((r) => r.method === method && r.path === path && r.sites.includes(site));
  return route
    ? { routeKey: `${route.method} ${route.path}`, handler: route.handler, auth: route.auth }
    : { routeKey: '$default', handler: httpFallback, auth: 'none' };
}

const textTypes = /^(text\/|application\/(json|x-www-form-urlencoded|xml|javascript))/i;

async function readBody(req: IncomingMessage): Promise<Buffer | 'too_large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > httpPayloadLimitBytes) return 'too_large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Headers as API Gateway hands them over: lower-case names, repeated values joined with commas. */
function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name === 'cookie') continue;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return headers;
}

export interface HttpApiOptions {
  readonly site: Site;
  readonly proxyTrust: ProxyTrust;
}

/**
 * Emulates one site's API Gateway HTTP API: matches the route table, builds payload 2.0 events,
 * runs the Lambda authorizer for ticket routes with its real event shape and hands its context to
 * the route, and maps the structured result back to HTTP (`cookies` become Set-Cookie headers).
 */
export function createHttpApi(options: HttpApiOptions) {
  const { site } = options;
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();
    const body = await readBody(req);
    if (body === 'too_large') {
      send(res, {
        statusCode: 413,
        body: JSON.stringify({ error: 'payload_too_large', message: 'Request Entity Too Large' }),
      });
      req.resume();
      return;
    }
    const route = match(site, method, url.pathname);
    const client = clientAddress(req, options.proxyTrust);
    const headers = forwardedHeaders(req, flattenHeaders(req), options.proxyTrust);
    const clientCert = verifiedClientCertificate(req);
    const cookieHeader = req.headers.cookie;
    const cookies = cookieHeader ? cookieHeader.split(/;\s*/).filter(Boolean) : undefined;
    const now = new Date();
    const contentType = headers['content-type'] ?? '';
    const isText = body.length === 0 || textTypes.test(contentType);
    const event: APIGatewayProxyEventV2 = {
      version: '2.0',
      routeKey: route.routeKey,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      ...(cookies ? { cookies } : {}),
      headers,
      ...(url.search ? { queryStringParameters: Object.fromEntries(url.searchParams) } : {}),
      requestContext: {
        accountId: '000000000000',
        apiId: `local-${site}`,
        domainName: headers.host ?? 'localhost',
        domainPrefix: (headers.host ?? 'localhost').split('.')[0] ?? 'localhost',
        http: {
          method,
          path: url.pathname,
          protocol: `HTTP/${req.httpVersion}`,
          sourceIp: client.sourceIp,
          userAgent: headers['user-agent'] ?? '',
        },
        ...(clientCert ? { authentication: { clientCert } } : {}),
        requestId: randomUUID(),
        routeKey: route.routeKey,
        stage: '$default',
        time: now.toISOString(),
        timeEpoch: now.getTime(),
      },
      stageVariables: { site },
      ...(body.length > 0
        ? { body: isText ? body.toString('utf8') : body.toString('base64'), isBase64Encoded: !isText }
        : { isBase64Encoded: false }),
    };
    try {
      if (route.auth === 'ticket') {
        const decision = (await invoke(authorizers.http, {
          version: '2.0',
          type: 'REQUEST',
          routeArn: `arn:aws:execute-api:local:000000000000:local-${site}/$default/${method}${url.pathname}`,
          identitySource: [],
          routeKey: event.routeKey,
          rawPath: event.rawPath,
          rawQueryString: event.rawQueryString,
          cookies: event.cookies,
          headers: event.headers,
          queryStringParameters: event.queryStringParameters,
          requestContext: event.requestContext,
          pathParameters: {},
          stageVariables: event.stageVariables,
        })) as { isAuthorized?: boolean; context?: Record<string, unknown> };
        if (decision?.isAuthorized !== true) {
          send(res, { statusCode: 403, body: JSON.stringify({ message: 'Forbidden' }) });
          return;
        }
        (event.requestContext as unknown as Record<string, unknown>).authorizer = {
          lambda: decision.context ?? {},
        };
      }
      const result = (await invoke(route.handler, event)) as APIGatewayProxyStructuredResultV2;
      send(res, result);
    } catch (err) {
      console.error(`[gateway] ${route.handler} failed:`, err);
      send(res, { statusCode: 500, body: JSON.stringify({ message: 'Internal Server Error' }) });
    }
  };
}

function send(res: ServerResponse, result: APIGatewayProxyStructuredResultV2): void {
  const headers: Record<string, string | string[]> = { ...(result.headers as Record<string, string>) };
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type') && result.body) {
    headers['content-type'] = 'application/json';
  }
  const body = result.body ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8') : undefined;
  res.writeHead(result.statusCode ?? 200, headers);
  res.end(body);
}
