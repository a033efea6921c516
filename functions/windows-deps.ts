import { readFile } from 'node:fs/promises';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoWindowsIdentityStore } from './core/directory/windows-identities.ts';
import { parseKeytab, ServiceKeys } from './core/kerberos/keytab.ts';
import { DynamoReplayCache } from './core/kerberos/replay-cache.ts';
import { DynamoNtlmChallengeStore } from './core/ntlm/challenge-store.ts';
import type { WindowsSignInDeps } from './core/signin/windows.ts';
import { createDocumentClient } from './core/storage/dynamo.ts';
import type { Deps } from './deps.ts';
import { readWindowsSettings, type WindowsSettings } from './windows-config.ts';

/** What the Windows sign-in handler needs beyond the shared dependencies; built once per cold start. */
export interface WindowsDeps {
  readonly settings: WindowsSettings;
  readonly signIn: WindowsSignInDeps;
}

/** The NetBIOS computer name NTLM challenges announce (informational: clients do not check it). */
const ntlmComputerName = 'COMMUNICATOR';

async function loadKeytab(source: NonNullable<WindowsSettings['keytab']>): Promise<Buffer> {
  if ('file' in source) return readFile(source.file);
  const secrets = new SecretsManagerClient({});
  const result = await secrets.send(new GetSecretValueCommand({ SecretId: source.secretArn }));
  if (result.SecretBinary) return Buffer.from(result.SecretBinary);
  if (result.SecretString) return Buffer.from(result.SecretString.trim(), 'base64');
  throw new Error('the keytab secret is empty');
}

export async function buildWindowsDeps(deps: Deps, settings = readWindowsSettings()): Promise<WindowsDeps> {
  const db = createDocumentClient(deps.settings.dynamoEndpoint);
  const { tableNames } = deps.settings;
  const keys = settings.keytab
    ? new ServiceKeys(parseKeytab(await loadKeytab(settings.keytab)), settings.servicePrincipal)
    : undefined;
  return {
    settings,
    signIn: {
      directory: deps.directory,
      identities: new DynamoWindowsIdentityStore(db, tableNames.windowsIdentities),
      tickets: deps.tickets,
      audit: deps.audit,
      legacyUrl: deps.settings.legacyUrl,
      kerberos: keys && {
        keys,
        replayCache: new DynamoReplayCache(db, tableNames.kerberosReplay),
        clock: deps.clock,
        clockSkewMs: settings.clockSkewSeconds * 1000,
      },
      realmDomains: settings.realmDomains,
      ntlm: settings.ntlmDomain
        ? {
            challenges: new DynamoNtlmChallengeStore(db, tableNames.ntlmChallenges),
            clock: deps.clock,
            domain: settings.ntlmDomain,
            computerName: ntlmComputerName,
            challengeMs: settings.ntlmChallengeSeconds * 1000,
          }
        : undefined,
      regulator: deps.regulator,
    },
  };
}

let cached: Promise<WindowsDeps> | undefined;

export function getWindowsDeps(deps: Deps): Promise<WindowsDeps> {
  cached ??= buildWindowsDeps(deps).catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}
