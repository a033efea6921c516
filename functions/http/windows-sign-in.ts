import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { AppError, isAppError } from '../core/errors.ts';
import type { DirectoryUser, Site } from '../core/model.ts';
import type { IssuedTicket } from '../core/tickets/tickets.ts';
import { signInWithKerberos, type WindowsSignInDeps } from '../core/signin/windows.ts';
import { challengeNtlm, signInWithNtlm } from '../core/signin/windows-ntlm.ts';
import { perRuntimeAsync, type SettingsSource } from '../deps.ts';
import { checkedAtStart } from '../start-refusal.ts';
import { onLambda } from '../startup-check.ts';
import { buildWindowsDeps, startWindows } from '../windows-deps.ts';
import type { WindowsSettings } from '../windows-config.ts';
import { publicRoute } from './adapter.ts';
import { signedInAnswer } from './signed-in.ts';
import { clientAddressOf, isSecureTransport, siteOf } from './request.ts';
import { publicOriginsOf } from './site-origin.ts';
import { errorResult, html, redirect, type HttpResult } from './respond.ts';
import { setTicketCookie } from './ticket-cookie.ts';
import { readWindowsAuthorization, type WindowsAuthorization } from './windows-authorization.ts';
import { ntlmFallbackOf, wantsHtml, windowsChallenge, type WindowsMechanisms } from './windows-challenges.ts';
import { windowsRefusedPage } from './windows-page.ts';

const isQuick = (event: APIGatewayProxyEventV2): boolean => event.rawPath.endsWith('/quick');

const mechanismsOf = (settings: WindowsSettings): WindowsMechanisms => ({
  kerberos: settings.keytab !== undefined,
  ntlm: settings.ntlmDomain !== undefined,
});

// Read and checked as the function starts on Lambda: a wrong setting or an unusable keytab fails the
// cold start with a message naming the setting, never a 500 per request (the local runtime checks
// them before it listens).
if (onLambda()) await checkedAtStart(() => startWindows(process.env));

/** The settings and service keys of a runtime, and what its sign-ins need: built once per runtime. */
const windowsOf = perRuntimeAsync(async (deps) => {
  const start = await startWindows(deps.env);
  return { start, windowsDeps: buildWindowsDeps(deps, start) };
});

function refusal(
  event: APIGatewayProxyEventV2,
  err: AppError,
  challenge: string | undefined,
  ntlmFallback?: string,
): HttpResult {
  // Every 401 names the schemes a client may try (RFC 9110 §11.6.1).
  const headers: Record<string, string> =
    err.status === 401 && challenge ? { 'www-authenticate': challenge } : {};
  if (wantsHtml(event)) return html(err.status, windowsRefusedPage(err.message, ntlmFallback), { headers });
  const result = errorResult(err);
  return { ...result, headers: { ...result.headers, ...headers } };
}

/** Signed in: the ticket cookie, and JSON or (for a browser, and always for quick sign-in) the client app. */
function signedIn(
  event: APIGatewayProxyEventV2,
  site: Site,
  { user, ticket }: { user: DirectoryUser; ticket: IssuedTicket },
  headers: Record<string, string> = {},
): HttpResult {
  const cookies = [setTicketCookie(site, ticket.token)];
  return signedInAnswer({ user, ticket }, { asJson: !isQuick(event) && !wantsHtml(event), cookies, headers });
}

/**
 * NTLM's two legs, each a request of its own: a NEGOTIATE message is answered with 401 and the
 * CHALLENGE (in the scheme the client used), an AUTHENTICATE message signs in.
 */
async function ntlmLeg(
  event: APIGatewayProxyEventV2,
  signIn: WindowsSignInDeps,
  site: Site,
  authorization: WindowsAuthorization,
  env: SettingsSource,
): Promise<HttpResult> {
  const context = {
    site,
    sourceAddress: clientAddressOf(event, env),
    secureTransport: isSecureTransport(event),
    publicOrigins: publicOriginsOf(site, env).accepted,
  };
  const { token } = authorization;
  const messageType = token.length >= 12 ? token.readUInt32LE(8) : 0;
  if (messageType === 1) {
    const challenge = await challengeNtlm(signIn, token, context);
    const pending = new AppError('windows_auth_required', 'NTLM: answer the challenge to sign in.');
    return refusal(event, pending, `${authorization.headerScheme} ${challenge.toString('base64')}`);
  }
  return signedIn(event, site, await signInWithNtlm(signIn, token, context));
}

/**
 * `GET /auth/windows` and the bookmarkable `GET /auth/windows/quick` (internal site only): HTTP
 * Negotiate with Kerberos, and NTLM when it is enabled. Without credentials: 401 with the
 * challenge. With a Kerberos token: the ticket cookie, the mutual-authentication token, and JSON
 * (or, for a browser and always for quick sign-in, a redirect to the client app). NTLM takes two
 * requests (see `ntlmLeg`).
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
  const { start, windowsDeps } = await windowsOf(deps);
  const signIn = await windowsDeps.signIn();
  const mechanisms = mechanismsOf(start.settings);
  let scheme: WindowsAuthorization['scheme'] | undefined;
  try {
    const authorization = readWindowsAuthorization(event.headers.authorization);
    scheme = authorization?.scheme;
    if (!authorization) {
      throw new AppError(
        'windows_auth_required',
        'Sign in with Windows: this browser did not offer Windows credentials.',
      );
    }
    if (authorization.scheme === 'ntlm') return await ntlmLeg(event, signIn, site, authorization, deps.env);
    const { responseToken, ...result } = await signInWithKerberos(signIn, authorization.token, {
      site,
      sourceAddress: clientAddressOf(event, deps.env),
    });
    const headers: Record<string, string> =
      responseToken.length > 0 ? { 'www-authenticate': `Negotiate ${responseToken.toString('base64')}` } : {};
    return signedIn(event, site, result, headers);
  } catch (err) {
    if (!isAppError(err)) throw err;
    const legacy = err.code === 'enhanced_presence_required' ? err.details.location : undefined;
    if (legacy) return redirect(legacy);
    // Negotiate did not authenticate a browser (no Kerberos credentials, a token we cannot take such
    // as NTLM inside SPNEGO): offer the NTLM fallback. Policy refusals (403) stand as they are.
    const negotiateFailed = scheme !== 'ntlm' && (err.status === 400 || err.status === 401);
    const fallback = negotiateFailed ? ntlmFallbackOf(event, mechanisms) : undefined;
    return refusal(event, err, windowsChallenge(event, mechanisms), fallback);
  }
});
