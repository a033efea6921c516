import { loadAssertionPublicKey, readAssertionSettings } from './assertion-config.ts';
import { ConfigError, readSettings } from './config.ts';
import { systemClock } from './core/clock.ts';
import { sites } from './core/model.ts';
import { readDirectorySettings } from './directory-config.ts';
import { parsePublicOrigins, publicOriginSetting } from './public-origin-config.ts';
import { readSignOutPages } from './sign-out-config.ts';
import { loadSigningKeys } from './signing-key-source.ts';
import { readSsoSettings } from './sso-config.ts';
import { readTwoFactorSettings } from './two-factor-config.ts';
import { readWindowsSettings } from './windows-config.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** The settings naming a Secrets Manager secret; the secret itself is read where it is used. */
const secretArnSettings = [
  'SIGNING_KEY_SECRET_ARN',
  'ORIGIN_VERIFY_SECRET_ARN',
  'SSO_CLIENT_SECRET_ARN',
  'LDAP_BIND_PASSWORD_SECRET_ARN',
  'KERBEROS_KEYTAB_SECRET_ARN',
] as const;

const secretArn = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;

const reason = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Reads and checks every handler setting, once, as a function starts: numbers in range, URLs and
 * names well-formed, files readable and what they hold parseable (the signing key, the assertion
 * key, LDAP's CA certificates). Every handler module runs it at load (functions/startup-check.ts),
 * so a wrong setting fails the Lambda cold start with a message naming it; the local runtime runs it
 * before it listens, so `npm start` refuses to start. A request never meets a setting that could not
 * be read. Two methods' functions also check their own as they load, keeping the rest of the
 * bundles small: Windows sign-in loads its keytab (`startWindows`; only it may read the keytab
 * secret), certificate sign-in its CA certificates and revocation list (functions/certificate-deps.ts,
 * whose checks pull in the CRL parser).
 */
export async function checkSettings(env: Env): Promise<void> {
  const settings = readSettings(env);
  if ('file' in settings.signingKey) {
    const { file } = settings.signingKey;
    await loadSigningKeys({ file }, systemClock).catch((err: unknown) => {
      throw new ConfigError(`SIGNING_KEY_FILE=${file}: not a usable ticket signing key: ${reason(err)}`);
    });
  }
  for (const name of secretArnSettings) {
    const value = env[name]?.trim();
    if (value && !secretArn.test(value)) {
      throw new ConfigError(`${name} must be the ARN of a Secrets Manager secret, not '${value}'`);
    }
  }
  // Set on every function by the stack, and locally by the runtime for the ports it listens on.
  for (const site of sites) {
    const name = publicOriginSetting(site);
    const value = env[name]?.trim();
    if (value) parsePublicOrigins(name, value);
  }

  const directory = readDirectorySettings(env);
  if (directory.provider === 'ldap') {
    // As `functions/directory-deps.ts` loads the LDAP client: a bundle without it has this branch
    // replaced by the first (lib/lambda-bundling.ts), and must not be deployed with LDAP.
    const ldapFilter =
      process.env.CWA_BUNDLE_LDAP === 'false'
        ? undefined
        : await import('./core/directory/ldap/user-filter.ts');
    if (!ldapFilter) {
      throw new ConfigError(
        'DIRECTORY_PROVIDER is ldap, but this function was bundled without the LDAP client: deploy with the directory settings in signInSettings',
      );
    }
    ldapFilter.parseUserFilter(directory.mapping.userFilter);
  }

  readSsoSettings(env);
  readSignOutPages(env);
  readTwoFactorSettings(env);
  readWindowsSettings(env as NodeJS.ProcessEnv);
  const assertion = readAssertionSettings(env);
  if (assertion) await loadAssertionPublicKey(assertion);
}
