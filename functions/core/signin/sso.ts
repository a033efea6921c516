import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { sessionOf, type AuditLog } from '../audit/audit-log.ts';
import type { Clock } from '../clock.ts';
import type { DirectoryStore } from '../directory/store.ts';
import { AppError } from '../errors.ts';
import type { DirectoryUser, Site } from '../model.ts';
import { assertAccess } from '../policy/access.ts';
import { userOfClaims, type ClaimMapping } from './claim-user.ts';
import type { IdTokenClaims } from '../sso/id-token.ts';
import type { SsoLoginStore } from '../sso/login-store.ts';
import type { OpenIdProvider } from '../sso/openid-provider.ts';
import type { SsoSessionStore } from '../sso/session-store.ts';
import type { IssuedTicket, TicketOptions, Tickets } from '../tickets/tickets.ts';
import type { TicketRecord } from '../tickets/store.ts';
import { recordRefusal } from './grant.ts';

/** How SSO identities become directory users, and the per-site session rules. */
export interface SsoRules extends ClaimMapping {
  readonly sites: readonly Site[];
  readonly loginSeconds: number;
  readonly perSite: Readonly<
    Record<
      Site,
      { readonly idleSeconds: number | undefined; readonly persistentCookieSeconds: number | undefined }
    >
  >;
}

export interface SsoSignInDeps {
  readonly provider: OpenIdProvider;
  readonly logins: SsoLoginStore;
  readonly sessions: SsoSessionStore;
  readonly directory: DirectoryStore;
  readonly tickets: Tickets;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly legacyUrl: string | undefined;
  readonly rules: SsoRules;
}

export interface SsoStart {
  /** The provider's authorization URL to send the browser to. */
  readonly location: string;
  /** The `state` the browser must bring back (it travels in the SSO state cookie). */
  readonly state: string;
  readonly maxAgeSeconds: number;
}

export interface SsoReturn {
  readonly site: Site;
  readonly sourceAddress: string;
  /** The `state` of the callback's query, and the one the state cookie holds. */
  readonly state: string | undefined;
  readonly cookieState: string | undefined;
  readonly code: string | undefined;
  /** The provider's `error` parameter when it refused (e.g. `access_denied`). */
  readonly error: string | undefined;
}

export interface SsoSignedIn {
  readonly user: DirectoryUser;
  readonly ticket: IssuedTicket;
  /** Set when this site gives SSO users a persistent ticket cookie: its Max-Age. */
  readonly persistentSeconds: number | undefined;
}

const random = (): string => randomBytes(32).toString('base64url');

const sameText = (a: string, b: string): boolean => {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
};

/** SSO must be switched on for the site the request came through. */
export function assertSsoOffered(rules: Pick<SsoRules, 'sites'> | undefined, site: Site): asserts rules {
  if (!rules || !rules.sites.includes(site)) {
    throw new AppError('sso_not_configured', 'Single sign-on is not available on this site.');
  }
}

/**
 * Starts an authorization-code sign-in with PKCE: a fresh `state`, `nonce` and code verifier, kept
 * server-side under the state (single use, for `loginSeconds`), and the provider URL to go to.
 */
export async function startSsoSignIn(
  deps: SsoSignInDeps,
  request: { readonly site: Site; readonly redirectUri: string; readonly forceLogin: boolean },
): Promise<SsoStart> {
  assertSsoOffered(deps.rules, request.site);
  const state = random();
  const nonce = random();
  const codeVerifier = random();
  const codeChallenge = createHash('sha256').update(codeVerifier).digest('base64url');
  // Ask the provider first: if it is down, nothing is stored and the user sees why.
  const location = await deps.provider.authorizationUrl({
    redirectUri: request.redirectUri,
    state,
    nonce,
    codeChallenge,
    forceLogin: request.forceLogin,
  });
  await deps.logins.put(state, {
    site: request.site,
    nonce,
    codeVerifier,
    redirectUri: request.redirectUri,
    expiresAt: deps.clock.now() + deps.rules.loginSeconds * 1000,
  });
  return { location, state, maxAgeSeconds: deps.rules.loginSeconds };
}

const stateInvalid = (why: string): AppError =>
  new AppError(
    'sso_state_invalid',
    `This sign-in cannot be completed: ${why}. Start again from the sign-in page.`,
  );

/**
 * Completes an SSO sign-in at the callback: the `state` must be the one this browser was given (its
 * cookie) and still pending (used once, not expired); the code is redeemed with the PKCE verifier;
 * the ID token is verified (aws-jwt-verify: signature, issuer, audience, expiry; then the nonce);
 * its claim names a directory user; then the same authorization policy and ticket as every sign-in.
 */
export async function completeSsoSignIn(deps: SsoSignInDeps, back: SsoReturn): Promise<SsoSignedIn> {
  const audited = { method: 'sso', site: back.site, sourceAddress: back.sourceAddress } as const;
  let account = 'sso:?';
  try {
    assertSsoOffered(deps.rules, back.site);
    if (!back.state) throw stateInvalid('the identity provider sent no state');
    if (!back.cookieState || !sameText(back.cookieState, back.state)) {
      throw stateInvalid('it was not started in this browser');
    }
    const login = await deps.logins.take(back.state);
    if (!login) throw stateInvalid('it was completed already or has expired');
    if (login.site !== back.site || deps.clock.now() >= login.expiresAt) throw stateInvalid('it has expired');
    if (back.error !== undefined) {
      const reason = /^[\w.-]{1,64}$/.test(back.error) ? back.error : 'refused';
      throw new AppError('sso_denied', `The identity provider did not sign you in (${reason}).`);
    }
    if (!back.code) throw new AppError('bad_request', 'The identity provider sent no authorization code.');
    const { idToken, claims } = await deps.provider.redeem({
      code: back.code,
      redirectUri: login.redirectUri,
      codeVerifier: login.codeVerifier,
      nonce: login.nonce,
    });
    account = `sso:${String(claims[deps.rules.userClaim] ?? claims.sub).slice(0, 256)}`;
    const user = await userOfIdToken(deps, claims);
    assertAccess(user, { site: back.site, legacyUrl: deps.legacyUrl });
    const policy = deps.rules.perSite[back.site];
    const options: TicketOptions = {
      ...(policy.idleSeconds ? { idleSeconds: policy.idleSeconds } : {}),
      ...(policy.persistentCookieSeconds
        ? { lifetimeSeconds: policy.persistentCookieSeconds, persistent: true }
        : {}),
    };
    const ticket = await deps.tickets.issue(user, back.site, 'sso', options);
    await deps.sessions.put(ticket.record.ticketId, idToken, ticket.record.expiresAt);
    deps.audit.record({
      event: 'signin.succeeded',
      ...audited,
      sipUri: user.sipUri,
      session: sessionOf(ticket.record.ticketId),
    });
    return { user, ticket, persistentSeconds: policy.persistentCookieSeconds };
  } catch (err) {
    recordRefusal(deps.audit, audited, account, err);
    throw err;
  }
}

/**
 * Which directory user the ID token names, through the configured claim: as a SIP address, or as
 * an account (`user@dns.domain`, whose DNS domain maps to a directory domain, or `DOMAIN\user`).
 * An e-mail names someone only when the provider says it verified it (`email_verified`): at many
 * providers users set their own e-mail address, and an unverified one could name anybody.
 */
export async function userOfIdToken(
  deps: Pick<SsoSignInDeps, 'directory' | 'rules'>,
  claims: IdTokenClaims,
): Promise<DirectoryUser> {
  const verified = claims.email_verified === true || claims.email_verified === 'true';
  if (deps.rules.userClaim === 'email' && !verified) {
    throw new AppError(
      'sso_user_unknown',
      'The identity provider has not verified this e-mail address; ask your administrator to map another claim.',
    );
  }
  return userOfClaims(deps.directory, deps.rules, claims, 'sso_user_unknown', 'identity provider');
}

/**
 * After an SSO ticket was revoked by sign-out: the provider's end-session URL (RP-initiated logout
 * with `id_token_hint`, returning to `postLogoutRedirectUri`), or undefined when the provider has no
 * such endpoint or cannot be reached right now (the user then lands on the sign-out page directly).
 */
export async function ssoEndSessionLocation(
  deps: Pick<SsoSignInDeps, 'provider' | 'sessions'>,
  record: TicketRecord,
  postLogoutRedirectUri: string,
): Promise<string | undefined> {
  const idToken = await deps.sessions.take(record.ticketId);
  try {
    return await deps.provider.endSessionUrl(idToken, postLogoutRedirectUri);
  } catch (err) {
    if (err instanceof AppError) return undefined;
    throw err;
  }
}
