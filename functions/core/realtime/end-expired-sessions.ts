import { sessionOf, type AuditLog } from '../audit/audit-log.ts';
import type { TicketRecord } from '../tickets/store.ts';
import type { Tickets } from '../tickets/tickets.ts';
import type { Realtime } from './realtime.ts';

export interface EndExpiredDeps {
  readonly tickets: Tickets;
  readonly realtime: Realtime;
  readonly audit: AuditLog;
}

/**
 * Ends the sessions whose ticket passed its absolute or idle expiry, or whose client page was left
 * (closed, left for another page, or its connection gone for the grace period): each live
 * connection gets `session.ended` (`expired`) and is closed, the ticket record is deleted, and the
 * audit trail says why (`expired`, `left`). Run on a schedule, because nothing else would tell a
 * connection that sits quietly receiving presence and messages. Answers how many tickets it ended.
 */
export async function endExpiredSessions(deps: EndExpiredDeps): Promise<number> {
  const [expired, left] = await Promise.all([deps.tickets.recentlyExpired(), deps.tickets.recentlyLeft()]);
  const expiredIds = new Set(expired.map((t) => t.ticketId));
  const ending: [TicketRecord, 'expired' | 'left'][] = [
    ...expired.map((t): [TicketRecord, 'expired'] => [t, 'expired']),
    ...left.filter((t) => !expiredIds.has(t.ticketId)).map((t): [TicketRecord, 'left'] => [t, 'left']),
  ];
  for (const [ticket, reason] of ending) {
    // A left ticket has no connection of its own by then; one the store still lists is told it expired.
    await deps.realtime.endTicketConnections(ticket, 'expired');
    // Recorded once, by whichever run (or sign-out) deleted the record.
    if (!(await deps.tickets.revoke(ticket.ticketId))) continue;
    deps.audit.record({
      event: 'session.ended',
      reason,
      sipUri: ticket.sipUri,
      session: sessionOf(ticket.ticketId),
    });
  }
  return ending.length;
}
