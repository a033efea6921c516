import { assertSsoOffered, startSsoSignIn } from '../core/signin/sso.ts';
import { getSsoDeps } from '../sso-deps.ts';
import { publicRoute } from './adapter.ts';
import { siteOf } from './request.ts';
import { redirect } from './respond.ts';
import { siteOriginOf } from './site-origin.ts';
import { readCookie, setSsoStateCookie, ssoSignedOutCookieName } from './sso-cookies.ts';
import { signInRefusal } from './sign-in-refusal.ts';

/** Where the provider sends the browser back. */
export const ssoCallbackPath = '/auth/sso/callback';

/** How SSO refusal pages name the method. */
export const ssoPage = { title: 'Single sign-on', retryPath: '/auth/sso' } as const;

/**
 * `GET /auth/sso`: starts single sign-on. The browser is sent to the provider's authorization
 * endpoint (code flow, PKCE, state and nonce) with the state in a SameSite=Lax cookie. After a
 * sign-out, the provider is asked to authenticate the user again (`prompt=login`).
 */
export const handler = publicRoute(async (event, deps) => {
  const site = siteOf(event);
  try {
    const { signIn } = getSsoDeps(deps);
    assertSsoOffered(signIn?.rules, site);
    const start = await startSsoSignIn(signIn, {
      site,
      redirectUri: `${siteOriginOf(event)}${ssoCallbackPath}`,
      forceLogin: readCookie(event.cookies, ssoSignedOutCookieName(site)) !== undefined,
    });
    return redirect(start.location, { cookies: [setSsoStateCookie(site, start.state, start.maxAgeSeconds)] });
  } catch (err) {
    return signInRefusal(event, err, ssoPage);
  }
});
