import { AppError } from '../core/errors.ts';
import { assertSsoOffered, completeSsoSignIn } from '../core/signin/sso.ts';
import { getSsoDeps } from '../sso-deps.ts';
import { publicRoute } from './adapter.ts';
import { signedInAnswer, wantsJson } from './signed-in.ts';
import { clientAddressOf, siteOf } from './request.ts';
import {
  clearSsoSignedOutCookie,
  clearSsoStateCookie,
  readCookie,
  ssoStateCookieName,
} from './sso-cookies.ts';
import { signInRefusal } from './sign-in-refusal.ts';
import { ssoPage } from './sso-start.ts';
import { setTicketCookie } from './ticket-cookie.ts';

/** Query parameters longer than this are not from a provider. */
const maxParameterLength = 4096;

function parameter(query: Record<string, string | undefined>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (value.length > maxParameterLength) throw new AppError('bad_request', `"${name}" is too long`);
  return value;
}

/**
 * `GET /auth/sso/callback`: where the provider sends the browser back. On success the ticket
 * cookie is set (persistent when the site opted in for SSO users) and the browser goes to the
 * client app; otherwise a page (or JSON) says why. The state cookie is cleared either way.
 */
export const handler = publicRoute(async (event, deps) => {
  const site = siteOf(event);
  const cookies = [clearSsoStateCookie(site)];
  try {
    const { signIn } = getSsoDeps(deps);
    assertSsoOffered(signIn?.rules, site);
    const query = event.queryStringParameters ?? {};
    const { user, ticket, persistentSeconds } = await completeSsoSignIn(signIn, {
      site,
      sourceAddress: clientAddressOf(event, deps.env),
      state: parameter(query, 'state'),
      cookieState: readCookie(event.cookies, ssoStateCookieName(site)),
      code: parameter(query, 'code'),
      error: parameter(query, 'error'),
    });
    cookies.push(setTicketCookie(site, ticket.token, persistentSeconds), clearSsoSignedOutCookie(site));
    return signedInAnswer({ user, ticket }, { asJson: wantsJson(event.headers), cookies });
  } catch (err) {
    return signInRefusal(event, err, ssoPage, cookies);
  }
});
