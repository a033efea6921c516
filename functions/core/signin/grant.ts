import { sessionOf, type AuditLog } from '../audit/audit-log.ts';
import { AppError } from '../errors.ts';
import type { DirectoryUser, SessionMethod, Site } from '../model.ts';
import { assertAccess } from '../policy/access.ts';
import type { IssuedTicket, TicketOptions, Tickets } from '../tickets/tickets.ts';

/** What the audit trail says about every sign-in attempt, whatever its outcome. */
export interface SignInAttempt {
  readonly method: SessionMethod;
  readonly site: Site;
  readonly sourceAddress: string;
}

export interface GrantDeps {
  readonly tickets: Tickets;
  readonly audit: AuditLog;
  /** Where users without enhanced presence are sent, if anywhere. */
  readonly legacyUrl?: string;
}

/**
 * The end every sign-in method shares once it knows who the user is: the authorization policy for
 * the site, then a ticket, then `signin.succeeded` in the audit trail.
 */
export async function grantTicket(
  deps: GrantDeps,
  user: DirectoryUser,
  attempt: SignInAttempt,
  options?: TicketOptions,
): Promise<IssuedTicket> {
  assertAccess(user, { site: attempt.site, legacyUrl: deps.legacyUrl });
  const ticket = await deps.tickets.issue(user, attempt.site, attempt.method, options);
  deps.audit.record({
    event: 'signin.succeeded',
    ...attempt,
    ...(options?.account ? { account: options.account } : {}),
    sipUri: user.sipUri,
    session: sessionOf(ticket.record.ticketId),
  });
  return ticket;
}

/**
 * Writes a refused attempt (an `AppError`) to the audit trail as `signin.failed`, with the account
 * it named as far as the method got; anything else is a fault, logged where it is handled.
 */
export function recordRefusal(audit: AuditLog, attempt: SignInAttempt, account: string, err: unknown): void {
  if (err instanceof AppError) {
    audit.record({ event: 'signin.failed', ...attempt, account, reason: err.code });
  }
}
