import { readFileSync } from 'node:fs';
import { crlFileSetting, readCrlFile } from './certificate-crl-file.ts';
import { ConfigError } from './config.ts';
import { checkCertificatesPem, readAccountDomains, readSiteList } from './setting-values.ts';
import { sites, type Site } from './core/model.ts';
import type { ClaimMapping } from './core/signin/claim-user.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** Where a certificate names its holder. */
export type CertificateUserField = 'email' | 'cn';

/** `CLIENT_CERT_DOMAIN_INTERNAL` / `CLIENT_CERT_DOMAIN_EXTERNAL`. */
export const certificateDomainSetting = (site: Site): string => `CLIENT_CERT_DOMAIN_${site.toUpperCase()}`;

/**
 * Smart card (client certificate) sign-in (docs/sign-in/smart-cards.md). On AWS, a site's own
 * mutual-TLS sign-in domain (API Gateway mutual TLS, its truststore in S3) checks the certificate and
 * hands the holder back to the site; locally the site's TLS listener asks for one and checks it
 * against the CA file.
 */
export interface CertificateSettings extends Omit<ClaimMapping, 'userClaim'> {
  readonly sites: readonly Site[];
  /** The CAs that issue users' certificates (PEM); the handler checks the chain again against them. */
  readonly caPem: string | undefined;
  /**
   * The CAs' certificate revocation lists (`CLIENT_CERT_CRL_FILE`), read again when the file changes.
   * @default - none: revocation is not checked
   */
  readonly crlFile: string | undefined;
  readonly userField: CertificateUserField;
  /**
   * The origin of each site's mutual-TLS sign-in domain (`CLIENT_CERT_DOMAIN_<SITE>`, set by the
   * stack on AWS): `/auth/certificate` on the site sends the browser there and signs in the holder
   * it hands back.
   * @default - none: the certificate comes with the request itself (the local TLS listener)
   */
  readonly domains: Readonly<Partial<Record<Site, string>>>;
}

/** Whether `site` offers certificate sign-in; the chooser asks this without building anything else. */
export function certificateOffered(site: Site, env: Env): boolean {
  if (!env.CLIENT_CERT_SITES) return false;
  try {
    return readSiteList(env, 'CLIENT_CERT_SITES', sites).includes(site);
  } catch {
    return false;
  }
}

/** The certificate settings, or undefined when no site offers certificate sign-in. */
export function readCertificateSettings(env: Env): CertificateSettings | undefined {
  if (!env.CLIENT_CERT_SITES) return undefined;
  let caPem = env.CLIENT_CERT_CA || undefined;
  if (!caPem && env.CLIENT_CERT_CA_FILE) {
    try {
      caPem = readFileSync(env.CLIENT_CERT_CA_FILE, 'utf8');
    } catch {
      throw new ConfigError(`CLIENT_CERT_CA_FILE ${env.CLIENT_CERT_CA_FILE} cannot be read`);
    }
  }
  if (caPem !== undefined) {
    const setting = env.CLIENT_CERT_CA ? 'CLIENT_CERT_CA' : `CLIENT_CERT_CA_FILE ${env.CLIENT_CERT_CA_FILE}`;
    checkCertificatesPem(caPem, setting); // every certificate parses, not just looks like PEM
  }
  const crlFile = env[crlFileSetting] || undefined;
  if (crlFile) {
    // A CRL is checked against the certificate's chain, which ends at a configured CA.
    if (caPem === undefined) {
      throw new ConfigError(
        `${crlFileSetting} needs CLIENT_CERT_CA_FILE (or CLIENT_CERT_CA): the CAs it is checked with`,
      );
    }
    readCrlFile(crlFile);
  }
  const userField = env.CLIENT_CERT_USER_FIELD || 'email';
  if (userField !== 'email' && userField !== 'cn')
    throw new ConfigError('CLIENT_CERT_USER_FIELD must be email or cn');
  const userMapping = env.CLIENT_CERT_USER_MAPPING || 'sip';
  if (userMapping !== 'sip' && userMapping !== 'account') {
    throw new ConfigError('CLIENT_CERT_USER_MAPPING must be sip or account');
  }
  const offering = readSiteList(env, 'CLIENT_CERT_SITES', sites);
  const domains: Partial<Record<Site, string>> = {};
  for (const site of sites) {
    const name = certificateDomainSetting(site);
    const raw = env[name]?.trim();
    if (!raw) continue;
    const url = URL.canParse(raw) ? new URL(raw) : undefined;
    if (url?.protocol !== 'https:' || url.pathname !== '/' || url.search || url.username || url.password) {
      throw new ConfigError(`${name} must be an https origin, such as https://smartcard.im.contoso.com`);
    }
    if (!offering.includes(site)) {
      throw new ConfigError(`${name} is set, but CLIENT_CERT_SITES does not list ${site}`);
    }
    domains[site] = url.origin;
  }
  return {
    sites: offering,
    domains,
    caPem,
    crlFile,
    userField,
    userMapping,
    accountDomains: readAccountDomains(env, 'CLIENT_CERT_ACCOUNT_DOMAINS'),
  };
}
