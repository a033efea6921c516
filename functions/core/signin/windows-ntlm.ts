import { randomBytes } from 'node:crypto';
import { AppError } from '../errors.ts';
import {
  answerProves,
  assertTargetName,
  issueChallenge,
  readAnswer,
  type NtlmAcceptorDeps,
} from '../ntlm/acceptor.ts';
import { assertInternal, domainOfRealm, type WindowsContext, type WindowsSignInDeps } from './windows.ts';
import type { SignedIn } from './forms.ts';
import { grantTicket, recordRefusal } from './grant.ts';

/** How an NTLM leg reached us. */
export interface NtlmContext extends WindowsContext {
  /** HTTPS, or a loopback client: NTLM answers are never taken in the clear. */
  readonly secureTransport: boolean;
  /**
   * The site's configured public origins: the only servers an answer may have been made for.
   * Never the request's `Host` or `X-Forwarded-Host`, which whoever relays an answer chooses.
   */
  readonly publicOrigins: readonly string[];
}

/** The account an NTLM answer names: `DOMAIN\user` (or `user@dns.domain`), its domain mapped as a realm's. */
export function accountOfAnswer(
  answer: { readonly user: string; readonly domain: string },
  deps: { readonly realmDomains: ReadonlyMap<string, string> },
  ntlmDomain: string,
): { domain: string; username: string } {
  let { user, domain } = answer;
  const at = user.lastIndexOf('@');
  if (domain === '' && at > 0) [user, domain] = [user.slice(0, at), user.slice(at + 1)];
  return { domain: domain === '' ? ntlmDomain : domainOfRealm(domain, deps.realmDomains), username: user };
}

function enabledNtlm(deps: WindowsSignInDeps): NtlmAcceptorDeps {
  if (!deps.ntlm) {
    throw new AppError(
      'ntlm_not_enabled',
      'NTLM sign-in is not enabled on this server: use Kerberos or the form.',
    );
  }
  return deps.ntlm;
}

function assertChecks(deps: WindowsSignInDeps, context: NtlmContext): NtlmAcceptorDeps {
  assertInternal(context.site);
  const ntlm = enabledNtlm(deps);
  if (!context.secureTransport) {
    throw new AppError('https_required', 'Sign in over HTTPS: NTLM answers are never accepted in the clear.');
  }
  return ntlm;
}

/** Stands in for the NT hash of an account without one, so every refusal does the same work. */
const noAccountHash = randomBytes(16);

/**
 * NTLM, first leg: answers the client's NEGOTIATE message with a CHALLENGE message, kept
 * server-side (DynamoDB) for the second leg, which may reach another Lambda instance.
 */
export async function challengeNtlm(
  deps: WindowsSignInDeps,
  token: Buffer,
  context: NtlmContext,
): Promise<Buffer> {
  try {
    return await issueChallenge(assertChecks(deps, context), token);
  } catch (err) {
    if (err instanceof AppError) {
      deps.audit.record({
        event: 'signin.failed',
        method: 'ntlm',
        site: context.site,
        sourceAddress: context.sourceAddress,
        account: 'ntlm:?',
        reason: err.code,
      });
    }
    throw err;
  }
}

/**
 * NTLM, second leg: verifies the NTLMv2 answer to our challenge against the NT hash of the account
 * (only accounts with NTLM enabled have one), then the same authorization policy and ticket
 * minting as every sign-in. Unknown accounts, accounts without NTLM and wrong passwords get one
 * answer, `invalid_credentials`, and count towards the same regulation as forms sign-in.
 */
export async function signInWithNtlm(
  deps: WindowsSignInDeps,
  token: Buffer,
  context: NtlmContext,
): Promise<SignedIn> {
  const audited = { method: 'ntlm', site: context.site, sourceAddress: context.sourceAddress } as const;
  let account = 'ntlm:?';
  try {
    const ntlm = assertChecks(deps, context);
    const answer = await readAnswer(ntlm, token);
    const { domain, username } = accountOfAnswer(answer, deps, ntlm.domain);
    account = `${domain}\\${username}`;
    // Relay protection: an answer the client made for another server is refused
    // (docs/sign-in/windows.md, "Relay protection").
    assertTargetName(answer, context.publicOrigins);
    const regulated = { account, sourceAddress: context.sourceAddress };
    const identity = await deps.regulator.regulated(regulated, async () => {
      const found = await deps.identities.findNtlm(domain, username);
      const proves = answerProves(answer, found?.ntHash ?? noAccountHash);
      if (!found || !proves) {
        throw new AppError('invalid_credentials', 'The domain, user name or password is not correct.');
      }
      return found;
    });
    const user = await deps.directory.findBySipUri(identity.sipUri);
    if (!user) {
      throw new AppError(
        'windows_user_unknown',
        `The Windows account ${account} is not a user of this service.`,
      );
    }
    const ticket = await grantTicket(deps, user, audited, { account });
    return { user, ticket };
  } catch (err) {
    recordRefusal(deps.audit, audited, account, err);
    throw err;
  }
}
