import { readFileSync } from 'node:fs';
import { crlFileSetting, readCrlFile } from './certificate-crl-file.ts';
import { ConfigError } from './config.ts';
import { readAccountDomains, readSiteList } from './setting-values.ts';
import { sites, type Site } from './core/model.ts';
import type { ClaimMapping } from './core/signin/claim-user.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** Where a certificate names its holder. */
export type CertificateUserField = 'email' | 'cn';

/**
 * Smart card (client certificate) sign-in (docs/sign-in/smart-cards.md). On AWS, API Gateway
 * mutual TLS on the site's custom domain checks the chain against its truststore and hands the
 * certificate over; locally the TLS listener asks for one and checks it against the same CA file.
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
}

/** Whether `site` offers certificate sign-in; the chooser asks this without building anything else. */
export function certificateOffered(site: Site, env: Env = process.env): boolean {
  if (!env.CLIENT_CERT_SITES) return false;
  try {
    return readSiteList(env, 'CLIENT_CERT_SITES', sites).includes(site);
  } catch {
    return false;
  }
}

/** The certificate settings, or undefined when no site offers certificate sign-in. */
export function readCertificateSettings(env: Env = process.env): CertificateSettings | undefined {
  if (!env.CLIENT_CERT_SITES) return undefined;
  let caPem = env.CLIENT_CERT_CA || undefined;
  if (!caPem && env.CLIENT_CERT_CA_FILE) {
    try {
      caPem = readFileSync(env.CLIENT_CERT_CA_FILE, 'utf8');
    } catch {
      throw new ConfigError(`CLIENT_CERT_CA_FILE ${env.CLIENT_CERT_CA_FILE} cannot be read`);
    }
  }
  if (caPem !== undefined && !caPem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConfigError('CLIENT_CERT_CA / CLIENT_CERT_CA_FILE must hold PEM certificates');
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
  return {
    sites: readSiteList(env, 'CLIENT_CERT_SITES', sites),
    caPem,
    crlFile,
    userField,
    userMapping,
    accountDomains: readAccountDomains(env, 'CLIENT_CERT_ACCOUNT_DOMAINS'),
  };
}
