import { createHash, type KeyObject } from 'node:crypto';
import { errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Clock } from '../clock.ts';
import type { DirectoryStore } from '../directory/store.ts';
import type { ReplayCache } from '../kerberos/replay-cache.ts';
import { AppError } from '../errors.ts';
import type { DirectoryUser, Site } from '../model.ts';
import type { IssuedTicket, Tickets } from '../tickets/tickets.ts';
import { userOfClaims, type ClaimMapping } from './claim-user.ts';
import { grantTicket, recordRefusal } from './grant.ts';

/** What an assertion must be to be believed. */
export interface AssertionRules extends ClaimMapping {
  readonly sites: readonly Site[];
  readonly issuer: string | undefined;
  readonly audience: string;
  readonly maxAgeSeconds: number;
  readonly clockToleranceSeconds: number;
}

export interface AssertionSignInDeps {
  /** The upstream's public key, or its JWKS (fetched with a timeout, cached, refetched for a new key id). */
  readonly key: KeyObject | JWTVerifyGetKey;
  readonly algorithms: readonly string[];
  readonly rules: AssertionRules;
  readonly directory: DirectoryStore;
  readonly tickets: Tickets;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly legacyUrl: string | undefined;
  /** Assertions already used, across every instance: each is good for one sign-in. */
  readonly replayCache: ReplayCache;
}

export interface AssertionContext {
  readonly site: Site;
  readonly sourceAddress: string;
}

export interface AssertionSignedIn {
  readonly user: DirectoryUser;
  readonly ticket: IssuedTicket;
}

/** Assertions larger than this are not from an upstream authenticator. */
const maxAssertionLength = 8 * 1024;

const invalid = (why: string): AppError =>
  new AppError('assertion_invalid', `The sign-in assertion could not be trusted: ${why}.`);

/** Assertion sign-in must be switched on for the site the request came through. */
export function assertAssertionOffered(
  rules: Pick<AssertionRules, 'sites'> | undefined,
  site: Site,
): asserts rules {
  if (!rules || !rules.sites.includes(site)) {
    throw new AppError(
      'assertion_not_configured',
      'Sign-in through an upstream authenticator is not available on this site.',
    );
  }
}

async function verify(deps: AssertionSignInDeps, token: string): Promise<Record<string, unknown>> {
  const { rules } = deps;
  const options = {
    algorithms: [...deps.algorithms],
    audience: rules.audience,
    ...(rules.issuer ? { issuer: rules.issuer } : {}),
    maxTokenAge: rules.maxAgeSeconds,
    clockTolerance: rules.clockToleranceSeconds,
    requiredClaims: ['iat', 'exp'],
    currentDate: new Date(deps.clock.now()),
  };
  try {
    const { payload } =
      typeof deps.key === 'function'
        ? await jwtVerify(token, deps.key, options)
        : await jwtVerify(token, deps.key, options);
    return payload;
  } catch (err) {
    throw refusalOf(err);
  }
}

/**
 * Spends the assertion: its issuer and `jti` when it has one, otherwise its whole verified claims
 * set. Never its signature or encoding, which a replayer can change without the key (an ECDSA
 * signature has two valid forms, and base64url more than one spelling). Kept until the assertion
 * could no longer be accepted anyway: its expiry or its maximum age, whichever comes first.
 */
async function useOnce(deps: AssertionSignInDeps, claims: Record<string, unknown>): Promise<void> {
  const { rules } = deps;
  const identity =
    typeof claims.jti === 'string' && claims.jti !== ''
      ? JSON.stringify(['jti', claims.iss ?? null, claims.jti])
      : JSON.stringify(['claims', claims]);
  const key = `assertion:${createHash('sha256').update(identity).digest('base64url')}`;
  const until = Math.min(Number(claims.exp), Number(claims.iat) + rules.maxAgeSeconds);
  const expiresAt = (until + rules.clockToleranceSeconds) * 1000 + 1000;
  const now = deps.clock.now();
  if (!(await deps.replayCache.remember(key, expiresAt, now))) {
    throw new AppError('assertion_replayed', 'This sign-in assertion was used already; sign in again.');
  }
}

function refusalOf(err: unknown): AppError {
  if (err instanceof joseErrors.JWTExpired) {
    return new AppError('assertion_expired', 'The sign-in assertion is too old; sign in again.');
  }
  if (
    err instanceof joseErrors.JWKSTimeout ||
    err instanceof joseErrors.JWKSInvalid ||
    !(err instanceof joseErrors.JOSEError)
  ) {
    return new AppError(
      'assertion_keys_unavailable',
      "The upstream authenticator's keys could not be fetched. Try again in a moment.",
    );
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed)
    return invalid('it is not signed with an accepted algorithm');
  if (err instanceof joseErrors.JWTClaimValidationFailed) return invalid(`its "${err.claim}" claim is wrong`);
  if (err instanceof joseErrors.JWKSNoMatchingKey) return invalid('it is signed with an unknown key');
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return invalid('its signature is wrong');
  return invalid('it is malformed');
}

/**
 * Sign-in asserted by a trusted upstream authenticator (reverse proxy, another vendor's filter):
 * the assertion is a JWT signed with the upstream's key (asymmetric algorithms only), for this
 * service (audience), recent (`iat` within the maximum age) and unexpired. Its claim names the
 * directory user; then the same authorization policy and ticket as every sign-in.
 */
export async function signInWithAssertion(
  deps: AssertionSignInDeps,
  assertion: string | undefined,
  context: AssertionContext,
): Promise<AssertionSignedIn> {
  const audited = { method: 'assertion', site: context.site, sourceAddress: context.sourceAddress } as const;
  let account = 'assertion:?';
  try {
    assertAssertionOffered(deps.rules, context.site);
    if (!assertion) {
      throw new AppError(
        'assertion_required',
        'This address signs in people whom the organisation’s sign-in gateway has authenticated; none came with this request.',
      );
    }
    if (assertion.length > maxAssertionLength) throw invalid('it is too long');
    const claims = await verify(deps, assertion.trim());
    await useOnce(deps, claims);
    account = `assertion:${String(claims[deps.rules.userClaim] ?? claims.sub).slice(0, 256)}`;
    const user = await userOfClaims(
      deps.directory,
      deps.rules,
      claims,
      'assertion_user_unknown',
      'upstream authenticator',
    );
    const ticket = await grantTicket(deps, user, audited);
    return { user, ticket };
  } catch (err) {
    recordRefusal(deps.audit, audited, account, err);
    throw err;
  }
}
