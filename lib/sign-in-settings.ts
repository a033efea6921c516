import { ConfigError } from '../functions/config.ts';
import { readAssertionSettings } from '../functions/assertion-config.ts';
import { readCertificateSettings } from '../functions/certificate-config.ts';
import { parseUserFilter } from '../functions/core/directory/ldap/user-filter.ts';
import { readDirectorySettings } from '../functions/directory-config.ts';
import { readSignOutPages } from '../functions/sign-out-config.ts';
import { readSsoSettings } from '../functions/sso-config.ts';
import { readTwoFactorSettings } from '../functions/two-factor-config.ts';

/** The handler settings `signInSettings` may carry: single sign-on, assertions, certificates, two-factor, the sign-out page, the directory (LDAP / AD). */
const allowedName =
  /^(SSO_[A-Z_]+|ASSERTION_[A-Z_]+|CLIENT_CERT_(SITES|CA|USER_FIELD|USER_MAPPING|ACCOUNT_DOMAINS)|TWO_FACTOR_[A-Z_]+|WEBAUTHN_RP_ID|SIGNOUT_PAGE_URL(_INTERNAL|_EXTERNAL)?|DIRECTORY_PROVIDER|LDAP_[A-Z_]+)$/;

const completeSecretArn = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/;

/**
 * Checks the sign-in settings a deployment passes to the handlers, as the handlers would at their
 * cold start, so a bad value fails `cdk synth` instead of the first sign-in. A client secret goes
 * in Secrets Manager (`SSO_CLIENT_SECRET_ARN`), never in a function's environment.
 */
export function signInSettingsEnvironment(
  settings: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  if (!settings) return {};
  for (const name of Object.keys(settings)) {
    if (!allowedName.test(name)) throw new Error(`signInSettings: ${name} is not a sign-in setting`);
  }
  if (settings.SSO_CLIENT_SECRET !== undefined) {
    throw new Error(
      'signInSettings: put the client secret in Secrets Manager and give SSO_CLIENT_SECRET_ARN',
    );
  }
  if (settings.LDAP_BIND_PASSWORD !== undefined) {
    throw new Error(
      'signInSettings: put the directory service password in Secrets Manager and give LDAP_BIND_PASSWORD_SECRET_ARN',
    );
  }
  const directorySecret = settings.LDAP_BIND_PASSWORD_SECRET_ARN;
  // The grant names the secret exactly, so the ARN must be complete (with its random suffix).
  if (directorySecret !== undefined && !completeSecretArn.test(directorySecret)) {
    throw new Error(
      'signInSettings: LDAP_BIND_PASSWORD_SECRET_ARN must be the complete ARN of the secret (ending in its 6-character suffix)',
    );
  }
  if (settings.LDAP_CA_FILE !== undefined) {
    throw new Error(
      "signInSettings: a file is not in the functions' bundle: give the CA certificates as LDAP_CA_PEM",
    );
  }
  if (settings.ASSERTION_PUBLIC_KEY_FILE !== undefined) {
    throw new Error(
      "signInSettings: a file is not in the functions' bundle: give the upstream's key as ASSERTION_PUBLIC_KEY",
    );
  }
  try {
    const directory = readDirectorySettings(settings);
    if (directory.provider === 'ldap') parseUserFilter(directory.mapping.userFilter);
    readSsoSettings(settings);
    readAssertionSettings(settings);
    readCertificateSettings(settings);
    readTwoFactorSettings(settings);
    readSignOutPages(settings);
  } catch (err) {
    if (err instanceof ConfigError) throw new Error(`signInSettings: ${err.message}`, { cause: err });
    throw err;
  }
  return { ...settings };
}
