import type { KeyObject } from 'node:crypto';
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import {
  assertionAlgorithms,
  loadAssertionPublicKey,
  readAssertionSettings,
  type AssertionSettings,
} from './assertion-config.ts';
import type { AssertionSignInDeps } from './core/signin/assertion.ts';
import { perRuntimeAsync, type Deps } from './deps.ts';

/** What the assertion sign-in handler needs beyond the shared dependencies; built once per cold start. */
export interface AssertionDeps {
  readonly settings: AssertionSettings | undefined;
  readonly signIn: AssertionSignInDeps | undefined;
}

/** The upstream's verification key: a JWKS fetched when needed, or the public key (checked at start). */
async function keyOf(settings: AssertionSettings): Promise<KeyObject | JWTVerifyGetKey> {
  const { key } = settings;
  if ('jwksUrl' in key)
    return createRemoteJWKSet(new URL(key.jwksUrl), { timeoutDuration: settings.jwksTimeoutMs });
  return (await loadAssertionPublicKey(settings)) as KeyObject;
}

export async function buildAssertionDeps(
  deps: Deps,
  settings = readAssertionSettings(deps.env),
): Promise<AssertionDeps> {
  if (!settings) return { settings, signIn: undefined };
  return {
    settings,
    signIn: {
      key: await keyOf(settings),
      algorithms: assertionAlgorithms,
      rules: settings,
      directory: deps.directory,
      tickets: deps.tickets,
      audit: deps.audit,
      clock: deps.clock,
      legacyUrl: deps.settings.legacyUrl,
      replayCache: deps.stores.assertionReplay,
    },
  };
}

/** Built once per runtime, at the first request that needs it; a failed build is tried again. */
export const getAssertionDeps = perRuntimeAsync((deps) => buildAssertionDeps(deps));
