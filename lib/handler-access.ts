import type { HandlerModule } from '../functions/routes.ts';
import type { HandlerAccess } from './constructs/handler-function.ts';

/**
 * Least privilege per handler module. The default is the whole data plane (tables and key); the
 * exceptions below name handlers that need less, and the pushers that also reach live connections.
 * Every name here must be a deployed handler module; the stack refuses to synthesize otherwise.
 */

/** Answer without building dependencies (`selfContainedRoute`): no data, no key. */
const selfContained: readonly HandlerModule[] = [
  'http/healthz',
  'http/not-found',
  'http/home',
  'http/forms-page',
];

/** Push frames to or close WebSocket connections through `@connections`. */
export const connectionPushers: readonly HandlerModule[] = [
  'ws/connect',
  'ws/disconnect',
  'ws/actions',
  'http/sign-out',
  'scheduled/end-expired-sessions',
  // A refusal by policy ends the session and closes its connections (`endSession`).
  'http/authorizer',
  'ws/authorizer',
  'scheduled/recheck-policy',
  // Asks `@connections` whether connections still exist (GET), and tells watchers of those gone.
  'scheduled/sweep-gone-connections',
];

/** Integrated Windows sign-in: its settings, and the Kerberos keytab secret when one is configured. */
export const windowsSignInModules: readonly HandlerModule[] = ['http/windows-sign-in'];

export const namedModules: readonly HandlerModule[] = [
  ...selfContained,
  ...connectionPushers,
  ...windowsSignInModules,
];

export function accessOf(module: HandlerModule): HandlerAccess {
  if (selfContained.includes(module)) return { data: false, signingKey: false };
  return { data: true, signingKey: true };
}
