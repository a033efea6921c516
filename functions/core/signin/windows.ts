import type { AuditLog } from '../audit/audit-log.ts';
import type { DirectoryStore } from '../directory/store.ts';
import type { WindowsIdentityStore } from '../directory/windows-identities.ts';
import { AppError } from '../errors.ts';
import { acceptNegotiate, type AcceptorDeps, type KerberosClient } from '../kerberos/acceptor.ts';
import type { DirectoryUser } from '../model.ts';
import type { NtlmAcceptorDeps } from '../ntlm/acceptor.ts';
import type { Regulator } from '../regulation/regulator.ts';
import type { IssuedTicket, Tickets } from '../tickets/tickets.ts';
import { grantTicket, recordRefusal } from './grant.ts';

export interface WindowsSignInDeps {
  readonly directory: DirectoryStore;
  readonly identities: WindowsIdentityStore;
  readonly tickets: Tickets;
  readonly audit: AuditLog;
  readonly legacyUrl: string | undefined;
  /** The Kerberos acceptor; unset when no keytab is configured (Kerberos then refused). */
  readonly kerberos: AcceptorDeps | undefined;
  /** Realm → directory domain for name-based mapping (`EXAMPLE.TEST` → `CONTOSO`); realms compare exactly. */
  readonly realmDomains: ReadonlyMap<string, string>;
  /** The NTLM fallback; unset when NTLM is not enabled (NTLM then refused). */
  readonly ntlm: NtlmAcceptorDeps | undefined;
  /** NTLM answers are password guesses: counted as forms sign-in failures are. */
  readonly regulator: Regulator;
}

export interface WindowsContext {
  readonly site: 'internal' | 'external';
  readonly sourceAddress: string;
}

export interface WindowsSignedIn {
  readonly user: DirectoryUser;
  readonly ticket: IssuedTicket;
  /** The final `WWW-Authenticate: Negotiate` token (mutual authentication). */
  readonly responseToken: Buffer;
}

/**
 * The directory domain a Kerberos client's realm stands for when mapping by name, or undefined when
 * its users may not be mapped by name. With `KERBEROS_REALM_DOMAINS` set, only the realms it lists;
 * without it, only the service's own realm (the keytab's), by its first label. A user of a trusted
 * partner realm (`ceo@CONTOSO.PARTNER.COM`) is thus never taken for `CONTOSO\ceo`.
 */
export function domainOfClientRealm(
  realm: string,
  serviceRealm: string,
  realmDomains: ReadonlyMap<string, string>,
): string | undefined {
  // Realms compare exactly (RFC 4120 §6.1): `contoso.com` is another realm than `CONTOSO.COM`.
  if (realmDomains.size > 0) return realmDomains.get(realm);
  if (realm !== serviceRealm) return undefined;
  return realm.split('.')[0]?.toUpperCase() || undefined;
}

/**
 * The directory domain a DNS domain (NTLM's `user@dns.domain`) stands for: configured, else its
 * first label (`CONTOSO.COM` → `CONTOSO`). NTLM still needs that account's own password hash.
 */
export function domainOfRealm(realm: string, realmDomains: ReadonlyMap<string, string>): string {
  // NTLM domain names, unlike Kerberos realms, ignore case.
  const upper = realm.toUpperCase();
  for (const [configured, domain] of realmDomains) if (configured.toUpperCase() === upper) return domain;
  return upper.split('.')[0] ?? upper;
}

/**
 * Which directory user a Kerberos client is: the user whose recorded Kerberos principal it is, else
 * (for a one-part name of a realm mapped by name, see `domainOfClientRealm`) the user of that name
 * in the realm's directory domain. Service and host principals (`HTTP/host`) never map by name.
 */
export async function userOfPrincipal(
  deps: Pick<WindowsSignInDeps, 'directory' | 'identities' | 'realmDomains'>,
  client: KerberosClient,
  serviceRealm: string,
): Promise<DirectoryUser> {
  const sipUri = await deps.identities.findKerberos(client.principal);
  const domain = domainOfClientRealm(client.realm, serviceRealm, deps.realmDomains);
  if (sipUri) {
    const user = await deps.directory.findBySipUri(sipUri);
    if (user) return user;
  } else if (!client.name.includes('/') && domain !== undefined) {
    const account = await deps.directory.findByAccount(domain, client.name);
    if (account) {
      const { passwordHash: _hash, ...user } = account;
      return user;
    }
  }
  throw new AppError(
    'windows_user_unknown',
    domain === undefined && !sipUri
      ? `The Windows account ${client.principal} is of a realm this service does not accept.`
      : `The Windows account ${client.principal} is not a user of this service.`,
  );
}

/** Windows sign-in is offered to the organisation's own networks only. */
export function assertInternal(site: 'internal' | 'external'): void {
  if (site !== 'internal') {
    throw new AppError(
      'windows_site_refused',
      'Windows sign-in is available only from inside the organisation.',
    );
  }
}

/**
 * Integrated Windows sign-in with Kerberos: accepts the Negotiate token, maps the client principal
 * to a directory user, then the same authorization policy and ticket minting as every sign-in.
 */
export async function signInWithKerberos(
  deps: WindowsSignInDeps,
  token: Buffer,
  context: WindowsContext,
): Promise<WindowsSignedIn> {
  const audited = { method: 'kerberos', site: context.site, sourceAddress: context.sourceAddress } as const;
  let account = 'kerberos:?';
  try {
    assertInternal(context.site);
    if (!deps.kerberos) {
      throw new AppError(
        'windows_auth_required',
        'Kerberos is not configured on this server: no service keytab.',
      );
    }
    const accepted = await acceptNegotiate(deps.kerberos, token);
    account = accepted.client.principal;
    const user = await userOfPrincipal(deps, accepted.client, accepted.serviceRealm);
    const ticket = await grantTicket(deps, user, audited, { account });
    return { user, ticket, responseToken: accepted.responseToken };
  } catch (err) {
    recordRefusal(deps.audit, audited, account, err);
    throw err;
  }
}
