import * as der from '../../functions/core/kerberos/der.ts';
import { keyUsage } from '../../functions/core/kerberos/crypto/enctype.ts';
import { enctypeById } from '../../functions/core/kerberos/crypto/enctypes.ts';
import { frame, kerberosToken, oids, unframe } from '../../functions/core/kerberos/gss.ts';
import type { ServiceKeys } from '../../functions/core/kerberos/keytab.ts';
import {
  parseApReq,
  parseAuthenticator,
  parseEncTicketPart,
  principalText,
  type ApReq,
  type EncryptedData,
  type PrincipalName,
} from '../../functions/core/kerberos/messages.ts';
import { encodeNegTokenInit, parseNegTokenInit } from '../../functions/core/kerberos/spnego.ts';

/**
 * Takes a real token from MIT's initiator apart and puts it back together with one thing changed,
 * as an attacker or a misbehaving client would: the refusals the acceptor gives are then tested on
 * genuine tickets from a real KDC.
 */
export function apReqOf(token: Buffer): ApReq {
  const outer = unframe(token);
  const mechToken = outer.mech === oids.spnego ? parseNegTokenInit(outer.body).mechToken : token;
  if (!mechToken) throw new Error('no mech token');
  return parseApReq(kerberosToken(unframe(mechToken).body).message);
}

const principalName = (name: PrincipalName) =>
  der.sequence([der.int(name.nameType), der.sequenceOfValues(name.names.map((n) => der.generalString(n)))]);

const encryptedData = (data: EncryptedData) =>
  der.sequence([
    der.int(data.etype),
    data.kvno === undefined ? undefined : der.int(data.kvno),
    der.octetString(data.cipher),
  ]);

/** How `tokenOf` wraps the AP-REQ: the SPNEGO mechTypes (or none: a bare GSS token) and the inner OID. */
export interface Wrapping {
  /** SPNEGO's offered mechanisms, first one chosen; `bare` sends the Kerberos GSS token alone. */
  readonly mechTypes?: readonly string[] | 'bare';
  /** The OID framing the Kerberos token itself (Windows uses its historical one). */
  readonly innerMech?: string;
  /** Re-encodes the AP-REQ's DER with this function (e.g. `stretchLengths`). */
  readonly reencode?: (der: Buffer) => Buffer;
}

/**
 * Writes every DER length of `bytes` (and of its constructed contents, recursively) in the
 * non-minimal two-byte long form (`82 00 05` for 5): the same values, other bytes. Primitive
 * contents (OCTET STRINGs, so the ciphertexts) are left as they are.
 */
export function stretchLengths(bytes: Buffer): Buffer {
  const out: Buffer[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const tag = bytes[offset++] ?? 0;
    const first = bytes[offset++] ?? 0;
    let length = first;
    if (first & 0x80) {
      length = 0;
      for (let i = 0; i < (first & 0x7f); i++) length = length * 256 + (bytes[offset++] ?? 0);
    }
    const content = bytes.subarray(offset, offset + length);
    offset += length;
    const body = tag & 0x20 ? stretchLengths(content) : content;
    const lengthBytes = Buffer.alloc(3);
    lengthBytes[0] = 0x82;
    lengthBytes.writeUInt16BE(body.length, 1);
    out.push(Buffer.from([tag]), lengthBytes, body);
  }
  return Buffer.concat(out);
}

/** Encodes an AP-REQ and wraps it as SPNEGO offering Kerberos (or as `wrapping` says). */
export function tokenOf(apReq: ApReq, wrapping: Wrapping = {}): Buffer {
  const ticket = der.applicationTagged(
    1,
    der.sequence([
      der.int(5),
      der.generalString(apReq.ticket.realm),
      principalName(apReq.ticket.sname),
      encryptedData(apReq.ticket.encPart),
    ]),
  );
  const message = der.encode(
    der.applicationTagged(
      14,
      der.sequence([
        der.int(5),
        der.int(14),
        der.bitString(apReq.apOptions),
        ticket,
        encryptedData(apReq.authenticator),
      ]),
    ),
  );
  const encoded = wrapping.reencode ? wrapping.reencode(message) : message;
  const krb = frame(wrapping.innerMech ?? oids.kerberos, Buffer.concat([Buffer.from([1, 0]), encoded]));
  if (wrapping.mechTypes === 'bare') return krb;
  return encodeNegTokenInit(wrapping.mechTypes ?? [oids.kerberos], krb);
}

/** A fresh authenticator for the same ticket, written with the session key the ticket carries. */
export function resealAuthenticator(
  token: Buffer,
  keys: ServiceKeys,
  change: { ctime?: number; cname?: PrincipalName },
): Buffer {
  const apReq = apReqOf(token);
  const service = principalText(apReq.ticket.sname, apReq.ticket.realm);
  const etype = enctypeById(apReq.ticket.encPart.etype);
  const serviceKey = keys.keyFor(service, apReq.ticket.encPart.kvno, etype.id);
  const ticket = parseEncTicketPart(
    etype.decrypt(serviceKey.key, keyUsage.ticket, apReq.ticket.encPart.cipher),
  );
  const session = enctypeById(ticket.key.keytype);
  const old = parseAuthenticator(
    session.decrypt(ticket.key.keyvalue, keyUsage.apReqAuthenticator, apReq.authenticator.cipher),
  );
  const authenticator = der.encode(
    der.applicationTagged(
      2,
      der.sequence([
        der.int(5),
        der.generalString(old.crealm),
        principalName(change.cname ?? old.cname),
        old.cksum ? der.sequence([der.int(old.cksum.type), der.octetString(old.cksum.value)]) : undefined,
        der.int(old.cusec),
        der.kerberosTime(change.ctime ?? old.ctime),
      ]),
    ),
  );
  const cipher = session.encrypt(ticket.key.keyvalue, keyUsage.apReqAuthenticator, authenticator);
  return tokenOf({ ...apReq, authenticator: { etype: session.id, kvno: undefined, cipher } });
}

/** Times inside the real ticket, for tests that move the clock. */
export function ticketTimes(token: Buffer, keys: ServiceKeys): { endtime: number; ctime: number } {
  const apReq = apReqOf(token);
  const etype = enctypeById(apReq.ticket.encPart.etype);
  const key = keys.keyFor(
    principalText(apReq.ticket.sname, apReq.ticket.realm),
    apReq.ticket.encPart.kvno,
    etype.id,
  );
  const ticket = parseEncTicketPart(etype.decrypt(key.key, keyUsage.ticket, apReq.ticket.encPart.cipher));
  const session = enctypeById(ticket.key.keytype);
  const auth = parseAuthenticator(
    session.decrypt(ticket.key.keyvalue, keyUsage.apReqAuthenticator, apReq.authenticator.cipher),
  );
  return { endtime: ticket.endtime, ctime: auth.ctime };
}
