import { readCertificateSettings, type CertificateSettings } from './certificate-config.ts';
import { CrlFile } from './certificate-crl-file.ts';
import { certificatesOfPem } from './core/signin/certificate-chain.ts';
import type { CertificateSignInDeps } from './core/signin/certificate.ts';
import { perRuntime, type Deps } from './deps.ts';
import { checkedAtStart } from './start-refusal.ts';
import { onLambda } from './startup-check.ts';

/** What the certificate sign-in handler needs beyond the shared dependencies; built once per cold start. */
export interface CertificateDeps {
  readonly settings: CertificateSettings | undefined;
  readonly signIn: CertificateSignInDeps | undefined;
}

// Checked as a certificate sign-in function loads on Lambda (the CAs parse, the revocation list reads), so a
// wrong setting fails its cold start naming the setting, never a sign-in. Here rather than in every
// function's check (functions/settings-check.ts): the CRL parser stays out of the other bundles.
if (onLambda()) await checkedAtStart(async () => readCertificateSettings(process.env));

export function buildCertificateDeps(
  deps: Deps,
  settings = readCertificateSettings(deps.env),
): CertificateDeps {
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

/** Built once per runtime, at the first request that needs it. */
export const getCertificateDeps = perRuntime((deps) => buildCertificateDeps(deps));
