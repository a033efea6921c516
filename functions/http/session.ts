import { ticketRoute } from './adapter.ts';
import { json } from './respond.ts';

/** `GET /api/session`: who the ticket speaks for, until when, and how they signed in. */
export const handler = ticketRoute(async (_event, principal) =>
  json(200, {
    user: { sipUri: principal.sipUri, displayName: principal.displayName },
    expiresAt: new Date(principal.expiresAt).toISOString(),
    authMethod: principal.authMethod,
    ...(principal.account ? { account: principal.account } : {}),
    site: principal.site,
  }),
);
