import { createHash, type X509Certificate } from 'node:crypto';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Clock } from '../clock.ts';
import type { DirectoryStore } from '../directory/store.ts';
import { AppError } from '../errors.ts';
import type { DirectoryUser, Site } from '../model.ts';
import type { IssuedTicket, Tickets } from '../tickets/tickets.ts';
import { buildChain, certificatesOfPem } from './certificate-chain.ts';
import { redeemHandoff, type CertificateHandoff } from './certificate-handoff.ts';
import { assertNotRevoked, type RevocationSource } from './certificate-revocation.ts';
import { userNamed, type ClaimMapping } from './claim-user.ts';
import { grantTicket, recordRefusal } from './grant.ts';

export interface CertificateRules extends Omit<ClaimMapping, 'userClaim'> {
  readonly sites: readonly Site[];
  /** Where the certificate names its holder: the e-mail address (SAN, else subject), or the subject CN. */
  readonly userField: 'email' | 'cn';
}

/** What checking a certificate needs (the mutual-TLS domain's half of a sign-in needs no more). */
export interface CertificateCheckDeps {
  readonly rules: CertificateRules;
  /**
   * The trusted CAs (the CA file: a root is enough); when set, the chain is built and checked here
   * too (API Gateway's truststore, or the local TLS listener, checked it first).
   */
  readonly issuers: readonly X509Certificate[];
  /**
   * The CAs' revocation lists (`CLIENT_CERT_CRL_FILE`); the leaf's issuer must have a current one.
   * @default - none: revocation is not checked
   */
  readonly revocation?: RevocationSource;
  readonly audit: AuditLog;
  readonly clock: Clock;
}

export interface CertificateSignInDeps extends CertificateCheckDeps {
  readonly directory: DirectoryStore;
  readonly tickets: Tickets;
  readonly legacyUrl: string | undefined;
}

export interface CertificateSignedIn {
  readonly user: DirectoryUser;
  readonly ticket: IssuedTicket;
}

const clientAuthUsage = '1.3.6.1.5.5.7.3.2';

/** Certificate sign-in must be switched on for the site the request came through. */
export function assertCertificateOffered(
  rules: Pick<CertificateRules, 'sites'> | undefined,
  site: Site,
): asserts rules {
  if (!rules || !rules.sites.includes(site)) {
    throw new AppError(
      'certificate_not_configured',
      'Sign-in with a smart card or certificate is not available on this site.',
    );
  }
}

/** The name a certificate gives its holder, in the configured field. */
export function holderOf(certificate: X509Certificate, field: 'email' | 'cn'): string | undefined {
  const subject = (name: string) =>
    certificate.subject
      .split('\n')
      .map((line) => line.split('='))
      .find(([key]) => key === name)?.[1];
  if (field === 'cn') return subject('CN');
  const sanEmail = (certificate.subjectAltName ?? '')
    .split(', ')
    .find((entry) => entry.startsWith('email:'))
    ?.slice('email:'.length);
  return sanEmail ?? subject('emailAddress');
}

/** At most this many certificates are taken from what the client presented (its own and its CAs'). */
const maxPresented = 8;

async function checkCertificate(deps: CertificateCheckDeps, pem: string): Promise<X509Certificate> {
  let presented: X509Certificate[];
  try {
    presented = certificatesOfPem(pem).slice(0, maxPresented);
  } catch {
    throw new AppError('certificate_invalid', 'The certificate could not be read.');
  }
  const [certificate, ...offered] = presented;
  if (!certificate) throw new AppError('certificate_invalid', 'The certificate could not be read.');
  const now = deps.clock.now();
  if (now < Date.parse(certificate.validFrom) || now > Date.parse(certificate.validTo)) {
    throw new AppError(
      'certificate_expired',
      'The certificate is not valid at this time (expired or not yet valid).',
    );
  }
  if (certificate.keyUsage && !certificate.keyUsage.includes(clientAuthUsage)) {
    throw new AppError(
      'certificate_invalid',
      'The certificate is not meant for signing in (no client authentication use).',
    );
  }
  if (deps.issuers.length === 0) return certificate;
  // The CAs between the certificate and a trusted one come from what the client sent, so a CA file
  // holding only the root is enough.
  const chain = buildChain(certificate, offered, deps.issuers, now);
  if (!chain) {
    throw new AppError(
      'certificate_invalid',
      'The certificate was not issued by a certification authority this service trusts.',
    );
  }
  if (deps.revocation) assertNotRevoked(chain, await deps.revocation.lists(), now);
  return certificate;
}

type Attempt = { readonly site: Site; readonly sourceAddress: string };

const auditedAttempt = (context: Attempt) =>
  ({ method: 'certificate', site: context.site, sourceAddress: context.sourceAddress }) as const;

/** The certificate's checks and its holder's name; `account` learns the holder as soon as it is known. */
async function checkedHolder(
  deps: CertificateCheckDeps,
  certificatePem: string | undefined,
  site: Site,
  named: (account: string) => void,
): Promise<{ readonly certificate: X509Certificate; readonly holder: string | undefined }> {
  assertCertificateOffered(deps.rules, site);
  if (!certificatePem) {
    throw new AppError(
      'certificate_required',
      'Insert your smart card (or choose your certificate) when the browser asks, then try again.',
    );
  }
  const certificate = await checkCertificate(deps, certificatePem);
  const holder = holderOf(certificate, deps.rules.userField);
  named(`certificate:${holder ?? certificate.serialNumber}`);
  return { certificate, holder };
}

/** The directory user a certificate's holder is, or `certificate_user_unknown`; then the ticket. */
async function grantHolder(
  deps: CertificateSignInDeps,
  holder: string | undefined,
  audited: ReturnType<typeof auditedAttempt>,
): Promise<CertificateSignedIn> {
  const user = holder && (await userNamed(deps.directory, deps.rules, holder));
  if (!user) {
    throw new AppError(
      'certificate_user_unknown',
      `The certificate of ${holder ?? 'this holder'} is not a user of this service.`,
    );
  }
  const ticket = await grantTicket(deps, user, audited);
  return { user, ticket };
}

/**
 * Smart card / client certificate sign-in: the certificate the TLS layer accepted (API Gateway
 * mutual TLS, or the local listener) is checked again here (validity now, client-authentication use,
 * a chain to a trusted CA, not revoked); its e-mail address or common name names the directory user;
 * then the same authorization policy and ticket as every sign-in. `certificatePem` is the
 * certificate, optionally followed by the CA certificates the client sent with it.
 */
export async function signInWithCertificate(
  deps: CertificateSignInDeps,
  certificatePem: string | undefined,
  context: Attempt,
): Promise<CertificateSignedIn> {
  const audited = auditedAttempt(context);
  let account = 'certificate:?';
  try {
    const { holder } = await checkedHolder(deps, certificatePem, context.site, (named) => (account = named));
    return await grantHolder(deps, holder, audited);
  } catch (err) {
    recordRefusal(deps.audit, audited, account, err);
    throw err;
  }
}

/**
 * The first half of a sign-in through the site's mutual-TLS domain (AWS): the same checks of the
 * certificate as `signInWithCertificate`, answering what the hand-off back to the site carries. The
 * holder is looked up and signed in by `signInWithHandoff`, on the site's own address.
 */
export async function checkCertificateForHandoff(
  deps: CertificateCheckDeps,
  certificatePem: string | undefined,
  context: Attempt,
): Promise<CertificateHandoff> {
  let account = 'certificate:?';
  try {
    const { certificate, holder } = await checkedHolder(
      deps,
      certificatePem,
      context.site,
      (named) => (account = named),
    );
    if (!holder) {
      throw new AppError('certificate_user_unknown', 'The certificate names no holder this service knows.');
    }
    const certificateSha256 = createHash('sha256').update(certificate.raw).digest('base64url');
    return { holder, site: context.site, certificateSha256 };
  } catch (err) {
    recordRefusal(deps.audit, auditedAttempt(context), account, err);
    throw err;
  }
}

/**
 * The second half, on the site: the hand-off the browser brought back (genuine, current, for this
 * site and for the state in its cookie) names the holder, who is then signed in as by
 * `signInWithCertificate`.
 */
export async function signInWithHandoff(
  deps: CertificateSignInDeps,
  token: string,
  state: string | undefined,
  context: Attempt,
): Promise<CertificateSignedIn> {
  const audited = auditedAttempt(context);
  let account = 'certificate:?';
  try {
    assertCertificateOffered(deps.rules, context.site);
    const handoff = await redeemHandoff(deps.tickets.keys, deps.clock, token, { site: context.site, state });
    account = `certificate:${handoff.holder}`;
    return await grantHolder(deps, handoff.holder, audited);
  } catch (err) {
    recordRefusal(deps.audit, audited, account, err);
    throw err;
  }
}
