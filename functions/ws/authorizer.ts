import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { isAppError } from '../core/errors.ts';
import { metricNames } from '../core/metrics/metrics.ts';
import { authorizeTicket } from '../core/policy/authorize-ticket.ts';
import { correlated } from '../correlation.ts';
import { entry } from '../entry.ts';
import { assertThroughOrigin } from '../http/origin-verify.ts';
import { assertSameOriginUpgrade, siteOf } from '../http/request.ts';
import { readTicketCookie } from '../http/ticket-cookie.ts';
import '../startup-check.ts'; // every setting checked as the module loads, not per request

/**
 * The WebSocket `$connect` authorizer. Without a valid ticket it fails with API Gateway's
 * `Unauthorized` (401, no upgrade); a valid ticket whose user the policy now refuses gets an
 * explicit Deny (403), as does an upgrade a browser started from an origin that is not one of the
 * site's configured public origins (cross-site WebSocket hijacking). API Gateway runs it only at `$connect`, so later frames re-check the ticket.
 */
export const handler = entry((runtime) =>
  correlated(async function authorizeConnect(
    event: APIGatewayRequestAuthorizerEvent,
  ): Promise<APIGatewayAuthorizerResult> {
    const deps = await runtime.deps();
    const decided = (verdict: 'allow' | 'deny', reason: string) =>
      deps.metrics.count(metricNames.authorizerDecisions, {
        Api: 'websocket',
        Verdict: verdict,
        Reason: reason,
      });
    const site = siteOf(event);
    const header = (wanted: string) =>
      Object.entries(event.headers ?? {})
        .filter(([name]) => name.toLowerCase() === wanted)
        .map(([, value]) => value ?? '');
    const cookieHeaders = header('cookie');
    try {
      await assertThroughOrigin(event.headers, runtime.env);
      assertSameOriginUpgrade(header('origin')[0], site, runtime.env);
      const principal = await authorizeTicket(
        { ...deps, legacyUrl: deps.settings.legacyUrl },
        readTicketCookie(cookieHeaders, site),
        site,
        { activity: false },
      );
      decided('allow', 'valid_ticket');
      return policy(principal.sipUri, 'Allow', event.methodArn, { ...principal });
    } catch (err) {
      if (!isAppError(err)) throw err;
      decided('deny', err.code);
      if (err.code === 'unauthenticated') throw new Error('Unauthorized', { cause: err });
      return policy('refused', 'Deny', event.methodArn, { error: err.code });
    }
  }),
);

function policy(
  principalId: string,
  effect: 'Allow' | 'Deny',
  resource: string,
  context: Record<string, string | number | boolean>,
): APIGatewayAuthorizerResult {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }],
    },
    context,
  };
}
