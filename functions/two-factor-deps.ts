import type { TwoFactorDeps } from './core/signin/two-factor.ts';
import { createDocumentClient } from './core/storage/dynamo.ts';
import { DynamoFactorStore } from './core/two-factor/factor-store.ts';
import { DynamoPendingTwoFactorStore } from './core/two-factor/pending-store.ts';
import type { Deps } from './deps.ts';
import { readTwoFactorSettings, type TwoFactorSettings } from './two-factor-config.ts';

/** What the two-factor handlers (and forms sign-in's policy) need; built once per cold start. */
export interface TwoFactorHandlerDeps {
  readonly settings: TwoFactorSettings;
  readonly twoFactor: TwoFactorDeps;
}

export function buildTwoFactorDeps(deps: Deps, settings = readTwoFactorSettings()): TwoFactorHandlerDeps {
  const db = createDocumentClient(deps.settings.dynamoEndpoint);
  const { tableNames } = deps.settings;
  return {
    settings,
    twoFactor: {
      rules: settings,
      factors: new DynamoFactorStore(db, tableNames.twoFactor),
      pending: new DynamoPendingTwoFactorStore(db, tableNames.twoFactorPending),
      directory: deps.directory,
      regulator: deps.regulator,
      tickets: deps.tickets,
      audit: deps.audit,
      clock: deps.clock,
      legacyUrl: deps.settings.legacyUrl,
    },
  };
}

let cached: TwoFactorHandlerDeps | undefined;

export function getTwoFactorDeps(deps: Deps): TwoFactorHandlerDeps {
  cached ??= buildTwoFactorDeps(deps);
  return cached;
}
