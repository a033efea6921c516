import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { sessionOf, type AuditLog } from '../audit/audit-log.ts';
import type { Clock } from '../clock.ts';
import type { DirectoryStore } from '../directory/store.ts';
import { AppError } from '../errors.ts';
import type { DirectoryUser, Principal, Site } from '../model.ts';
import type { Regulator } from '../regulation/regulator.ts';
import type { IssuedTicket, Tickets } from '../tickets/tickets.ts';
import type { FactorStore, UserFactors } from '../two-factor/factor-store.ts';
import type { PendingTwoFactor, PendingTwoFactorStore } from '../two-factor/pending-store.ts';
import {
  checkFirstFactor,
  type FormsCredentials,
  type PasswordOnlyPolicy,
  type SignInContext,
} from './forms.ts';
import { grantTicket, recordRefusal } from './grant.ts';

export interface TwoFactorRules {
  /** Sites that offer two-factor sign-in. */
  readonly sites: readonly Site[];
  /** Sites where password-only (forms) sign-in is refused: two-factor is required there. */
  readonly requiredSites: readonly Site[];
  /** How long the second step may take after the password was accepted. */
  readonly pendingSeconds: number;
  /** The issuer authenticator apps show next to the account. */
  readonly totpIssuer: string;
}

export interface TwoFactorDeps {
  readonly rules: TwoFactorRules;
  readonly factors: FactorStore;
  readonly pending: PendingTwoFactorStore;
  readonly directory: DirectoryStore;
  readonly regulator: Regulator;
  readonly tickets: Tickets;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly legacyUrl: string | undefined;
}

export type SecondFactorKind = 'totp' | 'security-key';

export interface SecondStep {
  /** Travels in the browser's two-factor cookie; names the pending sign-in. */
  readonly token: string;
  readonly maxAgeSeconds: number;
  readonly methods: readonly SecondFactorKind[];
}

export interface TwoFactorSignedIn {
  readonly user: DirectoryUser;
  readonly ticket: IssuedTicket;
}

/** RFC 6238 as authenticator apps implement it: SHA-1, 6 digits, 30-second steps. */
const totpPeriodSeconds = 30;
/** One step either side, for clocks that are a little apart. */
const totpWindow = 1;

export function totpOf(issuer: string, sipUri: string, secret: string): TOTP {
  return new TOTP({
    issuer,
    label: sipUri.replace(/^sip:/, ''),
    algorithm: 'SHA1',
    digits: 6,
    period: totpPeriodSeconds,
    secret: Secret.fromBase32(secret),
  });
}

/** Two-factor sign-in must be switched on for the site the request came through. */
export function assertTwoFactorOffered(rules: Pick<TwoFactorRules, 'sites'>, site: Site): void {
  if (!rules.sites.includes(site)) {
    throw new AppError('two_factor_not_configured', 'Two-factor sign-in is not available on this site.');
  }
}

const methodsOf = (factors: UserFactors): SecondFactorKind[] => [
  ...(factors.totp?.active ? (['totp'] as const) : []),
  ...(factors.securityKeys.length > 0 ? (['security-key'] as const) : []),
];

/**
 * Whether password-only sign-in is allowed: not on a site that requires two-factor sign-in, and not
 * for a user an administrator requires it of. Forms sign-in asks this after the password was right.
 */
export function passwordOnlyPolicy(deps: Pick<TwoFactorDeps, 'rules'>): PasswordOnlyPolicy {
  return {
    async assertPasswordOnlyAllowed(user, site) {
      // The user's flag comes with the directory read sign-in made anyway: no extra request.
      if (deps.rules.requiredSites.includes(site) || user.twoFactorRequired === true) {
        throw new AppError(
          'two_factor_required',
          'This account must sign in with a second factor: use the two-factor sign-in at /auth/two-factor.',
          { location: '/auth/two-factor' },
        );
      }
    },
  };
}

/**
 * The first step of two-factor sign-in: the password, exactly as forms sign-in checks it (HTTPS,
 * the regulator, one answer for unknown users and wrong passwords). The user must have a second
 * factor; the answer names a pending sign-in (a few minutes) that the second step completes.
 */
export async function startTwoFactorSignIn(
  deps: TwoFactorDeps,
  credentials: FormsCredentials,
  context: SignInContext,
): Promise<SecondStep> {
  const audited = { method: 'two-factor', site: context.site, sourceAddress: context.sourceAddress } as const;
  const account = `${credentials.domain}\\${credentials.username}`;
  try {
    assertTwoFactorOffered(deps.rules, context.site);
    const user = await checkFirstFactor(deps, credentials, context);
    const methods = methodsOf(await deps.factors.factorsOf(user.sipUri));
    if (methods.length === 0) {
      throw new AppError(
        'two_factor_not_enrolled',
        'This account has no second factor yet. Sign in another way, then set one up at /auth/two-factor/enrol.',
      );
    }
    const token = randomBytes(32).toString('base64url');
    await deps.pending.put(token, {
      sipUri: user.sipUri,
      account,
      site: context.site,
      expiresAt: deps.clock.now() + deps.rules.pendingSeconds * 1000,
    });
    return { token, maxAgeSeconds: deps.rules.pendingSeconds, methods };
  } catch (err) {
    recordRefusal(deps.audit, audited, account, err);
    throw err;
  }
}

/** The pending sign-in a second step belongs to, if it is still current and on this site. */
export async function pendingSignIn(
  deps: Pick<TwoFactorDeps, 'pending' | 'clock'>,
  token: string | undefined,
  site: Site,
): Promise<PendingTwoFactor> {
  const pending = token ? await deps.pending.get(token) : undefined;
  if (!pending || pending.site !== site || deps.clock.now() >= pending.expiresAt) {
    throw new AppError(
      'two_factor_expired',
      'Sign in with your password again: the second step has expired.',
    );
  }
  return pending;
}

/** Checks a TOTP code for `sipUri` and spends its time step (a code is good once). */
async function spendTotpCode(
  deps: Pick<TwoFactorDeps, 'factors' | 'clock' | 'rules'>,
  sipUri: string,
  code: string,
  activate: boolean,
): Promise<'ok' | 'wrong' | 'reused'> {
  const totp = (await deps.factors.factorsOf(sipUri)).totp;
  if (!totp || totp.active === activate || !/^\d{6}$/.test(code)) return 'wrong';
  const generator = totpOf(deps.rules.totpIssuer, sipUri, totp.secret);
  const timestamp = deps.clock.now();
  const delta = generator.validate({ token: code, timestamp, window: totpWindow });
  if (delta === null) return 'wrong';
  const step = generator.counter({ timestamp }) + delta;
  return (await deps.factors.useTotpStep(sipUri, step, activate)) ? 'ok' : 'reused';
}

/** Ends a pending sign-in with a ticket: the same authorization policy and minting as every method. */
async function finish(
  deps: TwoFactorDeps,
  token: string,
  pending: PendingTwoFactor,
  context: SignInContext,
): Promise<TwoFactorSignedIn> {
  await deps.pending.delete(token);
  const user = await deps.directory.findBySipUri(pending.sipUri);
  if (!user) throw new AppError('two_factor_expired', 'Sign in with your password again.');
  const ticket = await grantTicket(deps, user, {
    method: 'two-factor',
    site: context.site,
    sourceAddress: context.sourceAddress,
  });
  return { user, ticket };
}

/** Runs a second step with the regulator around it and the audit trail after it. */
export async function secondStep(
  deps: TwoFactorDeps,
  token: string | undefined,
  context: SignInContext,
  check: (pending: PendingTwoFactor) => Promise<'ok' | 'wrong' | 'reused'>,
): Promise<TwoFactorSignedIn> {
  const audited = { method: 'two-factor', site: context.site, sourceAddress: context.sourceAddress } as const;
  let account = '?';
  try {
    const pending = await pendingSignIn(deps, token, context.site);
    account = pending.account;
    // The second factor counts against the same lock as the password.
    const regulated = { account: pending.account, sourceAddress: context.sourceAddress };
    await deps.regulator.regulated(regulated, async () => {
      const outcome = await check(pending);
      if (outcome !== 'ok') {
        throw outcome === 'reused'
          ? new AppError('second_factor_reused', 'That code was used already. Wait for the next one.')
          : new AppError('second_factor_invalid', 'The second factor is not correct.');
      }
    });
    return await finish(deps, token ?? '', pending, context);
  } catch (err) {
    recordRefusal(deps.audit, audited, account, err);
    throw err;
  }
}

/** The second step with a code from an authenticator app (RFC 6238, ±1 step, each code once). */
export function completeWithTotp(
  deps: TwoFactorDeps,
  token: string | undefined,
  code: string,
  context: SignInContext,
): Promise<TwoFactorSignedIn> {
  return secondStep(deps, token, context, (pending) =>
    spendTotpCode(deps, pending.sipUri, code.trim(), false),
  );
}

/** The signed-in session adding a second factor to its own account. */
export type Enroller = Pick<Principal, 'sipUri' | 'authMethod' | 'ticketId'>;

/**
 * Step-up for enrolment: the first second factor may be added from any session (a password one
 * included), but once the account has one that signs in (an active app or any security key),
 * adding another or replacing the app needs a session that was itself signed in with two-factor.
 * Otherwise a password alone (or a stolen ticket) could add the attacker's own factor and then pass
 * two-factor sign-in as the user. Asked when enrolment starts and again when it completes, so a
 * factor added in between still counts.
 */
export async function assertMayEnrol(
  deps: Pick<TwoFactorDeps, 'factors' | 'audit'>,
  user: Enroller,
  method: SecondFactorKind,
): Promise<void> {
  if (user.authMethod === 'two-factor') return;
  if (methodsOf(await deps.factors.factorsOf(user.sipUri)).length === 0) return;
  const error = new AppError(
    'two_factor_step_up_required',
    'This account already has a second factor. To add another or change it, sign in with two-factor sign-in (/auth/two-factor) first.',
    { location: '/auth/two-factor' },
  );
  deps.audit.record({
    event: 'two_factor.enrolment_refused',
    method,
    sipUri: user.sipUri,
    session: sessionOf(user.ticketId),
    sessionMethod: user.authMethod,
    reason: error.code,
  });
  throw error;
}

/** Records a second factor that was added. */
export function recordEnrolment(
  deps: Pick<TwoFactorDeps, 'audit'>,
  user: Enroller,
  method: SecondFactorKind,
): void {
  deps.audit.record({
    event: 'two_factor.enrolled',
    method,
    sipUri: user.sipUri,
    session: sessionOf(user.ticketId),
    sessionMethod: user.authMethod,
  });
}

export interface TotpEnrolment {
  /** Base32, for typing into an app. */
  readonly secret: string;
  /** `otpauth://totp/…`, for apps that read it (as a QR code, or a link on a phone). */
  readonly uri: string;
}

/**
 * Starts authenticator-app enrolment for a signed-in user: a new 160-bit secret, inactive until
 * the user proves the app has it with a correct code. An active one is not replaced. If the
 * account has a second factor already, the session must have signed in with it (step-up).
 */
export async function beginTotpEnrolment(
  deps: Pick<TwoFactorDeps, 'factors' | 'clock' | 'rules' | 'audit'>,
  user: Enroller,
): Promise<TotpEnrolment> {
  await assertMayEnrol(deps, user, 'totp');
  const secret = new Secret({ size: 20 }).base32;
  if (!(await deps.factors.putPendingTotp(user.sipUri, secret, deps.clock.now()))) {
    throw new AppError(
      'two_factor_already_enrolled',
      'An authenticator app is already set up for this account.',
    );
  }
  return { secret, uri: totpOf(deps.rules.totpIssuer, user.sipUri, secret).toString() };
}

/**
 * Activates the pending authenticator app with its first correct code (which is then spent), under
 * the same step-up rule as starting it.
 */
export async function confirmTotpEnrolment(
  deps: Pick<TwoFactorDeps, 'factors' | 'clock' | 'rules' | 'audit'>,
  user: Enroller,
  code: string,
): Promise<void> {
  await assertMayEnrol(deps, user, 'totp');
  const outcome = await spendTotpCode(deps, user.sipUri, code.trim(), true);
  if (outcome !== 'ok') {
    throw new AppError(
      'second_factor_invalid',
      'The code is not correct: check the app and try the next one.',
    );
  }
  recordEnrolment(deps, user, 'totp');
}
