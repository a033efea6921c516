import { createHash } from 'node:crypto';
import type { ErrorCode } from '../errors.ts';
import type { SessionMethod, Site } from '../model.ts';

/**
 * What the audit trail records. Never a password or a ticket: a session is named by a short hash
 * of its ticket id, enough to follow one session through the log and useless to anyone reading it.
 */
export type AuditEvent =
  | {
      readonly event: 'signin.succeeded';
      readonly method: SessionMethod;
      readonly site: Site;
      readonly sourceAddress: string;
      /** The account that signed in, for the methods that name one apart from the user (Windows). */
      readonly account?: string;
      readonly sipUri: string;
      readonly session: string;
    }
  | {
      readonly event: 'signin.failed';
      readonly method: SessionMethod;
      readonly site: Site;
      readonly sourceAddress: string;
      /** The account as typed (`DOMAIN\user`), which may not exist. */
      readonly account: string;
      readonly reason: ErrorCode;
    }
  | { readonly event: 'signout'; readonly sipUri: string; readonly session: string }
  | {
      /** A second factor was added to the account (an app confirmed, or a security key registered). */
      readonly event: 'two_factor.enrolled';
      readonly method: 'totp' | 'security-key';
      readonly sipUri: string;
      /** The session that added it, and how that session signed in. */
      readonly session: string;
      readonly sessionMethod: SessionMethod;
    }
  | {
      /** Adding a second factor was refused: the account has one and the session did not use it. */
      readonly event: 'two_factor.enrolment_refused';
      readonly method: 'totp' | 'security-key';
      readonly sipUri: string;
      readonly session: string;
      readonly sessionMethod: SessionMethod;
      readonly reason: ErrorCode;
    }
  | {
      readonly event: 'session.ended';
      /** `left`: the user left the client page (closed it, went elsewhere, or its connection never came back). */
      readonly reason: 'expired' | 'left' | 'revoked' | 'policy';
      readonly sipUri: string;
      readonly session: string;
    };

export interface AuditLog {
  record(event: AuditEvent): void;
}

/** The name a session goes by in the audit trail. */
export const sessionOf = (ticketId: string): string =>
  createHash('sha256').update(ticketId).digest('base64url').slice(0, 12);
