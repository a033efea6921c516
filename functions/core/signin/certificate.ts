import { X509Certificate } from 'node:crypto';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Clock } from '../clock.ts';
import type { DirectoryStore } from '../directory/store.ts';
import { AppError } from '../errors.ts';
import type { DirectoryUser, Site } from '../model.ts';
import type { IssuedTicket, Tickets } from '../tickets/tickets.ts';
import { userNamed, type ClaimMapping } from './claim-user.ts';
import { grantTicket, recordRefusal } from './grant.ts';

export interface CertificateRules extends Omit<ClaimMapping, 'userClaim'> {
  readonly sites: readonly Site[];
  /** Where the certificate names its holder: the e-mail address (SAN, else subject), or the subject CN. */
  readonly userField: 'email' | 'cn';
}

export interface CertificateSignInDeps {
  readonly rules: CertificateRules;
  /** The issuing CAs; when set, the chain is checked here too (API Gateway's truststore checked it first). */
  readonly issuers: readonly X509Certificate[];
  readonly directory: DirectoryStore;
  readonly tickets: Tickets;
  readonly audit: AuditLog;
  readonly clock: Clock;
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

function checkCertificate(deps: CertificateSignInDeps, pem: string): X509Certificate {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch {
    throw new AppError('certificate_invalid', 'The certificate could not be read.');
  }
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
  if (
    deps.issuers.length > 0 &&
    !deps.issuers.some((ca) => certificate.checkIssued(ca) && certificate.verify(ca.publicKey))
  ) {
    throw new AppError(
      'certificate_invalid',
      'The certificate was not issued by a certification authority this service trusts.',
    );
  }
  return certificate;
}

/**
 * Smart card / client certificate sign-in: the certificate the TLS layer accepted (API Gateway
 * mutual TLS, or the local listener) is checked again here (validity now, client-authentication use,
 * issued by a trusted CA); its e-mail address or common name names the directory user; then the same
 * authorization policy and ticket as every sign-in.
 */
export async function signInWithCertificate(
  deps: CertificateSignInDeps,
  certificatePem: string | undefined,
  context: { readonly site: Site; readonly sourceAddress: string },
): Promise<CertificateSignedIn> {
  const audited = {
    method: 'certificate',
    site: context.site,
    sourceAddress: context.sourceAddress,
  } as const;
  let account = 'certificate:?';
  try {
    assertCertificateOffered(deps.rules, context.site);
    if (!certificatePem) {
      throw new AppError(
        'certificate_required',
        'Insert your smart card (or choose your certificate) when the browser asks, then try again.',
      );
    }
    const certificate = checkCertificate(deps, certificatePem);
    const holder = holderOf(certificate, deps.rules.userField);
    account = `certificate:${holder ?? certificate.serialNumber}`;
    const user = holder && (await userNamed(deps.directory, deps.rules, holder));
    if (!user) {
      throw new AppError(
        'certificate_user_unknown',
        `The certificate of ${holder ?? 'this holder'} is not a user of this service.`,
      );
    }
    const ticket = await grantTicket(deps, user, audited);
    return { user, ticket };
  } catch (err) {
    recordRefusal(deps.audit, audited, account, err);
    throw err;
  }
}
