import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';
import { isAppError } from '../core/errors.ts';
import { metricNames } from '../core/metrics/metrics.ts';
import { authorizeTicket } from '../core/policy/authorize-ticket.ts';
import { correlated } from '../correlation.ts';
import { entry } from '../entry.ts';
import type { AuthorizerContext } from './adapter.ts';
import { assertThroughOrigin } from './origin-verify.ts';
import { siteOf } from './request.ts';
import { readTicketCookie } from './ticket-cookie.ts';
import '../startup-check.ts'; // every setting checked as the module loads, not per request

/**
 * The HTTP API Lambda authorizer (payload 2.0, simple responses, no caching, so every request sees
 * the ticket's and the user's current state). It answers a verdict that `ticketRoute` enforces; see
 * `AuthorizerContext` for why a refusal is not API Gateway's own bare 403.
 */
export const handler = entry((runtime) =>
  correlated(async function authorize(
    event: APIGatewayRequestAuthorizerEventV2,
  ): Promise<APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>> {
    const deps = await runtime.deps();
    const site = siteOf(event);
    const decided = (verdict: 'allow' | 'deny', reason: string) =>
      deps.metrics.count(metricNames.authorizerDecisions, { Api: 'http', Verdict: verdict, Reason: reason });
    try {
      await assertThroughOrigin(event.headers, runtime.env);
      const principal = await authorizeTicket(
        { ...deps, legacyUrl: deps.settings.legacyUrl },
        readTicketCookie(event.cookies, site),
        site,
        { activity: true },
      );
      decided('allow', 'valid_ticket');
      return { isAuthorized: true, context: { verdict: 'allow', ...principal } };
    } catch (err) {
      if (!isAppError(err)) throw err;
      decided('deny', err.code);
      return { isAuthorized: true, context: { verdict: 'deny', error: err.code, message: err.message } };
    }
  }),
);
