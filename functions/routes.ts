import type { AuthMethod, Site } from './core/model.ts';
import { clientActions } from './core/realtime/frames.ts';
import { assertionOffered } from './assertion-config.ts';
import { certificateOffered } from './certificate-config.ts';
import { ssoOffered } from './sso-config.ts';
import { twoFactorOffered } from './two-factor-config.ts';

/**
 * Every route of the product, once. The CDK stack creates API Gateway routes and functions from
 * this table, the local gateway dispatches with it, and the tests walk it.
 * A handler is named by its module under `functions/` (without `.ts`); the module exports `handler`.
 */
export type HandlerModule = string;

export interface HttpRoute {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly handler: HandlerModule;
  /** `ticket`: the authorizer runs first and the handler only runs for a valid ticket. */
  readonly auth: 'none' | 'ticket';
  /** Which sites publish the route. */
  readonly sites: readonly Site[];
  /** Set on the route that starts a sign-in method; the chooser page links to it. */
  readonly signIn?: {
    readonly method: AuthMethod;
    readonly label: string;
    /** For a method that needs configuring: whether the site offers it, from the handler settings. */
    readonly offered?: (site: Site, env: Readonly<Record<string, string | undefined>>) => boolean;
  };
  /**
   * The handler reads a request body (a form or a JSON object), up to `bodyLimits.readsBody`; every
   * other route takes at most `bodyLimits.none`, refused before it is read (see `bodyLimitOf`).
   */
  readonly readsBody?: true;
}

export interface WebSocketRoute {
  readonly routeKey: string;
  readonly handler: HandlerModule;
  /**
   * Two-way: what the handler returns in `body` is sent back to the caller as the route's response
   * (API Gateway's route response), instead of through an `@connections` POST.
   */
  readonly replies: boolean;
}

const bothSites: readonly Site[] = ['internal', 'external'];

export const httpRoutes: readonly HttpRoute[] = [
  { method: 'GET', path: '/healthz', handler: 'http/healthz', auth: 'none', sites: bothSites },
  { method: 'GET', path: '/', handler: 'http/home', auth: 'none', sites: bothSites },
  {
    method: 'GET',
    path: '/auth/forms',
    handler: 'http/forms-page',
    auth: 'none',
    sites: bothSites,
    signIn: { method: 'forms', label: 'Sign in with your domain, user name and password' },
  },
  {
    method: 'POST',
    path: '/auth/forms',
    handler: 'http/forms-sign-in',
    auth: 'none',
    sites: bothSites,
    readsBody: true,
  },
  // Integrated Windows sign-in (Negotiate: Kerberos, NTLM) is for the organisation's networks only.
  {
    method: 'GET',
    path: '/auth/windows',
    handler: 'http/windows-sign-in',
    auth: 'none',
    sites: ['internal'],
    signIn: { method: 'windows', label: 'Sign in with your Windows account' },
  },
  {
    method: 'GET',
    path: '/auth/windows/quick',
    handler: 'http/windows-sign-in',
    auth: 'none',
    sites: ['internal'],
  },
  // Single sign-on through an OpenID provider, on the sites SSO_SITES names once SSO_ISSUER is set.
  {
    method: 'GET',
    path: '/auth/sso',
    handler: 'http/sso-start',
    auth: 'none',
    sites: bothSites,
    signIn: {
      method: 'sso',
      label: "Sign in with your organisation's account (single sign-on)",
      offered: ssoOffered,
    },
  },
  { method: 'GET', path: '/auth/sso/callback', handler: 'http/sso-callback', auth: 'none', sites: bothSites },
  // Sign-in asserted by a trusted upstream authenticator (reverse proxy, vendor filter) in a signed
  // header, on the sites ASSERTION_SITES names once ASSERTION_HEADER is set.
  {
    method: 'GET',
    path: '/auth/assertion',
    handler: 'http/assertion-sign-in',
    auth: 'none',
    sites: bothSites,
    signIn: {
      method: 'assertion',
      label: "Sign in through your organisation's sign-in gateway",
      offered: assertionOffered,
    },
  },
  // Smart card (client certificate) sign-in, on the sites CLIENT_CERT_SITES names.
  {
    method: 'GET',
    path: '/auth/certificate',
    handler: 'http/certificate-sign-in',
    auth: 'none',
    sites: bothSites,
    signIn: {
      method: 'certificate',
      label: 'Sign in with your smart card or certificate',
      offered: certificateOffered,
    },
  },
  // Two-factor sign-in: the password, then an authenticator app's code or a security key; and the
  // signed-in user's enrolment of those factors.
  {
    method: 'GET',
    path: '/auth/two-factor',
    handler: 'http/two-factor-page',
    auth: 'none',
    sites: bothSites,
    signIn: {
      method: 'two-factor',
      label: 'Sign in with your password and a second factor (authenticator app or security key)',
      offered: twoFactorOffered,
    },
  },
  {
    method: 'POST',
    path: '/auth/two-factor',
    handler: 'http/two-factor-password',
    auth: 'none',
    sites: bothSites,
    readsBody: true,
  },
  {
    method: 'GET',
    path: '/auth/two-factor/verify',
    handler: 'http/two-factor-verify',
    auth: 'none',
    sites: bothSites,
  },
  {
    method: 'POST',
    path: '/auth/two-factor/totp',
    handler: 'http/two-factor-totp',
    auth: 'none',
    sites: bothSites,
    readsBody: true,
  },
  {
    method: 'GET',
    path: '/auth/two-factor/enrol',
    handler: 'http/two-factor-enrol',
    auth: 'ticket',
    sites: bothSites,
  },
  {
    method: 'POST',
    path: '/auth/two-factor/enrol/totp',
    handler: 'http/two-factor-enrol',
    auth: 'ticket',
    sites: bothSites,
    readsBody: true,
  },
  {
    method: 'POST',
    path: '/auth/two-factor/enrol/totp/confirm',
    handler: 'http/two-factor-enrol',
    auth: 'ticket',
    sites: bothSites,
    readsBody: true,
  },
  {
    method: 'POST',
    path: '/auth/two-factor/security-key/options',
    handler: 'http/two-factor-security-key',
    auth: 'none',
    sites: bothSites,
    readsBody: true,
  },
  {
    method: 'POST',
    path: '/auth/two-factor/security-key',
    handler: 'http/two-factor-security-key',
    auth: 'none',
    sites: bothSites,
    readsBody: true,
  },
  {
    method: 'POST',
    path: '/auth/two-factor/enrol/security-key/options',
    handler: 'http/two-factor-enrol-security-key',
    auth: 'ticket',
    sites: bothSites,
    readsBody: true,
  },
  {
    method: 'POST',
    path: '/auth/two-factor/enrol/security-key',
    handler: 'http/two-factor-enrol-security-key',
    auth: 'ticket',
    sites: bothSites,
    readsBody: true,
  },
  { method: 'POST', path: '/auth/signout', handler: 'http/sign-out', auth: 'none', sites: bothSites },
  { method: 'GET', path: '/api/session', handler: 'http/session', auth: 'ticket', sites: bothSites },
  // The client page is going (sent with `navigator.sendBeacon` on `pagehide`): the ticket ends within
  // seconds unless the page comes back (a reload).
  {
    method: 'POST',
    path: '/api/session/leave',
    handler: 'http/session-leave',
    auth: 'ticket',
    sites: bothSites,
  },
  {
    method: 'GET',
    path: '/api/directory',
    handler: 'http/directory-search',
    auth: 'ticket',
    sites: bothSites,
  },
];

/** The largest request bodies routes take (bytes): where the handler reads one, and elsewhere. */
export const bodyLimits = { readsBody: 16 * 1024, none: 1024 } as const;

/** The largest request body a route takes; no route (`$default`) reads one. */
export const bodyLimitOf = (route: Pick<HttpRoute, 'readsBody'> | undefined): number =>
  route?.readsBody ? bodyLimits.readsBody : bodyLimits.none;

/** The route of an API Gateway route key (`POST /auth/forms`); none for `$default`. */
export const httpRouteOfKey = (routeKey: string): HttpRoute | undefined =>
  httpRoutes.find((r) => `${r.method} ${r.path}` === routeKey);

/** The methods a site's routes take at `path`; none when no route has that path. */
export const methodsAt = (site: Site, path: string): HttpRoute['method'][] =>
  httpRoutes.filter((r) => r.path === path && r.sites.includes(site)).map((r) => r.method);

/** Requests that match no route (API Gateway's `$default` route). */
export const httpFallback: HandlerModule = 'http/not-found';

/** The Lambda authorizers: HTTP API routes with `auth: 'ticket'`, and WebSocket `$connect`. */
export const authorizers = {
  http: 'http/authorizer',
  webSocket: 'ws/authorizer',
} as const satisfies Record<string, HandlerModule>;

/** WebSocket routes; route selection is on `$request.body.action`. */
export const webSocketRoutes: readonly WebSocketRoute[] = [
  { routeKey: '$connect', handler: 'ws/connect', replies: false },
  { routeKey: '$disconnect', handler: 'ws/disconnect', replies: false },
  { routeKey: '$default', handler: 'ws/actions', replies: true },
  ...clientActions.map((action) => ({ routeKey: action, handler: 'ws/actions' as const, replies: true })),
];

export const webSocketPath = '/ws';

/** Work that runs on a schedule rather than on a request. */
export interface ScheduledTask {
  readonly handler: HandlerModule;
  /** How often it runs on AWS (EventBridge); the local runtime runs it more often. */
  readonly everyMinutes: number;
  /** The local runtime's setting for how often it runs (seconds); unset, the runtime's schedule. */
  readonly localEverySetting?: string;
}

export const scheduledTasks: readonly ScheduledTask[] = [
  { handler: 'scheduled/end-expired-sessions', everyMinutes: 1 },
  // Directory changes made under the policy cache (LDAP / AD) reach connections that send nothing.
  { handler: 'scheduled/recheck-policy', everyMinutes: 1, localEverySetting: 'POLICY_RECHECK_SECONDS' },
  // Connections whose `$disconnect` never came would show their users online for up to 2 hours.
  { handler: 'scheduled/sweep-gone-connections', everyMinutes: 1 },
];

/** Every handler module the product deploys, each once. */
export function allHandlerModules(): HandlerModule[] {
  return [
    ...new Set([
      ...httpRoutes.map((r) => r.handler),
      httpFallback,
      authorizers.http,
      authorizers.webSocket,
      ...webSocketRoutes.map((r) => r.handler),
      ...scheduledTasks.map((t) => t.handler),
    ]),
  ];
}
