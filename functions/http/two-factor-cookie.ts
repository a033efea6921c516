import { stringifySetCookie } from 'cookie';
import type { Site } from '../core/model.ts';
import { readCookie } from './sso-cookies.ts';

/**
 * The cookie that carries a two-factor sign-in from the password step to the second step: like the
 * ticket cookie (HttpOnly, Secure, SameSite=Strict, `__Host-`), but it lives only a few minutes and
 * names a pending sign-in, never a session.
 */
const attributes = { httpOnly: true, secure: true, sameSite: 'strict', path: '/' } as const;

export const twoFactorCookieName = (site: Site): string => `__Host-cwa-2fa-${site}`;

export const setTwoFactorCookie = (site: Site, token: string, maxAgeSeconds: number): string =>
  stringifySetCookie(twoFactorCookieName(site), token, { ...attributes, maxAge: maxAgeSeconds });

export const clearTwoFactorCookie = (site: Site): string =>
  stringifySetCookie(twoFactorCookieName(site), '', { ...attributes, expires: new Date(0) });

export const readTwoFactorCookie = (cookies: readonly string[] | undefined, site: Site): string | undefined =>
  readCookie(cookies, twoFactorCookieName(site));
