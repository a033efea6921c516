import { readCertificateSettings, type CertificateSettings } from './certificate-config.ts';
import { CrlFile } from './certificate-crl-file.ts';
import { certificatesOfPem } from './core/signin/certificate-chain.ts';
import type { CertificateSignInDeps } from './core/signin/certificate.ts';
import type { Deps } from './deps.ts';

/** What the certificate sign-in handler needs beyond the shared dependencies; built once per cold start. */
export interface CertificateDeps {
  readonly settings: CertificateSettings | undefined;
  readonly signIn: CertificateSignInDeps | undefined;
}

export function buildCertificateDeps(deps: Deps, settings = readCertificateSettings()): CertificateDeps {
  if (!settings) return { settings, signIn: undefined };
  return {
    settings,
    signIn: {
      rules: settings,
      issuers: settings.caPem ? certificatesOfPem(settings.caPem) : [],
      ...(settings.crlFile && { revocation: new CrlFile(settings.crlFile) }),
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
