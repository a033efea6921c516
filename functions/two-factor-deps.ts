import type { TwoFactorDeps } from './core/signin/two-factor.ts';
import { perRuntime, type Deps } from './deps.ts';
import { readTwoFactorSettings, type TwoFactorSettings } from './two-factor-config.ts';

/** What the two-factor handlers (and forms sign-in's policy) need; built once per cold start. */
export interface TwoFactorHandlerDeps {
  readonly settings: TwoFactorSettings;
  readonly twoFactor: TwoFactorDeps;
}

export function buildTwoFactorDeps(
  deps: Deps,
  settings = readTwoFactorSettings(deps.env),
): TwoFactorHandlerDeps {
  return {
    settings,
    twoFactor: {
      rules: settings,
      factors: deps.stores.twoFactor,
      pending: deps.stores.twoFactorPending,
      directory: deps.directory,
      regulator: deps.regulator,
      tickets: deps.tickets,
      audit: deps.audit,
      clock: deps.clock,
      legacyUrl: deps.settings.legacyUrl,
    },
  };
}

/** Built once per runtime, at the first request that needs it. */
export const getTwoFactorDeps = perRuntime((deps) => buildTwoFactorDeps(deps));
