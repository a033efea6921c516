import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { AppError, isAppError } from '../core/errors.ts';
import { signInWithKerberos } from '../core/signin/windows.ts';
import { getWindowsDeps } from '../windows-deps.ts';
import { publicRoute } from './adapter.ts';
import { clientAppPath } from './forms-sign-in.ts';
import { siteOf } from './request.ts';
import { errorResult, html, json, redirect, type HttpResult } from './respond.ts';
import { setTicketCookie } from './ticket-cookie.ts';
import { readWindowsAuthorization } from './windows-authorization.ts';
import { windowsRefusedPage } from './windows-page.ts';

/** Browsers navigating here get pages and redirects; other clients (curl, scripts) get JSON. */
const wantsHtml = (event: APIGatewayProxyEventV2): boolean => /text\/html/i.test(event.headers.accept ?? '');

const isQuick = (event: APIGatewayProxyEventV2): boolean => event.rawPath.endsWith('/quick');

/** The challenges this server offers: Negotiate always, NTLM when it is configured. */
const challenges = (ntlm: boolean): string => (ntlm ? 'Negotiate, NTLM' : 'Negotiate');

function refusal(event: APIGatewayProxyEventV2, err: AppError, challenge: string | undefined): HttpResult {
  // Every 401 names the schemes a client may try (RFC 9110 §11.6.1).
  const headers: Record<string, string> =
    err.status === 401 && challenge ? { 'www-authenticate': challenge } : {};
  if (wantsHtml(event)) return html(err.status, windowsRefusedPage(err.message), { headers });
  const result = errorResult(err);
  return { ...result, headers: { ...result.headers, ...headers } };
}

/**
 * `GET /auth/windows` and the bookmarkable `GET /auth/windows/quick` (internal site only):
 * HTTP Negotiate. Without credentials: 401 with the challenge. With a Kerberos token: the ticket
 * cookie, the mutual-authentication token, and JSON (or, for a browser and always for quick
 * sign-in, a redirect to the client app).
 */
export const handler = publicRoute(async (event, deps) => {
  const site = siteOf(event);
  if (site !== 'internal') {
    return refusal(
      event,
      new AppError('windows_site_refused', 'Windows sign-in is available only from inside the organisation.'),
      undefined,
    );
  }
  const windows = await getWindowsDeps(deps);
  const offer = challenges(windows.settings.ntlmDomain !== undefined);
  try {
    const authorization = readWindowsAuthorization(event.headers.authorization);
    if (!authorization) {
      throw new AppError(
        'windows_auth_required',
        'Sign in with Windows: this browser did not offer Windows credentials.',
      );
    }
    if (authorization.scheme === 'ntlm') {
      throw new AppError('ntlm_unsupported', 'NTLM sign-in is not available on this server.');
    }
    const { user, ticket, responseToken } = await signInWithKerberos(windows.signIn, authorization.token, {
      site,
      sourceAddress: event.requestContext.http.sourceIp,
    });
    const cookies = [setTicketCookie(site, ticket.token)];
    const headers: Record<string, string> =
      responseToken.length > 0 ? { 'www-authenticate': `Negotiate ${responseToken.toString('base64')}` } : {};
    if (isQuick(event) || wantsHtml(event)) return redirect(clientAppPath, { cookies, headers });
    return json(
      200,
      {
        user: { sipUri: user.sipUri, displayName: user.displayName },
        expiresAt: new Date(ticket.record.expiresAt).toISOString(),
      },
      { cookies, headers },
    );
  } catch (err) {
    if (!isAppError(err)) throw err;
    const legacy = err.code === 'enhanced_presence_required' ? err.details.location : undefined;
    if (legacy) return redirect(legacy);
    return refusal(event, err, offer);
  }
});
