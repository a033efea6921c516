import { malformed } from './der.ts';
import * as der from './der.ts';

/** Mechanism OIDs a Negotiate token may name. */
export const oids = {
  spnego: '1.3.6.1.5.5.2',
  kerberos: '1.2.840.113554.1.2.2',
  /** Windows' historical (mis-encoded) Kerberos OID; Windows clients offer it first. */
  msKerberos: '1.2.840.48018.1.2.2',
  ntlm: '1.3.6.1.4.1.311.2.2.10',
} as const;

/** RFC 4121 token ids after the Kerberos OID. */
export const tokenIds = { apReq: 0x0100, apRep: 0x0200, error: 0x0300 } as const;

/**
 * GSS-API InitialContextToken framing (RFC 2743 §3.1): `[APPLICATION 0]`, the mechanism OID, then
 * the mechanism's own bytes, which are not DER themselves. The outer length is read here; the OID
 * through the DER library.
 */
export function unframe(token: Uint8Array): { mech: string; body: Buffer } {
  const bytes = Buffer.from(token);
  if (bytes.length < 2 || bytes[0] !== 0x60) throw malformed('not a GSS-API initial context token');
  let offset = 1;
  const first = bytes[offset++] ?? 0;
  let length = first;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 3) throw malformed('bad GSS-API token length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (bytes[offset++] ?? 0);
  }
  if (offset + length !== bytes.length) throw malformed('the GSS-API token length does not match');
  if (bytes[offset] !== 0x06) throw malformed('the GSS-API token has no mechanism OID');
  const oidLength = bytes[offset + 1] ?? 0;
  if (oidLength & 0x80 || offset + 2 + oidLength > bytes.length) throw malformed('bad mechanism OID');
  const mech = der.oid(
    der.decode(bytes.subarray(offset, offset + 2 + oidLength), 'mechanism OID'),
    'mechanism',
  );
  return { mech, body: bytes.subarray(offset + 2 + oidLength) };
}

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** Frames mechanism bytes as an InitialContextToken. */
export function frame(mech: string, body: Uint8Array): Buffer {
  const oid = der.encode(der.objectId(mech));
  const inner = Buffer.concat([oid, body]);
  return Buffer.concat([Buffer.from([0x60]), derLength(inner.length), inner]);
}

/** The Kerberos token inside the framing: its 2-byte token id, then the Kerberos message. */
export function kerberosToken(body: Buffer): { tokenId: number; message: Buffer } {
  if (body.length < 2) throw malformed('the Kerberos token is truncated');
  return { tokenId: body.readUInt16BE(0), message: body.subarray(2) };
}

/** GSS flags carried in the authenticator checksum (RFC 4121 §4.1.1). */
export const gssFlags = {
  delegate: 1,
  mutual: 2,
  replay: 4,
  sequence: 8,
  confidentiality: 16,
  integrity: 32,
};
/** The checksum type that carries GSS channel bindings and flags instead of a real checksum. */
export const gssChecksumType = 0x8003;

/** The flags of an authenticator's 0x8003 checksum (little-endian, after the 16-byte bindings). */
export function checksumFlags(value: Buffer): number {
  if (value.length < 24 || value.readUInt32LE(0) !== 16) throw malformed('bad GSS authenticator checksum');
  return value.readUInt32LE(20);
}
