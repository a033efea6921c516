import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Site } from '../../functions/core/model.ts';
import { payloadTooLarge } from '../../functions/http/request.ts';
import type { HttpResult } from '../../functions/http/respond.ts';
import {
  authorizers,
  bodyLimitOf,
  httpFallback,
  httpRoutes,
  type HandlerModule,
} from '../../functions/routes.ts';
import { verifiedClientCertificate } from './client-certificate.ts';
import { commonLogTime, joinedQueryParameters } from './event-formats.ts';
import { apiGatewayAnswer, gatewayRefusal, sendAndClose } from './gateway-answers.ts';
import type { LocalFunctions } from './lambda.ts';
import { clientAddress, forwardedHeaders, type ProxyTrust } from './proxy-trust.ts';

interface MatchedRoute {
  readonly routeKey: string;
  readonly handler: HandlerModule;
  readonly auth: 'none' | 'ticket';
  /** The largest body the route takes; refused before it is read. */
  readonly bodyLimit: number;
}

function match(site: Site, method: string, path: string): MatchedRoute {
  const route = httpRoutes.find((r) => r.method === method && r.path === path && r.sites.includes(site));
  return route
    ? {
        routeKey: `${route.method} ${route.path}`,
        handler: route.handler,
        auth: route.auth,
        bodyLimit: bodyLimitOf(route),
      }
    : { routeKey: '$default', handler: httpFallback, auth: 'none', bodyLimit: bodyLimitOf(undefined) };
}

const textTypes = /^(text\/|application\/(json|x-www-form-urlencoded|xml|javascript))/i;

/**
 * The request body, read only as far as `limit`: over it, reading stops (the gateway answers 413
 * and closes the connection, so the rest is never buffered). `aborted`: the client went away.
 */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too_large' | 'aborted'> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > limit) return 'too_large';
      chunks.push(chunk as Buffer);
    }
  } catch {
    return 'aborted';
  }
  return Buffer.concat(chunks);
}

/**
 * Headers as an HTTP API hands them over in payload 2.0: lower-case names, a header sent more than
 * once with its values joined by commas, and `Cookie` moved to the event's `cookies`.
 */
function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (values === undefined || name === 'cookie') continue;
    headers[name] = values.join(',');
  }
  return headers;
}

/** The declared body size, when the client declared one. */
function declaredLength(req: IncomingMessage): number | undefined {
  const value = req.headers['content-length'];
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

export interface HttpApiOptions {
  readonly site: Site;
  readonly proxyTrust: ProxyTrust;
  /** The runtime's handler modules. */
  readonly functions: LocalFunctions;
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
    const route = match(site, method, url.pathname);
    const refuseBody = async () => {
      const { code, message } = payloadTooLarge(route.bodyLimit);
      sendAndClose(res, await gatewayRefusal(code, message));
    };
    if ((declaredLength(req) ?? 0) > route.bodyLimit) return refuseBody();
    if (/^100-continue$/i.test(req.headers.expect ?? '')) res.writeContinue();
    const body = await readBody(req, route.bodyLimit);
    if (body === 'aborted') return;
    if (body === 'too_large') return refuseBody();
    const client = clientAddress(req, options.proxyTrust);
    const headers = forwardedHeaders(req, flattenHeaders(req), options.proxyTrust);
    const clientCert = verifiedClientCertificate(req);
    const cookieHeader = req.headers.cookie;
    const cookies = cookieHeader ? cookieHeader.split(/;\s*/).filter(Boolean) : undefined;
    const now = new Date();
    const contentType = headers['content-type'] ?? '';
    const isText = body.length === 0 || textTypes.test(contentType);
    const queryStringParameters = joinedQueryParameters(url.searchParams);
    const event: APIGatewayProxyEventV2 = {
      version: '2.0',
      routeKey: route.routeKey,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      ...(cookies ? { cookies } : {}),
      headers,
      ...(queryStringParameters ? { queryStringParameters } : {}),
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
        time: commonLogTime(now),
        timeEpoch: now.getTime(),
      },
      stageVariables: { site },
      ...(body.length > 0
        ? { body: isText ? body.toString('utf8') : body.toString('base64'), isBase64Encoded: !isText }
        : { isBase64Encoded: false }),
    };
    try {
      if (route.auth === 'ticket') {
        const decision = (await options.functions.invoke(authorizers.http, {
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
          send(res, await apiGatewayAnswer(403, 'Forbidden'));
          return;
        }
        (event.requestContext as unknown as Record<string, unknown>).authorizer = {
          lambda: decision.context ?? {},
        };
      }
      const result = (await options.functions.invoke(
        route.handler,
        event,
      )) as APIGatewayProxyStructuredResultV2;
      send(res, result);
    } catch (err) {
      console.error(`[gateway] ${route.handler} failed:`, err);
      send(res, await apiGatewayAnswer(500, 'Internal Server Error'));
    }
  };
}

function send(res: ServerResponse, result: APIGatewayProxyStructuredResultV2 | HttpResult): void {
  const headers: Record<string, string | string[]> = { ...(result.headers as Record<string, string>) };
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type') && result.body) {
    headers['content-type'] = 'application/json';
  }
  const body = result.body ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8') : undefined;
  res.writeHead(result.statusCode ?? 200, headers);
  res.end(body);
}
