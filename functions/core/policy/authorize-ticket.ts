import type { DirectoryStore } from '../directory/store.ts';
import { AppError } from '../errors.ts';
import type { Principal, Site } from '../model.ts';
import { endSession, type SessionEndDeps } from '../sessions/end-session.ts';
import type { Tickets } from '../tickets/tickets.ts';
import { assertAccess } from './access.ts';

export interface AuthorizeDeps extends SessionEndDeps {
  readonly tickets: Tickets;
  readonly directory: DirectoryStore;
  readonly legacyUrl: string | undefined;
}

/**
 * The authorizer's decision for one request: the ticket must verify and be current, and the
 * user's *current* directory entry must still pass the access policy for this site. Answers the
 * principal the request acts for, or throws an `AppError` with the refusal's code. A request
 * that is user activity moves the idle expiry; opening a WebSocket (a reconnect) does not.
 *
 * A ticket the policy refuses (the user disabled or gone, remote access or enhanced presence
 * withdrawn) is ended there and then, with its connections (`session.ended`, `policy`): the
 * refusal is final, and the same cookie is not let in again when the directory changes back.
 */
export async function authorizeTicket(
  deps: AuthorizeDeps,
  token: string | undefined,
  site: Site,
  options: { readonly activity: boolean },
): Promise<Principal> {
  const claims = await deps.tickets.claimsOf(token, site);
  // Both keys come from the verified token, so the ticket and the user are read together: in one
  // request when the directory is in DynamoDB too, else in parallel (LDAP).
  const userRead = deps.directory.userRead?.(claims.sipUri);
  const [ticket, user] = userRead
    ? await deps.tickets.recordOfWith(claims, site, userRead)
    : await Promise.all([deps.tickets.recordOf(claims, site), deps.directory.findBySipUri(claims.sipUri)]);
  try {
    if (!user) throw new AppError('unauthenticated', 'Sign in first: this account no longer exists.');
    assertAccess(user, { site, legacyUrl: deps.legacyUrl });
  } catch (err) {
    if (err instanceof AppError) await endSession(deps, ticket.ticketId, 'policy');
    throw err;
  }
  if (options.activity) await deps.tickets.recordActivity(ticket);
  return {
    sipUri: user.sipUri,
    displayName: user.displayName,
    ticketId: ticket.ticketId,
    authMethod: ticket.authMethod,
    ...(ticket.account ? { account: ticket.account } : {}),
    site,
    expiresAt: ticket.expiresAt,
  };
}
