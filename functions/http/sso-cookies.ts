import { parseCookie, stringifySetCookie } from 'cookie';
import type { Site } from '../core/model.ts';

/**
 * The SSO cookies. Unlike the ticket cookie they are SameSite=Lax: the browser must send them on
 * the provider's cross-site redirect back to the callback (a top-level GET), which Strict forbids.
 * They carry no authority of their own: the state cookie only ties a callback to the browser that
 * started the sign-in (login CSRF), and the signed-out mark only makes the provider ask again.
 */
const lax = { httpOnly: true, secure: true, sameSite: 'lax', path: '/' } as const;

export const ssoStateCookieName = (site: Site): string => `__Host-cwa-sso-state-${site}`;
export const ssoSignedOutCookieName = (site: Site): string => `__Host-cwa-sso-signed-out-${site}`;

/** How long the signed-out mark makes the next SSO sign-in ask the provider for credentials again. */
const signedOutMarkSeconds = 30 * 24 * 60 * 60;

export const setSsoStateCookie = (site: Site, state: string, maxAgeSeconds: number): string =>
  stringifySetCookie(ssoStateCookieName(site), state, { ...lax, maxAge: maxAgeSeconds });

export const clearSsoStateCookie = (site: Site): string =>
  stringifySetCookie(ssoStateCookieName(site), '', { ...lax, expires: new Date(0) });

export const setSsoSignedOutCookie = (site: Site): string =>
  stringifySetCookie(ssoSignedOutCookieName(site), '1', { ...lax, maxAge: signedOutMarkSeconds });

export const clearSsoSignedOutCookie = (site: Site): string =>
  stringifySetCookie(ssoSignedOutCookieName(site), '', { ...lax, expires: new Date(0) });

/** A cookie's value from an API Gateway v2 event's cookie list. */
export function readCookie(cookies: readonly string[] | undefined, name: string): string | undefined {
  for (const header of cookies ?? []) {
    const value = parseCookie(header)[name];
    if (value) return value;
  }
  return undefined;
}
