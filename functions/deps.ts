import { readSettings, type Settings } from './config.ts';
import { buildDirectory } from './directory-deps.ts';
import type { AuditLog } from './core/audit/audit-log.ts';
import { LoggerAuditLog } from './core/audit/logger-audit-log.ts';
import type { Clock } from './core/clock.ts';
import { EmfMetrics } from './core/metrics/emf-metrics.ts';
import { MeteredAuditLog } from './core/metrics/metered-audit-log.ts';
import type { Metrics } from './core/metrics/metrics.ts';
import type { DirectoryStore } from './core/directory/store.ts';
import type { ConnectionProbe, Notifier } from './core/realtime/notifier.ts';
import { Realtime } from './core/realtime/realtime.ts';
import { Regulator } from './core/regulation/regulator.ts';
import { Tickets } from './core/tickets/tickets.ts';
import { currentCorrelation } from './correlation.ts';
import { loadSigningKeys } from './signing-key-source.ts';
import type { Adapters, Stores } from './stores.ts';

/**
 * Where a runtime's settings come from: the function's environment on Lambda, the local runtime's
 * own map (never `process.env` written to) in `npm start`. Read once, as the dependencies are built.
 */
export type SettingsSource = Readonly<Record<string, string | undefined>>;

/** Everything a handler reaches the outside world through; built once per runtime. */
export interface Deps {
  readonly settings: Settings;
  /** The settings source, for the settings of one sign-in method (read once, as its deps are built). */
  readonly env: SettingsSource;
  readonly clock: Clock;
  readonly stores: Stores;
  readonly notifier: Notifier & ConnectionProbe;
  readonly directory: DirectoryStore;
  readonly tickets: Tickets;
  readonly realtime: Realtime;
  readonly regulator: Regulator;
  readonly audit: AuditLog;
  readonly metrics: Metrics;
}

/** The composition root's one step: settings and adapters in, the handlers' dependencies out. */
export async function buildDeps(
  env: SettingsSource,
  adapters: Adapters,
  settings: Settings = readSettings(env),
): Promise<Deps> {
  const { clock, stores, notifier } = adapters;
  const directory = await buildDirectory(stores.directory, clock, env);
  const tickets = new Tickets(
    stores.tickets,
    await loadSigningKeys(settings.signingKey, clock),
    clock,
    settings.tickets,
  );
  const metrics = adapters.metrics ?? new EmfMetrics(() => currentCorrelation()?.correlationId);
  const audit = new MeteredAuditLog(new LoggerAuditLog(currentCorrelation), metrics);
  const realtime = new Realtime({
    audit,
    clock,
    directory,
    tickets,
    connections: stores.connections,
    presence: stores.presence,
    contacts: stores.contacts,
    notifier,
    metrics,
  });
  const regulator = new Regulator(stores.signInFailures, clock, settings.regulation);
  return { settings, env, clock, stores, notifier, directory, tickets, realtime, regulator, audit, metrics };
}

/**
 * A part of the dependencies only some handlers need (a sign-in method's), built the first time one
 * of them asks, once per runtime: remembered against that runtime's `Deps`, never process-wide.
 */
export function perRuntime<T>(build: (deps: Deps) => T): (deps: Deps) => T {
  const built = new WeakMap<Deps, T>();
  return (deps) => {
    if (!built.has(deps)) built.set(deps, build(deps));
    return built.get(deps) as T;
  };
}

/** Like `perRuntime`, for a part built asynchronously; a failed build is tried again next time. */
export function perRuntimeAsync<T>(build: (deps: Deps) => Promise<T>): (deps: Deps) => Promise<T> {
  const built = new WeakMap<Deps, Promise<T>>();
  return (deps) => {
    let value = built.get(deps);
    if (!value) {
      value = build(deps).catch((err: unknown) => {
        built.delete(deps);
        throw err;
      });
      built.set(deps, value);
    }
    return value;
  };
}
