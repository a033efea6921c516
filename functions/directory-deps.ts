import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from './core/clock.ts';
import { CachedDirectory } from './core/directory/cached-directory.ts';
import { LdapDirectoryStore } from './core/directory/ldap/ldap-directory.ts';
import { DynamoDirectoryStore, type DirectoryStore } from './core/directory/store.ts';
import type { TableNames } from './core/storage/tables.ts';
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
export function buildDirectory(
  db: DynamoDBDocumentClient,
  tableNames: TableNames,
  clock: Clock,
  settings: DirectorySettings = readDirectorySettings(),
): DirectoryStore {
  if (settings.provider === 'builtin') {
    return new DynamoDirectoryStore(db, tableNames.users, tableNames.directorySearch);
  }
  const ldap = new LdapDirectoryStore({ ...settings, bindPassword: passwordSource(settings.bindPassword) });
  return new CachedDirectory(ldap, clock, settings.policyCacheSeconds);
}
