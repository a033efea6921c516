import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Clock } from './core/clock.ts';
import { CachedDirectory } from './core/directory/cached-directory.ts';
import type { DirectoryStore } from './core/directory/store.ts';
import type { SettingsSource } from './deps.ts';
import { readDirectorySettings, type DirectorySettings, type LdapSettings } from './directory-config.ts';

/** The service account's password, fetched once per instance (from Secrets Manager on AWS). */
function passwordSource(source: LdapSettings['bindPassword']): () => Promise<string> {
  if ('value' in source) return () => Promise.resolve(source.value);
  let fetched: Promise<string> | undefined;
  return () => {
    fetched ??= new SecretsManagerClient({})
      .send(new GetSecretValueCommand({ SecretId: source.secretArn }))
      .then((result) => {
        if (!result.SecretString) throw new Error('the directory service account secret is empty');
        return result.SecretString;
      })
      .catch((err: unknown) => {
        fetched = undefined;
        throw err;
      });
    return fetched;
  };
}

/**
 * The directory this instance reads users and policy from: the built-in one (DynamoDB) or the
 * organisation's LDAP / Active Directory behind a short policy cache.
 */
export async function buildDirectory(
  builtin: DirectoryStore,
  clock: Clock,
  env: SettingsSource,
  settings: DirectorySettings = readDirectorySettings(env),
): Promise<DirectoryStore> {
  if (settings.provider === 'builtin') return builtin;
  // A deployment whose directory is the built-in one is bundled without the LDAP client:
  // `lib/lambda-bundling.ts` replaces this variable with "false" at bundling, which makes the import a
  // dead branch that esbuild leaves out, and `ldapts` with it (55 KB less to load at every cold
  // start). Run from source it is unset.
  const ldapModule =
    process.env.CWA_BUNDLE_LDAP === 'false'
      ? undefined
      : await import('./core/directory/ldap/ldap-directory.ts');
  if (!ldapModule) {
    throw new Error(
      'DIRECTORY_PROVIDER is ldap, but this function was bundled without the LDAP client: deploy with the directory settings in signInSettings',
    );
  }
  const ldap = new ldapModule.LdapDirectoryStore({
    ...settings,
    bindPassword: passwordSource(settings.bindPassword),
  });
  return new CachedDirectory(ldap, clock, settings.policyCacheSeconds);
}
