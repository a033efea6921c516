import { createHash, randomInt } from 'node:crypto';
import type { Clock } from '../clock.ts';
import { AppError } from '../errors.ts';
import { keyUsage } from './crypto/enctype.ts';
import { IntegrityError } from './crypto/enctype.ts';
import { enctypeById } from './crypto/enctypes.ts';
import { malformed } from './der.ts';
import {
  checksumFlags,
  frame,
  gssChecksumType,
  gssFlags,
  kerberosToken,
  oids,
  tokenIds,
  unframe,
} from './gss.ts';
import type { KeytabEntry, ServiceKeys } from './keytab.ts';
import {
  encodeApRep,
  encodeEncApRepPart,
  parseApReq,
  parseAuthenticator,
  parseEncTicketPart,
  principalText,
  type Authenticator,
  type EncTicketPart,
} from './messages.ts';
import type { ReplayCache } from './replay-cache.ts';
import { encodeNegTokenResp, negState, parseNegTokenInit } from './spnego.ts';

export interface AcceptorDeps {
  readonly keys: ServiceKeys;
  readonly replayCache: ReplayCache;
  readonly clock: Clock;
  /** How far client and server clocks may disagree (RFC 4120 suggests 5 minutes). */
  readonly clockSkewMs: number;
}

export interface KerberosClient {
  /** The principal's name components joined by `/` (e.g. `alice`). */
  readonly name: string;
  readonly realm: string;
  /** `name@REALM`. */
  readonly principal: string;
}

export interface Accepted {
  readonly client: KerberosClient;
  /** The service principal whose key opened the ticket (the keytab entry's name). */
  readonly service: string;
  /** The service's realm: the keytab entry's whose key opened the ticket (not the ticket's clear text). */
  readonly serviceRealm: string;
  /** The token for the final `WWW-Authenticate: Negotiate` (SPNEGO accept-completed, with the AP-REP when mutual authentication was asked for). */
  readonly responseToken: Buffer;
}

const kerberosMechs: readonly string[] = [oids.kerberos, oids.msKerberos];

/** Flags of a ticket (RFC 4120 §5.3): the invalid flag marks a postdated ticket not yet validated. */
const ticketInvalid = (flags: Buffer): boolean => ((flags[0] ?? 0) & 0x01) !== 0;
/** AP options: mutual-required is bit 2. */
const mutualRequired = (apOptions: Buffer): boolean => ((apOptions[0] ?? 0) & 0x20) !== 0;

function decryptWith<T>(decrypt: () => Buffer, parse: (bytes: Buffer) => T, what: string): T {
  let plain: Buffer;
  try {
    plain = decrypt();
  } catch (err) {
    if (err instanceof IntegrityError || err instanceof RangeError) {
      throw new AppError(
        'kerberos_integrity_failed',
        `The Kerberos ${what} could not be decrypted with the expected key: it was not made for this service's current key, or it was altered.`,
      );
    }
    throw err;
  }
  return parse(plain);
}

function checkTimes(ticket: EncTicketPart, authenticator: Authenticator, deps: AcceptorDeps): void {
  const now = deps.clock.now();
  const skew = deps.clockSkewMs;
  if (Math.abs(authenticator.ctime - now) > skew) {
    throw new AppError(
      'kerberos_clock_skew',
      "The client's clock and this server's differ by more than the allowed skew: check both clocks.",
    );
  }
  if (ticketInvalid(ticket.flags) || (ticket.starttime ?? ticket.authtime) - skew > now) {
    throw new AppError('kerberos_ticket_not_yet_valid', 'The Kerberos ticket is not valid yet.');
  }
  if (ticket.endtime + skew < now) {
    throw new AppError(
      'kerberos_ticket_expired',
      'The Kerberos ticket has expired: sign in to Windows again (or kinit).',
    );
  }
}

/**
 * What the replay cache remembers of an accepted AP-REQ: only what cannot be changed without
 * breaking the cryptography, as MIT's rcache keys on a hash of the authenticator's ciphertext. Every
 * clear-text field (ticket realm and sname, enc-part etype and kvno, ap-options, SPNEGO wrapping,
 * the DER encoding around the ciphertext) can be altered on a captured token while it still
 * decrypts, so none of them is part of the key. With the ciphertext go the client principal from
 * the decrypted ticket and the service *key* that opened it: the service's name is not used, since
 * a keytab may hold one key under several names (an account with several SPNs) and the ticket's
 * sname could then be switched between them.
 */
function replayKeyOf(authenticatorCipher: Buffer, client: string, serviceKey: KeytabEntry): string {
  const hash = createHash('sha256').update('krb5-ap-req-replay/2');
  for (const part of [
    Buffer.from(client, 'utf8'),
    createHash('sha256').update(serviceKey.key).digest(),
    authenticatorCipher,
  ]) {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(part.length);
    hash.update(length).update(part);
  }
  return hash.digest('base64url');
}

/**
 * Accepts one HTTP Negotiate token (RFC 4559): SPNEGO with an optimistic Kerberos token, or a bare
 * Kerberos GSS token. Decrypts the ticket with the service key from the keytab, the authenticator
 * with the ticket's session key, checks names, times and replay, and builds the AP-REP for mutual
 * authentication. Every refusal is an `AppError` with a stable code; nothing here is a 500.
 */
export async function acceptNegotiate(deps: AcceptorDeps, token: Buffer): Promise<Accepted> {
  const outer = unframe(token);
  let mech: string;
  let mechToken: Buffer;
  let spnego = false;
  if (outer.mech === oids.spnego) {
    const init = parseNegTokenInit(outer.body);
    const first = init.mechTypes[0] ?? '';
    if (!kerberosMechs.includes(first) || !init.mechToken) {
      throw new AppError(
        'negotiate_unsupported_mechanism',
        `The Negotiate token offers ${first === oids.ntlm ? 'NTLM inside SPNEGO' : `mechanism ${first}`} first; this service accepts Kerberos here (or NTLM with the NTLM scheme).`,
      );
    }
    mech = first;
    mechToken = init.mechToken;
    spnego = true;
  } else if (kerberosMechs.includes(outer.mech)) {
    mech = outer.mech;
    mechToken = token;
  } else {
    throw new AppError(
      'negotiate_unsupported_mechanism',
      `The Negotiate token uses mechanism ${outer.mech}, not Kerberos.`,
    );
  }

  const inner = unframe(mechToken);
  if (!kerberosMechs.includes(inner.mech)) {
    throw new AppError(
      'negotiate_unsupported_mechanism',
      `The mechanism token is ${inner.mech}, not Kerberos.`,
    );
  }
  const { tokenId, message } = kerberosToken(inner.body);
  if (tokenId !== tokenIds.apReq) throw malformed('the Kerberos token is not an AP-REQ');
  const apReq = parseApReq(message);

  const { ticket } = apReq;
  const ticketEnctype = enctypeById(ticket.encPart.etype);
  const serviceKey = deps.keys.keyFor(
    principalText(ticket.sname, ticket.realm),
    ticket.encPart.kvno,
    ticketEnctype.id,
  );
  const encTicket = decryptWith(
    () => ticketEnctype.decrypt(serviceKey.key, keyUsage.ticket, ticket.encPart.cipher),
    parseEncTicketPart,
    'ticket',
  );

  const sessionEnctype = enctypeById(encTicket.key.keytype);
  if (apReq.authenticator.etype !== sessionEnctype.id) {
    throw new AppError(
      'kerberos_unsupported_etype',
      'The authenticator is not sealed with the session key type.',
    );
  }
  if (encTicket.key.keyvalue.length !== sessionEnctype.keyBytes)
    throw malformed('the session key has the wrong length');
  const authenticator = decryptWith(
    () =>
      sessionEnctype.decrypt(encTicket.key.keyvalue, keyUsage.apReqAuthenticator, apReq.authenticator.cipher),
    parseAuthenticator,
    'authenticator',
  );

  const client = principalText(encTicket.cname, encTicket.crealm);
  if (principalText(authenticator.cname, authenticator.crealm) !== client) {
    throw new AppError(
      'kerberos_principal_mismatch',
      'The authenticator names a different client than the ticket.',
    );
  }
  checkTimes(encTicket, authenticator, deps);

  const now = deps.clock.now();
  const replayKey = replayKeyOf(apReq.authenticator.cipher, client, serviceKey);
  const fresh = await deps.replayCache.remember(
    replayKey,
    Math.max(authenticator.ctime, now) + deps.clockSkewMs,
    now,
  );
  if (!fresh) {
    throw new AppError(
      'kerberos_replay',
      'This Kerberos authenticator was already used: a captured token cannot be replayed.',
    );
  }

  const flags = authenticator.cksum?.type === gssChecksumType ? checksumFlags(authenticator.cksum.value) : 0;
  const mutual = mutualRequired(apReq.apOptions) || (flags & gssFlags.mutual) !== 0;
  let reply: Buffer | undefined;
  if (mutual) {
    const encPart = sessionEnctype.encrypt(
      encTicket.key.keyvalue,
      keyUsage.apRepEncPart,
      encodeEncApRepPart({
        ctime: authenticator.ctime,
        cusec: authenticator.cusec,
        seqNumber: randomInt(0, 0x7fffffff),
      }),
    );
    const apRep = encodeApRep({ etype: sessionEnctype.id, cipher: encPart });
    reply = frame(oids.kerberos, Buffer.concat([Buffer.from([0x02, 0x00]), apRep]));
  }
  const responseToken = spnego
    ? encodeNegTokenResp({
        state: negState.acceptCompleted,
        mech,
        ...(reply ? { responseToken: reply } : {}),
      })
    : (reply ?? Buffer.alloc(0));

  const name = encTicket.cname.names.join('/');
  return {
    client: { name, realm: encTicket.crealm, principal: client },
    // The keytab entry whose key opened the ticket, not the ticket's clear-text sname and realm.
    service: serviceKey.principal,
    serviceRealm: serviceKey.realm,
    responseToken,
  };
}
