import { assertSsoOffered, startSsoSignIn } from '../core/signin/sso.ts';
import { getSsoDeps } from '../sso-deps.ts';
import { publicRoute } from './adapter.ts';
import { siteOf } from './request.ts';
import { redirect } from './respond.ts';
import { requestOriginOf, siteOriginOf } from './site-origin.ts';
import { readCookie, setSsoStateCookie, ssoSignedOutCookieName } from './sso-cookies.ts';
import { signInRefusal } from './sign-in-refusal.ts';

/** Where the provider sends the browser back. */
export const ssoCallbackPath = '/auth/sso/callback';

/** How SSO refusal pages name the method. */
export const ssoPage = { title: 'Single sign-on', retryPath: '/auth/sso' } as const;

/**
 * `GET /auth/sso`: starts single sign-on. The browser is sent to the provider's authorization
 * endpoint (code flow, PKCE, state and nonce) with the state in a SameSite=Lax cookie. After a
 * sign-out, the provider is asked to authenticate the user again (`prompt=login`). The provider
 * sends the browser back to the site's canonical public origin, so a browser that came to another
 * of its public origins (locally `http://127.0.0.1:8080`, where `http://localhost:8080` is the
 * canonical one) is first sent there: the state cookie must be set where the callback reads it.
 */
export const handler = publicRoute(async (event, deps) => {
  const site = siteOf(event);
  const canonical = siteOriginOf(site, deps.env);
  if (requestOriginOf(event, site, deps.env) !== canonical) {
    return redirect(`${canonical}${event.rawPath}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`);
  }
  try {
    const { signIn } = getSsoDeps(deps);
    assertSsoOffered(signIn?.rules, site);
    const start = await startSsoSignIn(signIn, {
      site,
      redirectUri: `${canonical}${ssoCallbackPath}`,
      forceLogin: readCookie(event.cookies, ssoSignedOutCookieName(site)) !== undefined,
    });
    return redirect(start.location, { cookies: [setSsoStateCookie(site, start.state, start.maxAgeSeconds)] });
  } catch (err) {
    return signInRefusal(event, err, ssoPage);
  }
});
