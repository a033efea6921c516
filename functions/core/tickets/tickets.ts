import { randomBytes } from 'node:crypto';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import type { Clock } from '../clock.ts';
import { AppError } from '../errors.ts';
import type { DirectoryUser, SessionMethod, Site } from '../model.ts';
import { verificationKeyOf, type SigningKeys } from './keys.ts';
import type { ItemRead } from '../storage/item-reads.ts';
import type { TicketRecord, TicketStore } from './store.ts';

export interface TicketPolicy {
  readonly lifetimeSeconds: number;
  readonly idleSeconds: number;
}

/** How tickets live: per site lifetimes, how leaving the client page ends them, and the frame rate. */
export interface TicketRules {
  readonly sites: Readonly<Record<Site, TicketPolicy>>;
  /**
   * A ticket whose last connection closed without a word (the network dropped it) ends this long
   * after, unless a connection returns.
   */
  readonly leaveGraceSeconds: number;
  /**
   * A ticket whose client page said it was going (closed, or left for another page) ends this long
   * after, once its connections are gone, unless a page of it comes back (a reload).
   */
  readonly leaveConfirmSeconds: number;
  /** At most `limit` WebSocket frames per ticket in each window of `windowSeconds`. */
  readonly frameRate: { readonly limit: number; readonly windowSeconds: number };
}

/** A WebSocket frame's view of its ticket. */
export type FrameCheck = { readonly record: TicketRecord; readonly rateLimited: boolean } | undefined;

/**
 * The session sweeper looks this many minutes back for tickets that expired, and for tickets whose
 * page went (a grace period longer than this is found at the ticket's idle expiry instead).
 */
const sweepLookBackMinutes = 15;

/** What a sign-in method may set differently from its site's rules (SSO's per-site settings). */
export interface TicketOptions {
  readonly idleSeconds?: number;
  readonly lifetimeSeconds?: number;
  /** Carried by a persistent cookie: the ticket survives leaving the client page (and browser restarts). */
  readonly persistent?: boolean;
  /** The account that signed in, kept with the ticket (Windows sign-in: the principal or `DOMAIN\\user`). */
  readonly account?: string;
}

/** What a verified token names: its ticket record and its user. */
export interface TicketClaims {
  readonly ticketId: string;
  readonly sipUri: string;
}

export interface IssuedTicket {
  /** The signed JWT that travels in the ticket cookie. */
  readonly token: string;
  readonly record: TicketRecord;
}

const issuer = 'web-communicator';
const audience = 'web-communicator/ticket';
const algorithm = 'EdDSA';
/**
 * Activity is written at most this often, so a busy user costs one write per interval, not per
 * request; never more than a tenth of the idle time, so a short idle timeout (`TICKET_IDLE_SECONDS`
 * of 10) still counts every request of an active user, at most a tenth of the idle time late.
 */
const maxTouchIntervalMs = 30_000;
const touchIntervalOf = (idleMs: number): number => Math.min(maxTouchIntervalMs, idleMs / 10);

const minuteOf = (ms: number): number => Math.floor(ms / 60_000);

const unauthenticated = (): AppError =>
  new AppError('unauthenticated', 'Sign in first: no valid ticket came with this request.');

/**
 * Mints, checks and revokes authentication tickets. A ticket is a JWT signed with the server's
 * Ed25519 key whose `jti` names a record in the ticket store; it is valid only while that record
 * exists and neither its absolute nor its idle expiry has passed (checked here on every read, since
 * DynamoDB TTL deletes late).
 */
export class Tickets {
  constructor(
    private readonly store: TicketStore,
    /** The key ring; it also signs the product's other short-lived tokens, each under its own audience. */
    readonly keys: SigningKeys,
    private readonly clock: Clock,
    private readonly rules: TicketRules,
  ) {}

  async issue(
    user: DirectoryUser,
    site: Site,
    authMethod: SessionMethod,
    options: TicketOptions = {},
  ): Promise<IssuedTicket> {
    const now = this.clock.now();
    const policy = { ...this.rules.sites[site], ...options };
    const record: TicketRecord = {
      ticketId: randomBytes(24).toString('base64url'),
      sipUri: user.sipUri,
      site,
      authMethod,
      issuedAt: now,
      expiresAt: now + policy.lifetimeSeconds * 1000,
      idleExpiresAt: Math.min(now + policy.idleSeconds * 1000, now + policy.lifetimeSeconds * 1000),
      lastActivityAt: now,
      ...(options.idleSeconds ? { idleTimeoutMs: options.idleSeconds * 1000 } : {}),
      ...(options.persistent ? { persistent: true } : {}),
      ...(options.account ? { account: options.account } : {}),
    };
    await this.store.put(record);
    const token = await new SignJWT({ site, amr: [authMethod] })
      .setProtectedHeader({ alg: algorithm, kid: this.keys.kid, typ: 'JWT' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject(record.sipUri)
      .setJti(record.ticketId)
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(Math.ceil(record.expiresAt / 1000))
      .sign(this.keys.privateKey);
    return { token, record };
  }

  /** The ticket id a token names, if its signature is ours; expiry is not checked (for sign-out). */
  async ticketIdOf(token: string): Promise<string | undefined> {
    try {
      const { payload } = await this.verify(token);
      return payload.jti;
    } catch (err) {
      // An expired JWT still names a record worth deleting; its signature was checked first.
      if (err instanceof joseErrors.JWTExpired) return err.payload.jti;
      if (err instanceof joseErrors.JOSEError) return undefined;
      throw err;
    }
  }

  /** Checks a token presented on `site`; answers its current record or throws `unauthenticated`. */
  async validate(token: string | undefined, site: Site): Promise<TicketRecord> {
    return this.recordOf(await this.claimsOf(token, site), site);
  }

  /**
   * The ticket and user a token presented on `site` names, once its signature and claims check out
   * (no store read yet: the caller may read the user alongside `recordOf`); else `unauthenticated`.
   */
  async claimsOf(token: string | undefined, site: Site): Promise<TicketClaims> {
    if (!token) throw unauthenticated();
    const { payload } = await this.verify(token).catch((err: unknown) => {
      throw err instanceof joseErrors.JOSEError ? unauthenticated() : err;
    });
    if (payload.site !== site || !payload.jti || !payload.sub) throw unauthenticated();
    return { ticketId: payload.jti, sipUri: payload.sub };
  }

  /** The current record of a ticket whose claims checked out, or `unauthenticated`. */
  async recordOf(claims: TicketClaims, site: Site): Promise<TicketRecord> {
    return this.current(await this.store.get(claims.ticketId), claims, site);
  }

  /**
   * `recordOf`, and another item read (the ticket's user) in the same request when the store can
   * (one BatchGetItem), else alongside it.
   */
  async recordOfWith<T>(claims: TicketClaims, site: Site, other: ItemRead<T>): Promise<[TicketRecord, T]> {
    const [record, answer] = this.store.getWith
      ? await this.store.getWith(claims.ticketId, other)
      : await Promise.all([this.store.get(claims.ticketId), other.alone()]);
    return [this.current(record, claims, site), answer];
  }

  private current(record: TicketRecord | undefined, claims: TicketClaims, site: Site): TicketRecord {
    if (!record || record.sipUri !== claims.sipUri || record.site !== site) throw unauthenticated();
    if (!this.isCurrent(record)) throw unauthenticated();
    return record;
  }

  /**
   * True while neither the absolute nor the idle expiry has passed, and leaving the client page has
   * not ended the ticket (see `leaveEndOf`).
   */
  isCurrent(record: TicketRecord): boolean {
    const now = this.clock.now();
    const leaveEnd = this.leaveEndOf(record);
    return now < record.expiresAt && now < record.idleExpiresAt && (leaveEnd === undefined || now < leaveEnd);
  }

  /**
   * When leaving the client page ends the ticket (ms since the epoch), or undefined while it does
   * not: `leaveGraceSeconds` after its last connection closed, or sooner, `leaveConfirmSeconds` after
   * the page said it was going and its connections were gone. A connection of the ticket opening in
   * between (a reload) takes the leave back, and nothing else does: a request with the cookie does
   * not show that a page is there. A persistent ticket (SSO's opt-in) outlives leaving.
   */
  private leaveEndOf(record: TicketRecord): number | undefined {
    if (record.persistent) return undefined;
    const graceEnd =
      record.detachedAt === undefined ? undefined : record.detachedAt + this.rules.leaveGraceSeconds * 1000;
    const saidEnd = this.saidLeaveEndOf(record);
    if (graceEnd === undefined) return saidEnd;
    return saidEnd === undefined ? graceEnd : Math.min(graceEnd, saidEnd);
  }

  private saidLeaveEndOf({ leftAt, detachedAt, attachedAt }: TicketRecord): number | undefined {
    if (leftAt === undefined) return undefined;
    const confirmMs = this.rules.leaveConfirmSeconds * 1000;
    // Only a page with nothing left connected has gone: the leave of one of two tabs on the ticket
    // ends nothing while the other stays. The last connection must have closed by the end of the
    // confirm window (a close much later is another page's, and gets the grace period); a ticket
    // that never connected has none to close.
    const closedAt = detachedAt ?? (attachedAt === undefined ? leftAt : undefined);
    if (closedAt === undefined || closedAt > leftAt + confirmMs) return undefined;
    return Math.max(leftAt, closedAt) + confirmMs;
  }

  /**
   * Checks the ticket for one WebSocket frame (the authorizer runs only at `$connect`), counts the
   * frame against the rate limit and, when it is user activity (not a keep-alive), against the idle
   * timeout. Answers undefined when the ticket has ended.
   */
  async checkFrame(
    ticketId: string,
    site: Site,
    options: { readonly activity: boolean },
  ): Promise<FrameCheck> {
    const now = this.clock.now();
    const { limit, windowSeconds } = this.rules.frameRate;
    const used = await this.store.useForFrame(
      ticketId,
      now,
      Math.floor(now / (windowSeconds * 1000)),
      options.activity ? { idleSeconds: this.rules.sites[site].idleSeconds } : undefined,
    );
    if (!used || !this.isCurrent(used.record)) return undefined;
    return { record: used.record, rateLimited: used.framesInWindow > limit };
  }

  /** A connection of the ticket opened: the user is on the client page (again, after a reload). */
  attach(ticketId: string): Promise<void> {
    return this.store.attach(ticketId, this.clock.now());
  }

  /** The ticket's last connection closed (as seen at `checkedAt`): the leave grace period starts. */
  detach(ticketId: string, checkedAt: number): Promise<void> {
    return this.store.detach(ticketId, this.clock.now(), checkedAt);
  }

  /**
   * The client page says it is going (closed, or left for another page): the ticket ends
   * `leaveConfirmSeconds` after, once its connections are gone, unless a page of it comes back
   * (a reload). A persistent ticket is not affected.
   */
  leave(ticketId: string): Promise<void> {
    return this.store.leave(ticketId, this.clock.now());
  }

  /** Tickets that expired recently (absolute or idle) and still have a record, for the session sweeper. */
  async recentlyExpired(): Promise<TicketRecord[]> {
    const found = await this.sweepMinutes((m) => this.store.expiringInMinute(m));
    const now = this.clock.now();
    return found.filter((r) => now >= r.expiresAt || now >= r.idleExpiresAt);
  }

  /** Tickets that leaving the client page ended recently and that still have a record, for the sweeper. */
  async recentlyLeft(): Promise<TicketRecord[]> {
    const found = await this.sweepMinutes((m) => this.store.leavingInMinute(m));
    const now = this.clock.now();
    return found.filter((r) => {
      const end = this.leaveEndOf(r);
      return end !== undefined && now >= end;
    });
  }

  private async sweepMinutes(read: (minute: number) => Promise<TicketRecord[]>): Promise<TicketRecord[]> {
    const nowMinute = minuteOf(this.clock.now());
    const minutes = Array.from({ length: sweepLookBackMinutes + 1 }, (_, i) => nowMinute - i);
    return (await Promise.all(minutes.map(read))).flat();
  }

  /** Counts user activity against the idle timeout. */
  async recordActivity(record: TicketRecord): Promise<void> {
    const now = this.clock.now();
    const idleMs = record.idleTimeoutMs ?? this.rules.sites[record.site].idleSeconds * 1000;
    if (now - record.lastActivityAt < touchIntervalOf(idleMs)) return;
    const idleExpiresAt = Math.min(now + idleMs, record.expiresAt);
    await this.store.touch(record, now, idleExpiresAt);
  }

  /** Ends the ticket; answers its record when this call ended it (undefined: already gone, or ended by another). */
  async revoke(ticketId: string): Promise<TicketRecord | undefined> {
    const record = await this.store.get(ticketId);
    const deleted = await this.store.delete(ticketId);
    return deleted ? record : undefined;
  }

  private verify(token: string) {
    // The header's key id picks the key; an unknown one is tried against the current key and fails.
    const keyOf = (header: { kid?: string }) =>
      verificationKeyOf(this.keys, header.kid) ?? this.keys.publicKey;
    return jwtVerify<{ site?: string; amr?: string[] }>(token, keyOf, {
      algorithms: [algorithm],
      issuer,
      audience,
      typ: 'JWT',
      requiredClaims: ['jti', 'sub', 'exp', 'iat'],
      currentDate: new Date(this.clock.now()),
    });
  }
}
