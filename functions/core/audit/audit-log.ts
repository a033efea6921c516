import { createHash } from 'node:crypto';
import type { ErrorCode } from '../errors.ts';
import type { AuthMethod, Site } from '../model.ts';

/**
 * What the audit trail records. Never a password or a ticket: a session is named by a short hash
 * of its ticket id, enough to follow one session through the log and useless to anyone reading it.
 */
export type AuditEvent =
  | {
      readonly event: 'signin.succeeded';
      readonly method: AuthMethod;
      readonly site: Site;
      readonly sourceAddress: string;
      readonly sipUri: string;
      readonly session: string;
    }
  | {
      readonly event: 'signin.failed';
      readonly method: AuthMethod;
      readonly site: Site;
      readonly sourceAddress: string;
      /** The account as typed (`DOMAIN\user`), which may not exist. */
      readonly account: string;
      readonly reason: ErrorCode;
    }
  | { readonly event: 'signout'; readonly sipUri: string; readonly session: string }
  | {
      readonly event: 'session.ended';
      readonly reason: 'expired' | 'revoked' | 'policy';
      readonly sipUri: string;
      readonly session: string;
    };

export interface AuditLog {
  record(event: AuditEvent): void;
}

/** The name a session goes by in the audit trail. */
export const sessionOf = (ticketId: string): string =>
  createHash('sha256').update(ticketId).digest('base64url').slice(0, 12);
