import type { DirectoryStore } from '../directory/store.ts';
import { normalizeSipUri } from '../directory/store.ts';
import { AppError, type ErrorCode } from '../errors.ts';
import type { DirectoryUser } from '../model.ts';

/** How an identity stated by someone we trust (a provider, a proxy) names a directory user. */
export interface ClaimMapping {
  /** The claim naming the user. */
  readonly userClaim: string;
  /** `sip`: the claim is the SIP address (`alice@contoso.com`); `account`: `user@dns.domain` or `DOMAIN\user`. */
  readonly userMapping: 'sip' | 'account';
  /** DNS domain (upper case) → directory domain, for `account` mapping; else the DNS domain's first label. */
  readonly accountDomains: ReadonlyMap<string, string>;
}

/** The directory user a name is, as a SIP address or as an account; undefined when nobody. */
export async function userNamed(
  directory: DirectoryStore,
  mapping: Pick<ClaimMapping, 'userMapping' | 'accountDomains'>,
  name: string,
): Promise<DirectoryUser | undefined> {
  if (mapping.userMapping === 'sip') {
    return directory.findBySipUri(normalizeSipUri(name.startsWith('sip:') ? name : `sip:${name}`));
  }
  let domain: string | undefined;
  let username: string | undefined;
  if (name.includes('\\')) {
    [domain, username] = name.split('\\', 2);
  } else {
    const at = name.lastIndexOf('@');
    if (at > 0) {
      const dns = name.slice(at + 1).toUpperCase();
      domain = mapping.accountDomains.get(dns) ?? dns.split('.')[0];
      username = name.slice(0, at);
    }
  }
  if (!domain || !username) return undefined;
  const account = await directory.findByAccount(domain, username);
  if (!account) return undefined;
  const { passwordHash: _hash, ...user } = account;
  return user;
}

/**
 * Which directory user a set of claims names, through the configured claim. An `email` the issuer
 * says it has not verified names nobody. Refuses with `code` (the method's "unknown user" code).
 */
export async function userOfClaims(
  directory: DirectoryStore,
  mapping: ClaimMapping,
  claims: Readonly<Record<string, unknown>>,
  code: ErrorCode,
  issuerName: string,
): Promise<DirectoryUser> {
  const value = claims[mapping.userClaim];
  if (typeof value !== 'string' || value.trim() === '' || value.length > 256) {
    throw new AppError(code, `The ${issuerName} did not say who you are (no "${mapping.userClaim}" claim).`);
  }
  if (mapping.userClaim === 'email' && claims.email_verified === false) {
    throw new AppError(code, `The ${issuerName} has not verified this e-mail address.`);
  }
  const user = await userNamed(directory, mapping, value);
  if (user) return user;
  throw new AppError(code, `The ${issuerName}'s account ${value} is not a user of this service.`);
}
