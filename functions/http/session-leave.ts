import { ticketRoute } from './adapter.ts';
import { assertNotCrossSite } from './request.ts';
import { noContent } from './respond.ts';

/**
 * `POST /api/session/leave`: the client page is going (its `pagehide`, sent with
 * `navigator.sendBeacon`). The ticket ends a few seconds after, once its connections are gone,
 * unless a page of it comes back at once (a reload); a persistent ticket is not affected. Refused
 * from another site (the ticket cookie is SameSite=Strict, and a sibling site is refused too), as
 * sign-out is.
 */
export const handler = ticketRoute(async (event, principal, deps) => {
  assertNotCrossSite(event, deps.env);
  await deps.tickets.leave(principal.ticketId);
  return noContent();
});
