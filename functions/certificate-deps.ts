import { X509Certificate } from 'node:crypto';
import { readCertificateSettings, type CertificateSettings } from './certificate-config.ts';
import type { CertificateSignInDeps } from './core/signin/certificate.ts';
import type { Deps } from './deps.ts';

/** What the certificate sign-in handler needs beyond the shared dependencies; built once per cold start. */
export interface CertificateDeps {
  readonly settings: CertificateSettings | undefined;
  readonly signIn: CertificateSignInDeps | undefined;
}

/** Each certificate of a PEM bundle. */
export function certificatesOf(pem: string): X509Certificate[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map(
    (block) => new X509Certificate(block),
  );
}

export function buildCertificateDeps(deps: Deps, settings = readCertificateSettings()): CertificateDeps {
  if (!settings) return { settings, signIn: undefined };
  return {
    settings,
    signIn: {
      rules: settings,
      issuers: settings.caPem ? certificatesOf(settings.caPem) : [],
      directory: deps.directory,
      tickets: deps.tickets,
      audit: deps.audit,
      clock: deps.clock,
      legacyUrl: deps.settings.legacyUrl,
    },
  };
}

let cached: CertificateDeps | undefined;

export function getCertificateDeps(deps: Deps): CertificateDeps {
  cached ??= buildCertificateDeps(deps);
  return cached;
}
