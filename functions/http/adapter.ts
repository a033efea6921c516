import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyEventV2WithLambdaAuthorizer } from 'aws-lambda';
import { AppError, type ErrorCode } from '../core/errors.ts';
import type { Principal } from '../core/model.ts';
import { correlated } from '../correlation.ts';
import type { Deps, SettingsSource } from '../deps.ts';
import { entry, type HandlerRuntime } from '../entry.ts';
import { bodyLimitOf, httpRouteOfKey } from '../routes.ts';
import { assertThroughOrigin } from './origin-verify.ts';
import { payloadTooLarge } from './request.ts';
import { errorResult, type HttpResult } from './respond.ts';
import { securityHeaders } from './security-headers-middleware.ts';
import '../startup-check.ts'; // every setting checked as the module loads, not per request

/**
 * What the HTTP authorizer hands to routes. HTTP APIs cannot shape the answer API Gateway gives
 * when an authorizer says no (always a bare 403), so the authorizer returns its verdict instead and
 * `ticketRoute` refuses a `deny` with the contract's 401/403 before the route's own code runs.
 */
export type AuthorizerContext =
  | ({ readonly verdict: 'allow' } & Principal)
  | { readonly verdict: 'deny'; readonly error: ErrorCode; readonly message: string };

export type TicketEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<AuthorizerContext>;

/** The principal the authorizer allowed, or the refusal it decided. */
export function principalOf(event: TicketEvent): Principal {
  const context = event.requestContext.authorizer?.lambda;
  if (!context || context.verdict !== 'allow') {
    if (context?.verdict === 'deny') throw new AppError(context.error, context.message);
    throw new AppError('unauthenticated', 'Sign in first: no valid ticket came with this request.');
  }
  const { verdict: _verdict, ...principal } = context;
  return principal;
}

const errorsAsResponses = (): middy.MiddlewareObj<unknown, HttpResult> => ({
  onError: (request) => {
    request.response = errorResult(request.error);
  },
});

/** Refuses, before anything else runs, a request that did not come through the site's CloudFront. */
const throughOriginOnly = (env: SettingsSource): middy.MiddlewareObj<APIGatewayProxyEventV2, HttpResult> => ({
  before: async (request) => {
    await assertThroughOrigin(request.event.headers, env);
  },
});

/**
 * Refuses a body larger than the route takes (16 KB where the handler reads one, 1 KB elsewhere).
 * API Gateway has already buffered it (up to 10 MB); the local gateway refuses it before reading.
 */
const bodyWithinLimit = (): middy.MiddlewareObj<APIGatewayProxyEventV2, HttpResult> => ({
  before: (request) => {
    const { body, isBase64Encoded, routeKey } = request.event;
    if (!body) return;
    const size = isBase64Encoded ? Buffer.from(body, 'base64').length : Buffer.byteLength(body);
    const limit = bodyLimitOf(httpRouteOfKey(routeKey));
    if (size > limit) throw payloadTooLarge(limit);
  },
});

/**
 * The handler of one route for a runtime: the middlewares every route runs (security headers, errors
 * as responses, the origin check, the body limit) around `run`.
 */
function route<E extends APIGatewayProxyEventV2>(
  run: (event: E, runtime: HandlerRuntime) => Promise<HttpResult>,
) {
  return entry((runtime: HandlerRuntime) =>
    correlated(
      middy<E, HttpResult>()
        .use(securityHeaders())
        .use(errorsAsResponses())
        .use(throughOriginOnly(runtime.env))
        .use(bodyWithinLimit())
        .handler((event) => run(event, runtime)),
    ),
  );
}

/** A route that needs nothing from the outside world but its settings (pages, health): no dependencies are built. */
export function selfContainedRoute(
  run: (event: APIGatewayProxyEventV2, env: SettingsSource) => Promise<HttpResult>,
) {
  return route((event, runtime) => run(event, runtime.env));
}

/** A public route: event in, one domain call, response out; errors mapped in one place. */
export function publicRoute(run: (event: APIGatewayProxyEventV2, deps: Deps) => Promise<HttpResult>) {
  return route(async (event, runtime) => run(event, await runtime.deps()));
}

/** A route behind the authorizer; `run` is reached only with an allowed principal. */
export function ticketRoute(
  run: (event: TicketEvent, principal: Principal, deps: Deps) => Promise<HttpResult>,
) {
  return route<TicketEvent>(async (event, runtime) => {
    const principal = principalOf(event);
    return run(event, principal, await runtime.deps());
  });
}
