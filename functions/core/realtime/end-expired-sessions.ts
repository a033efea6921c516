import { sessionOf, type AuditLog } from '../audit/audit-log.ts';
import type { Tickets } from '../tickets/tickets.ts';
import type { Realtime } from './realtime.ts';

export interface EndExpiredDeps {
  readonly tickets: Tickets;
  readonly realtime: Realtime;
  readonly audit: AuditLog;
}

/**
 * Ends the sessions whose ticket passed its absolute or idle expiry: each live connection gets
 * `session.ended` (`expired`) and is closed, and the ticket record is deleted. Run on a schedule,
 * because nothing else would tell a connection that sits quietly receiving presence and messages.
 * Answers how many tickets it ended.
 */
export async function endExpiredSessions(deps: EndExpiredDeps): Promise<number> {
  const expired = await deps.tickets.recentlyExpired();
  for (const ticket of expired) {
    await deps.realtime.endTicketConnections(ticket, 'expired');
    await deps.tickets.revoke(ticket.ticketId);
    deps.audit.record({
      event: 'session.ended',
      reason: 'expired',
      sipUri: ticket.sipUri,
      session: sessionOf(ticket.ticketId),
    });
  }
  return expired.length;
}
