import { AppError } from '../errors.ts';
import { normalizeSipUri, type DirectoryStore } from '../directory/store.ts';
import { assertAccess } from '../policy/access.ts';
import type { Regulator } from '../regulation/regulator.ts';
import { sessionOf, type AuditLog } from '../audit/audit-log.ts';
import type { DirectoryUser, Site } from '../model.ts';
import type { IssuedTicket, Tickets } from '../tickets/tickets.ts';

export interface FormsCredentials {
  readonly domain: string;
  readonly username: string;
  readonly password: string;
  /** When given, it must be the SIP URI of the account the credentials name. */
  readonly sipUri: string | undefined;
}

/** How the request reached us; decided by the adapter from the gateway's view of the connection. */
export interface SignInContext {
  readonly site: Site;
  /** HTTPS, or loopback (a developer's own machine). */
  readonly secureTransport: boolean;
  /** The client's address as the gateway saw it, for brute-force regulation. */
  readonly sourceAddress: string;
}

export interface FormsSignInDeps {
  readonly directory: DirectoryStore;
  readonly tickets: Tickets;
  readonly regulator: Regulator;
  readonly audit: AuditLog;
  readonly legacyUrl: string | undefined;
  /** Unset = password-only sign-in is allowed everywhere. */
  readonly passwordOnly?: PasswordOnlyPolicy;
}

export interface SignedIn {
  readonly user: DirectoryUser;
  readonly ticket: IssuedTicket;
}

/**
 * Forms sign-in: checks the domain, user name and password, then the authorization policy in the
 * original's order (SIP URI, enabled, remote access, enhanced presence), then mints a ticket.
 * Unknown users and wrong passwords get one answer, after the same password-hashing work; repeated
 * failures lock the account name and the source address for a while (`too_many_attempts`).
 */
export async function signInWithForms(
  deps: FormsSignInDeps,
  credentials: FormsCredentials,
  context: SignInContext,
): Promise<SignedIn> {
  const audited = { method: 'forms', site: context.site, sourceAddress: context.sourceAddress } as const;
  try {
    const signedIn = await checkAndIssue(deps, credentials, context);
    deps.audit.record({
      event: 'signin.succeeded',
      ...audited,
      sipUri: signedIn.user.sipUri,
      session: sessionOf(signedIn.ticket.record.ticketId),
    });
    return signedIn;
  } catch (err) {
    if (err instanceof AppError) {
      const account = `${credentials.domain}\\${credentials.username}`;
      deps.audit.record({ event: 'signin.failed', ...audited, account, reason: err.code });
    }
    throw err;
  }
}

/**
 * Whether password-only sign-in is allowed for this user on this site (an administrator may
 * require two-factor sign-in per site or per user); when not, forms sign-in refuses.
 */
export interface PasswordOnlyPolicy {
  assertPasswordOnlyAllowed(user: DirectoryUser, site: Site): Promise<void>;
}

async function checkAndIssue(
  deps: FormsSignInDeps,
  credentials: FormsCredentials,
  context: SignInContext,
): Promise<SignedIn> {
  const user = await checkFirstFactor(deps, credentials, context);
  await deps.passwordOnly?.assertPasswordOnlyAllowed(user, context.site);
  assertAccess(user, { site: context.site, legacyUrl: deps.legacyUrl });
  const ticket = await deps.tickets.issue(user, context.site, 'forms');
  return { user, ticket };
}

/**
 * The password step every password sign-in shares (forms, and the first step of two-factor): HTTPS,
 * the regulator, the same answer for unknown users and wrong passwords, and the SIP URI check.
 */
export async function checkFirstFactor(
  deps: Pick<FormsSignInDeps, 'directory' | 'regulator'>,
  credentials: FormsCredentials,
  context: SignInContext,
): Promise<DirectoryUser> {
  if (!context.secureTransport) {
    throw new AppError('https_required', 'Sign in over HTTPS: credentials are never accepted in the clear.');
  }
  const regulated = {
    account: `${credentials.domain}\\${credentials.username}`,
    sourceAddress: context.sourceAddress,
  };
  // The attempt is counted before the password is checked (so parallel guesses cannot all get
  // through) and given back unless the password was wrong: a directory that cannot answer throws
  // `directory_unavailable` here, which counts nothing and signs nobody in.
  const user = await deps.regulator.regulated(regulated, async () => {
    const found = await deps.directory.authenticate(
      credentials.domain,
      credentials.username,
      credentials.password,
    );
    if (!found) {
      throw new AppError('invalid_credentials', 'The domain, user name or password is not correct.');
    }
    return found;
  });
  if (credentials.sipUri !== undefined && normalizeSipUri(credentials.sipUri) !== user.sipUri) {
    throw new AppError('sip_uri_mismatch', 'The sign-in address does not belong to these credentials.');
  }
  return user;
}
