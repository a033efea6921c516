import * as der from './der.ts';
import type { Node } from './der.ts';

/**
 * The Kerberos messages an HTTP acceptor meets (RFC 4120 §5): AP-REQ with its Ticket and
 * Authenticator, EncTicketPart, and the AP-REP it answers with for mutual authentication.
 */
export interface PrincipalName {
  readonly nameType: number;
  readonly names: readonly string[];
}

export interface EncryptedData {
  readonly etype: number;
  readonly kvno: number | undefined;
  readonly cipher: Buffer;
}

export interface EncryptionKey {
  readonly keytype: number;
  readonly keyvalue: Buffer;
}

export interface Ticket {
  readonly realm: string;
  readonly sname: PrincipalName;
  readonly encPart: EncryptedData;
}

export interface ApReq {
  readonly apOptions: Buffer;
  readonly ticket: Ticket;
  readonly authenticator: EncryptedData;
}

export interface EncTicketPart {
  readonly flags: Buffer;
  readonly key: EncryptionKey;
  readonly crealm: string;
  readonly cname: PrincipalName;
  readonly authtime: number;
  readonly starttime: number | undefined;
  readonly endtime: number;
}

export interface Checksum {
  readonly type: number;
  readonly value: Buffer;
}

export interface Authenticator {
  readonly crealm: string;
  readonly cname: PrincipalName;
  readonly cksum: Checksum | undefined;
  readonly cusec: number;
  readonly ctime: number;
  readonly seqNumber: number | undefined;
}

export const principalText = (name: PrincipalName, realm: string): string =>
  `${name.names.join('/')}@${realm}`;

function principalName(node: Node, what: string): PrincipalName {
  const f = der.fields(node, what);
  const names = der
    .sequenceOf(der.required(f, 1, `${what} name-string`), `${what} name-string`)
    .map((n) => der.text(n, `${what} component`));
  if (names.length === 0 || names.length > 8) throw der.malformed(`${what} has no usable components`);
  return { nameType: der.integer(der.required(f, 0, `${what} name-type`), `${what} name-type`), names };
}

function encryptedData(node: Node, what: string): EncryptedData {
  const f = der.fields(node, what);
  const kvno = f.get(1);
  return {
    etype: der.integer(der.required(f, 0, `${what} etype`), `${what} etype`),
    kvno: kvno ? der.integer(kvno, `${what} kvno`) : undefined,
    cipher: der.octets(der.required(f, 2, `${what} cipher`), `${what} cipher`),
  };
}

function encryptionKey(node: Node, what: string): EncryptionKey {
  const f = der.fields(node, what);
  return {
    keytype: der.integer(der.required(f, 0, `${what} keytype`), `${what} keytype`),
    keyvalue: der.octets(der.required(f, 1, `${what} keyvalue`), `${what} keyvalue`),
  };
}

function expectVersion(f: Map<number, Node>, tag: number, what: string): void {
  if (der.integer(der.required(f, tag, `${what} version`), `${what} version`) !== 5) {
    throw der.malformed(`${what} is not Kerberos version 5`);
  }
}

function ticket(node: Node): Ticket {
  const f = der.fields(der.unwrapApplication(node, 1, 'Ticket'), 'Ticket');
  expectVersion(f, 0, 'Ticket');
  return {
    realm: der.text(der.required(f, 1, 'Ticket realm'), 'Ticket realm'),
    sname: principalName(der.required(f, 2, 'Ticket sname'), 'Ticket sname'),
    encPart: encryptedData(der.required(f, 3, 'Ticket enc-part'), 'Ticket enc-part'),
  };
}

/** Parses a DER-encoded KRB_AP_REQ. */
export function parseApReq(bytes: Uint8Array): ApReq {
  const f = der.fields(der.unwrapApplication(der.decode(bytes, 'AP-REQ'), 14, 'AP-REQ'), 'AP-REQ');
  expectVersion(f, 0, 'AP-REQ');
  if (der.integer(der.required(f, 1, 'AP-REQ msg-type'), 'AP-REQ msg-type') !== 14) {
    throw der.malformed('the Kerberos message is not an AP-REQ');
  }
  return {
    apOptions: der.bits(der.required(f, 2, 'AP-REQ ap-options'), 'AP-REQ ap-options'),
    ticket: ticket(der.required(f, 3, 'AP-REQ ticket')),
    authenticator: encryptedData(der.required(f, 4, 'AP-REQ authenticator'), 'AP-REQ authenticator'),
  };
}

/** Parses the decrypted EncTicketPart. */
export function parseEncTicketPart(bytes: Uint8Array): EncTicketPart {
  const f = der.fields(
    der.unwrapApplication(der.decode(bytes, 'EncTicketPart'), 3, 'EncTicketPart'),
    'EncTicketPart',
  );
  const starttime = f.get(6);
  return {
    flags: der.bits(der.required(f, 0, 'ticket flags'), 'ticket flags'),
    key: encryptionKey(der.required(f, 1, 'ticket session key'), 'ticket session key'),
    crealm: der.text(der.required(f, 2, 'ticket crealm'), 'ticket crealm'),
    cname: principalName(der.required(f, 3, 'ticket cname'), 'ticket cname'),
    authtime: der.time(der.required(f, 5, 'ticket authtime'), 'ticket authtime'),
    starttime: starttime ? der.time(starttime, 'ticket starttime') : undefined,
    endtime: der.time(der.required(f, 7, 'ticket endtime'), 'ticket endtime'),
  };
}

/** Parses the decrypted Authenticator. */
export function parseAuthenticator(bytes: Uint8Array): Authenticator {
  const f = der.fields(
    der.unwrapApplication(der.decode(bytes, 'Authenticator'), 2, 'Authenticator'),
    'Authenticator',
  );
  expectVersion(f, 0, 'Authenticator');
  const cksumNode = f.get(3);
  let cksum: Checksum | undefined;
  if (cksumNode) {
    const c = der.fields(cksumNode, 'Authenticator checksum');
    cksum = {
      type: der.integer(der.required(c, 0, 'checksum type'), 'checksum type'),
      value: der.octets(der.required(c, 1, 'checksum value'), 'checksum value'),
    };
  }
  const seq = f.get(7);
  const cusec = der.integer(der.required(f, 4, 'Authenticator cusec'), 'Authenticator cusec');
  if (cusec < 0 || cusec > 999_999) throw der.malformed('Authenticator cusec is out of range');
  return {
    crealm: der.text(der.required(f, 1, 'Authenticator crealm'), 'Authenticator crealm'),
    cname: principalName(der.required(f, 2, 'Authenticator cname'), 'Authenticator cname'),
    cksum,
    cusec,
    ctime: der.time(der.required(f, 5, 'Authenticator ctime'), 'Authenticator ctime'),
    seqNumber: seq ? der.integer(seq, 'Authenticator seq-number') : undefined,
  };
}

/** EncAPRepPart: echoes the authenticator's time, proving the service could read it. */
export function encodeEncApRepPart(part: { ctime: number; cusec: number; seqNumber: number }): Buffer {
  return der.encode(
    der.applicationTagged(
      27,
      der.sequence([der.kerberosTime(part.ctime), der.int(part.cusec), undefined, der.int(part.seqNumber)]),
    ),
  );
}

export function encodeApRep(encPart: { etype: number; cipher: Uint8Array }): Buffer {
  return der.encode(
    der.applicationTagged(
      15,
      der.sequence([
        der.int(5),
        der.int(15),
        der.sequence([der.int(encPart.etype), undefined, der.octetString(encPart.cipher)]),
      ]),
    ),
  );
}
